/**
 * `npm run tenants -- add|list|disable|enable|remove`: the customer tenants of a service provider's
 * deployment (tenants/manageTenants.ts). Human lines, then the JSON summary as the last stdout line;
 * `list --json` prints only the JSON. Exit code 0 on success, 1 with the reasons on failure.
 */
import { TenantAdmin } from '../app/tenantAdmin';
import { messageOf } from '../log/errors';
import { consoleLogger, printable } from '../log/logger';
import {
  addTenant,
  listTenants,
  removeTenant,
  setTenantEnabled,
  type AddRequest,
  type RemovalPlan,
  type TenantSummary,
} from '../tenants/manageTenants';
import type { TenantRecord } from '../tenants/tenantRecord';
import { tablePrefixFor } from '../tenants/tenantSettings';
import { prepareCommandLineEnv } from './environment';

export type TenantsCommand =
  | ({ action: 'add' } & AddRequest)
  | { action: 'list'; json: boolean }
  | { action: 'disable' | 'enable'; tenantId: string }
  | { action: 'remove'; tenantId: string; yes: boolean };

export const TENANTS_USAGE = [
  'npm run tenants -- add <tenantId> --name <text> --mailbox <address> [--set NAME=value ...]',
  'npm run tenants -- list [--json]',
  'npm run tenants -- disable <tenantId>',
  'npm run tenants -- enable <tenantId>',
  'npm run tenants -- remove <tenantId> [--yes]',
].join('\n');

class UsageError extends Error {}

