import { isMailboxAddress } from '../config/settings';
import { formatResults, runDoctor, summarize, type CheckResult } from '../doctor/doctor';
import type { Env } from '../config/settings';
import { messageOf } from '../log/errors';
import { consoleLogger } from '../log/logger';
import { prepareCommandLineEnv } from './environment';

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

async function checks(sendTestTo: string | undefined): Promise<CheckResult[]> {
  let env: Env;
  try {
    env = prepareCommandLineEnv();
  } catch (error) {
    // A broken local.settings.json: one clean line and the summary, never a stack trace.
    return [{ name: 'local.settings.json', ok: false, detail: messageOf(error) }];
  }
  try {
    return await runDoctor(env, consoleLogger, { sendTestTo });
  } catch (error) {
    return [{ name: 'doctor', ok: false, detail: `the checks stopped: ${messageOf(error).split('\n')[0]}` }];
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sendTestTo = argValue(args, '--send-test-to');
  if (args.includes('--send-test-to') && (!sendTestTo || !isMailboxAddress(sendTestTo))) {
    process.stderr.write('doctor: --send-test-to takes a mailbox address, such as you@contoso.com\n');
    process.exitCode = 2;
    return;
  }
  const results = await checks(sendTestTo);
  process.stdout.write(`${formatResults(results)}\n`);
  const summary = summarize(results);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.ok ? 0 : 1;
}

void main();
