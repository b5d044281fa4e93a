import { isMailboxAddress } from '../config/settings';
import { formatResults, runDoctor } from '../doctor/doctor';
import { consoleLogger } from '../log/logger';
import { prepareCommandLineEnv } from './environment';

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sendTestTo = argValue(args, '--send-test-to');
  if (args.includes('--send-test-to') && (!sendTestTo || !isMailboxAddress(sendTestTo))) {
    process.stderr.write('doctor: --send-test-to takes a mailbox address, such as you@contoso.com\n');
    process.exitCode = 2;
    return;
  }
  const results = await runDoctor(prepareCommandLineEnv(), consoleLogger, { sendTestTo });
  process.stdout.write(`${formatResults(results)}\n`);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${JSON.stringify({ command: 'doctor', ok: failed === 0, checks: results.length, failed })}\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

void main();