/** The command's arguments (`--flag value` or `--flag=value`); throws one line and the usage otherwise. */
export function parseTenantsArgs(argv: readonly string[]): TenantsCommand {
  const [action, ...rest] = argv;
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const valued = new Set(['--name', '--mailbox', '--set']);
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split(/=(.*)/s, 2);
    if (!flag.startsWith('--')) positional.push(rest[i]);
    else if (valued.has(flag)) {
      const value = inline ?? rest[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      flags.set(flag, [...(flags.get(flag) ?? []), value]);
    } else flags.set(flag, ['']);
  }
  const allowed: Record<string, string[]> = {
    add: ['--name', '--mailbox', '--set'],
    list: ['--json'],
    disable: [],
    enable: [],
    remove: ['--yes'],
  };
  if (!action || !(action in allowed)) throw new UsageError(`unknown command ${JSON.stringify(action ?? '')}`);
  const unknown = [...flags.keys()].find((f) => !allowed[action].includes(f));
  if (unknown) throw new UsageError(`${action} does not take ${printable(unknown, 40)}`);
  const wanted = action === 'list' ? 0 : 1;
  if (positional.length !== wanted)
    throw new UsageError(wanted === 0 ? 'list takes no tenant id' : `${action} takes one tenant id`);
  const tenantId = positional[0] ?? '';
  if (action === 'list') return { action, json: flags.has('--json') };
  if (action === 'remove') return { action, tenantId, yes: flags.has('--yes') };
  if (action === 'disable' || action === 'enable') return { action, tenantId };
  return {
    action: 'add',
    tenantId,
    name: flags.get('--name')?.at(-1),
    mailbox: flags.get('--mailbox')?.at(-1),
    set: flags.get('--set') ?? [],
  };
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function settingsText(record: TenantRecord): string {
  const entries = Object.entries(record.settings).filter(([name]) => name !== 'NOTIFY_SENDER_MAILBOX');
  return entries.map(([name, value]) => `${name}=${printable(value ?? '', 80)}`).join('; ') || "(the deployment's)";
}

async function add(admin: TenantAdmin, command: AddRequest): Promise<object> {
  const decision = await addTenant(command, await admin.registry(), {
    env: admin.env,
    homeTenantId: admin.homeTenantId,
    now: new Date(),
  });
  if (!decision.ok) {
    for (const problem of decision.problems) process.stderr.write(`tenants add: ${problem}\n`);
    process.stderr.write('tenants add: nothing was stored\n');
    process.exitCode = 1;
    return { ok: false, problems: decision.problems.length };
  }
  const { record, updated } = decision;
  const prefix = tablePrefixFor(record.tenantId, admin.homeTenantId);
  out(
    `${updated ? 'updated' : 'added'} tenant ${printable(record.name, 100)} (${record.tenantId}), ${record.disabled ? 'disabled' : 'enabled'}`,
  );
  out(`  notices mailbox  ${record.settings.NOTIFY_SENDER_MAILBOX ?? ''}`);
  out(`  own settings     ${settingsText(record)}`);
  out(
    `  tables           ${prefix ? `${prefix}<name> (its own)` : "today's table names (this deployment's own tenant)"}`,
  );
  if (decision.homeServed === false)
    out(
      `note: with rows in the Tenants table only their tenants are served, and this deployment's own tenant (${admin.homeTenantId}) has none: add it too if it should stay served (npm run tenants -- add ${admin.homeTenantId} --name ... --mailbox ...)`,
    );
  out(`next: npm run doctor -- --tenant ${record.tenantId}`);
  return { ok: true, tenant: record.tenantId, updated };
}

function summaryLines(t: TenantSummary): string[] {
  const problems =
    t.healthUnread !== undefined
      ? `health state unreadable: ${printable(t.healthUnread, 200)}`
      : t.openProblems.length === 0
        ? 'no open problems'
        : `${t.openProblems.length} open problem(s): ${t.openProblems.map((p) => `${p.problem} since ${p.since}`).join(', ')}`;
  return [
    `${printable(t.name, 100)}  ${t.tenantId}  ${t.enabled ? 'enabled' : 'disabled'}${t.home ? "  (this deployment's own tenant)" : ''}`,
    `  mailbox ${t.mailbox ?? '(none set)'}; tables ${t.tablePrefix ? `${t.tablePrefix}*` : "today's names"}; ${problems}`,
  ];
}

async function list(admin: TenantAdmin, json: boolean): Promise<object | undefined> {
  const tenants = await listTenants(admin.listDeps());
  if (json) {
    out(JSON.stringify({ command: 'tenants', action: 'list', ok: true, tenants }));
    return undefined;
  }
  for (const t of tenants) for (const line of summaryLines(t)) out(line);
  return {
    ok: true,
    tenants: tenants.length,
    disabled: tenants.filter((t) => !t.enabled).length,
    withProblems: tenants.filter((t) => t.openProblems.length > 0 || t.healthUnread !== undefined).length,
  };
}

function planLines(plan: RemovalPlan, done: boolean): string[] {
  const who = `${plan.record ? printable(plan.record.name, 100) : 'tenant'} (${plan.tenantId})`;
  if (plan.home)
    return [
      `${done ? 'removed' : 'would remove'} the row of ${who} from the Tenants table.`,
      "It is this deployment's own tenant (M365_TENANT_ID): its tables are the single-tenant app's and are kept; nothing else is deleted. While the Tenants table has other rows it is not served.",
    ];
  const tables = plan.tables.length > 0 ? plan.tables.join(', ') : 'none exist';
  return [
    `${done ? 'removed' : 'would remove'} ${who}: its tables (${tables})${plan.record ? ' and its row in the Tenants table' : ''}.`,
    done
      ? 'Its queued notices are dropped as they come up (the sending function logs each). A run that started just before ' +
        '(instances read the Tenants table once a minute; a run lasts up to 10 minutes) may re-create a table: run the same command in 15 minutes to drop whatever is left.'
      : 'Nothing was deleted: run again with --yes to delete them.',
  ];
}

async function run(admin: TenantAdmin, command: TenantsCommand): Promise<object | undefined> {
  switch (command.action) {
    case 'add':
      return add(admin, command);
    case 'list':
      return list(admin, command.json);
    case 'disable':
    case 'enable': {
      const { record, changed } = await setTenantEnabled(
        command.tenantId,
        command.action === 'enable',
        await admin.registry(),
      );
      out(
        `${printable(record.name, 100)} (${record.tenantId}) ${changed ? 'is now' : 'was already'} ${command.action}d`,
      );
      return { ok: true, tenant: record.tenantId, changed };
    }
    case 'remove': {
      const { plan, done } = await removeTenant(command.tenantId, command.yes, await admin.removeDeps());
      for (const line of planLines(plan, done)) out(line);
      return { ok: true, tenant: plan.tenantId, removed: done, tables: plan.tables.length };
    }
  }
}

async function main(): Promise<void> {
  let command: TenantsCommand;
  try {
    command = parseTenantsArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`tenants: ${messageOf(error)}\nUsage:\n${TENANTS_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    const summary = await run(new TenantAdmin(prepareCommandLineEnv(), consoleLogger), command);
    if (summary) out(JSON.stringify({ command: 'tenants', action: command.action, ...summary }));
  } catch (error) {
    const message = messageOf(error);
    process.stderr.write(`tenants ${command.action} failed: ${message}\n`);
    out(JSON.stringify({ command: 'tenants', action: command.action, ok: false, error: message }));
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
