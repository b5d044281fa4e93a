import { loadSettings, type Env, type Settings } from '../config/settings';
import { Deployment } from '../app/deployment';
import { Runtime } from '../app/runtime';
import { consoleLogger, printable } from '../log/logger';
import { prepareCommandLineEnv } from './environment';
import { messageOf } from '../log/errors';
import { tenantIdOf } from '../tenants/tenantRecord';

/** What a command gets besides its tenant's Runtime. */
export interface CommandContext {
  /** The command's own arguments (`--tenant <id>` taken out). */
  args: string[];
}

/** `--tenant <id>` (or `--tenant=<id>`) taken out of the arguments; the rest is the command's. */
export function tenantArgument(argv: readonly string[]): { tenant: string | undefined; args: string[] } {
  const args: string[] = [];
  let tenant: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag !== '--tenant') args.push(argv[i]);
    else {
      tenant = inline ?? argv[++i];
      if (tenant === undefined || tenant.startsWith('--'))
        throw new Error('--tenant needs a tenant id: npm run tenants -- list shows them');
    }
  }
  return { tenant, args };
}

/** The tenant's Runtime from the deployment, or a clear error saying how to see its tenants. */
export async function tenantRuntime(deployment: Deployment, tenant: string): Promise<Runtime> {
  const id = tenantIdOf(tenant);
  const served = await deployment.tenant(id);
  if (!served)
    throw new Error(
      `${printable(id, 40)} is not a tenant of this deployment: npm run tenants -- list shows them (npm run tenants -- add adds one)`,
    );
  if (served.record.disabled)
    process.stderr.write(
      `note: tenant ${printable(served.record.name, 100)} is disabled; running it anyway as asked\n`,
    );
  return served.runtime;
}

/**
 * Runs one command-line job: progress on stderr, a one-line JSON summary as the last stdout line,
 * exit code 0 on success, 1 with one clear line on failure. `--tenant <id>` runs it for that tenant of
 * the deployment (its settings, tables and sign-in); without it, for M365_TENANT_ID as always.
 */
export async function runCommand(
  name: string,
  job: (runtime: Runtime, context: CommandContext) => Promise<object>,
  settingsFrom: (env: Env) => Settings = loadSettings,
): Promise<void> {
  try {
    const { tenant, args } = tenantArgument(process.argv.slice(2));
    const env = prepareCommandLineEnv();
    const runtime =
      tenant === undefined
        ? new Runtime(settingsFrom(env), consoleLogger)
        : await tenantRuntime(new Deployment(env, consoleLogger), tenant);
    const summary = await job(runtime, { args });
    const about = tenant === undefined ? {} : { tenant: runtime.settings.tenantId };
    process.stdout.write(`${JSON.stringify({ command: name, ok: true, ...about, ...summary })}\n`);
    process.exitCode = 0;
  } catch (error) {
    const message = messageOf(error);
    process.stderr.write(`${name} failed: ${message}\n`);
    process.stdout.write(`${JSON.stringify({ command: name, ok: false, error: message })}\n`);
    process.exitCode = 1;
  }
}
