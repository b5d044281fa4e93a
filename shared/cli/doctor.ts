import { Deployment } from '../app/deployment';
import { isMailboxAddress } from '../config/settings';
import { formatResults, runDoctor, summarize, type CheckResult, type DoctorTenant } from '../doctor/doctor';
import type { Env } from '../config/settings';
import { messageOf } from '../log/errors';
import { consoleLogger, printable } from '../log/logger';
import { tenantIdOf } from '../tenants/tenantRecord';
import { prepareCommandLineEnv } from './environment';
import { tenantArgument } from './main';

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

async function checks(env: Env, sendTestTo: string | undefined, tenant?: DoctorTenant): Promise<CheckResult[]> {
  try {
    return await runDoctor(env, consoleLogger, { sendTestTo, tenant });
  } catch (error) {
    return [{ name: 'doctor', ok: false, detail: `the checks stopped: ${messageOf(error).split('\n')[0]}` }];
  }
}

/** Prints one run's lines and its JSON summary; true when it passed. */
function print(results: readonly CheckResult[], about: object = {}): boolean {
  process.stdout.write(`${formatResults(results)}\n`);
  const summary = summarize(results);
  process.stdout.write(`${JSON.stringify({ ...summary, ...about })}\n`);
  return summary.ok;
}

/** The tenants to check: every tenant of the deployment (`--all`), or the one named (`--tenant`). */
async function tenantsToCheck(env: Env, tenant: string | undefined): Promise<DoctorTenant[]> {
  const deployment = new Deployment(env, consoleLogger);
  const records = await deployment.tenants();
  const homeTenantId = deployment.homeTenantId;
  if (tenant === undefined) return records.map((record) => ({ record, homeTenantId }));
  const id = tenantIdOf(tenant);
  const record = records.find((r) => r.tenantId === id);
  if (record) return [{ record, homeTenantId }];
  // The deployment's own tenant is checked even when the Tenants table has rows without it.
  if (id === homeTenantId)
    return [
      { record: { tenantId: id, name: 'this deployment', disabled: false, settings: {}, addedAt: '' }, homeTenantId },
    ];
  throw new Error(
    `${printable(id, 40)} is not a tenant of this deployment: npm run tenants -- list shows them (npm run tenants -- add adds one)`,
  );
}

/** `--tenant <id>` / `--all`: one titled block per tenant; exit code 1 if any failed. */
async function perTenant(env: Env, sendTestTo: string | undefined, tenant: string | undefined): Promise<boolean> {
  let tenants: DoctorTenant[];
  try {
    tenants = await tenantsToCheck(env, tenant);
  } catch (error) {
    return print([{ name: 'tenants', ok: false, detail: messageOf(error).split('\n')[0] }]);
  }
  let ok = true;
  for (const t of tenants) {
    const { name, tenantId, disabled } = t.record;
    process.stdout.write(`\n== tenant ${printable(name, 100)} (${tenantId})${disabled ? ', disabled' : ''} ==\n`);
    ok = print(await checks(env, sendTestTo, t), { tenant: tenantId }) && ok;
  }
  if (tenants.length > 1)
    process.stdout.write(`${JSON.stringify({ command: 'doctor', ok, tenants: tenants.length })}\n`);
  return ok;
}

async function main(): Promise<void> {
  let args: string[];
  let tenant: string | undefined;
  try {
    ({ tenant, args } = tenantArgument(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`doctor: ${messageOf(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const all = args.includes('--all');
  const sendTestTo = argValue(args, '--send-test-to');
  if (args.includes('--send-test-to') && (!sendTestTo || !isMailboxAddress(sendTestTo))) {
    process.stderr.write('doctor: --send-test-to takes a mailbox address, such as you@contoso.com\n');
    process.exitCode = 2;
    return;
  }
  if (all && tenant !== undefined) {
    process.stderr.write('doctor: give --tenant <id> or --all, not both\n');
    process.exitCode = 2;
    return;
  }
  let env: Env;
  try {
    env = prepareCommandLineEnv();
  } catch (error) {
    // A broken local.settings.json: one clean line and the summary, never a stack trace.
    process.exitCode = print([{ name: 'local.settings.json', ok: false, detail: messageOf(error) }]) ? 0 : 1;
    return;
  }
  const ok =
    all || tenant !== undefined ? await perTenant(env, sendTestTo, tenant) : print(await checks(env, sendTestTo));
  process.exitCode = ok ? 0 : 1;
}

void main();
