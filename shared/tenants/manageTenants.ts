/**
 * `npm run tenants`: a service provider adds, lists, disables, enables and removes the customer tenants
 * of its deployment. What to store and what to delete are pure decisions here; the Tenants table, the
 * tenant's tables and its health state are reached through the ports below (wired in app/tenantAdmin.ts).
 */
import type { Env } from '../config/settings';
import { text } from '../config/validators';
import { messageOf } from '../log/errors';
import {
  TENANT_SETTING_NAMES,
  tenantIdOf,
  TenantRecordError,
  tenantSettingsOf,
  type TenantRecord,
  type TenantSettingName,
} from './tenantRecord';
import { tablePrefixFor, tenantSettingsProblems } from './tenantSettings';

/** The Tenants table (store/tenantStore.ts). */
export interface TenantRegistry {
  list(): Promise<TenantRecord[]>;
  get(tenantId: string): Promise<TenantRecord | undefined>;
  put(record: TenantRecord): Promise<void>;
  remove(tenantId: string): Promise<void>;
}

/** The deployment's storage account, as far as removing a tenant's data needs it (store/tenantTables.ts). */
export interface TenantTables {
  /** Every table name a tenant's Runtime creates, without the prefix. */
  readonly known: readonly string[];
  /** The account's tables whose names start with `prefix` (a customer tenant's prefix, never empty). */
  existing(prefix: string): Promise<string[]>;
  /** Deletes one table; a table already gone is no error. */
  drop(name: string): Promise<void>;
}

/** An open problem of a tenant's own health state (health/monitor.ts). */
export interface OpenProblem {
  problem: string;
  since: string;
  reason: string;
}

export interface AddRequest {
  tenantId: string;
  name: string | undefined;
  mailbox: string | undefined;
  /** `NAME=value` texts as given; an empty value drops the tenant's own value (the deployment's applies again). */
  set: readonly string[];
}

export interface AddContext {
  /** The deployment's app settings: each tenant's settings are these with its own on top. */
  env: Env;
  homeTenantId: string;
  now: Date;
}

export type AddDecision =
  | {
      ok: true;
      record: TenantRecord;
      updated: boolean;
      /** False when the deployment's own tenant has no row: with rows, only the rows' tenants are served. */
      homeServed?: boolean;
    }
  | { ok: false; problems: string[] };

const MAX_NAME = 100;
const ALLOWED: ReadonlySet<string> = new Set(TENANT_SETTING_NAMES);
/** A customer tenant's table prefix: T and the 32 hex digits of its id. Anything else is never listed or dropped. */
const CUSTOMER_PREFIX = /^T[0-9a-f]{32}$/i;

/** The `--set NAME=value` texts as overrides, with one problem line per bad one. */
export function overridesOf(set: readonly string[]): { values: Map<string, string>; problems: string[] } {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (const item of set) {
    const at = item.indexOf('=');
    const name = at > 0 ? item.slice(0, at).trim() : '';
    if (name === '')
      problems.push(`--set ${printableArg(item)}: expected NAME=value, such as --set NOTIFY_TIME_ZONE=Europe/Paris`);
    else if (name === 'NOTIFY_SENDER_MAILBOX')
      problems.push('--set NOTIFY_SENDER_MAILBOX: give the mailbox with --mailbox');
    else if (!ALLOWED.has(name))
      problems.push(
        `--set ${printableArg(name)}: not a setting a tenant may set; these are: ${TENANT_SETTING_NAMES.join(', ')} (connection settings and schedules are the deployment's)`,
      );
    else values.set(name, item.slice(at + 1).trim());
  }
  return { values, problems };
}

/** The record `add` stores (an existing one updated: what is not given, its state and its date are kept), or every problem. */
export function tenantToStore(
  request: AddRequest,
  existing: TenantRecord | undefined,
  context: AddContext,
): AddDecision {
  const problems: string[] = [];
  let tenantId = '';
  try {
    tenantId = tenantIdOf(request.tenantId);
  } catch (error) {
    problems.push((error as Error).message);
  }
  // Updating, a name or mailbox not given stays as it was.
  const name = (request.name ?? existing?.name ?? '').replace(/[\p{Cc}\p{Cf}]/gu, ' ').trim();
  if (name === '') problems.push('--name is needed: the tenant\'s name as people know it, such as --name "Fabrikam"');
  else if (name.length > MAX_NAME) problems.push(`--name: at most ${MAX_NAME} characters`);
  const mailbox = (request.mailbox ?? existing?.settings.NOTIFY_SENDER_MAILBOX ?? '').trim();
  if (mailbox === '')
    problems.push(
      "--mailbox is needed: the tenant's own notices mailbox, such as --mailbox quarantine-notices@fabrikam.com",
    );
  const overrides = overridesOf(request.set);
  problems.push(...overrides.problems);
  const customer = tenantId !== '' && tenantId !== context.homeTenantId;
  if (customer && text(context.env, 'MULTI_TENANT_APP_ID') === undefined)
    problems.push(
      `Tenant ${tenantId} is a customer tenant (this deployment's own is M365_TENANT_ID ${context.homeTenantId}): the deployment signs in there as its multi-tenant app registration, and MULTI_TENANT_APP_ID is not set. Set it on the deployment first (README, "Many tenants").`,
    );
  if (problems.length > 0) return { ok: false, problems };
  const settings: Record<string, string> = { ...existing?.settings };
  for (const [setting, value] of overrides.values) {
    if (value === '') delete settings[setting];
    else settings[setting] = value;
  }
  settings.NOTIFY_SENDER_MAILBOX = mailbox;
  return checkedRecord(
    {
      tenantId,
      name,
      disabled: existing?.disabled ?? false,
      settings: settings as Partial<Record<TenantSettingName, string>>,
      addedAt: existing?.addedAt || context.now.toISOString(),
    },
    existing !== undefined,
    context,
  );
}

/** The record as the schema sees the tenant's whole settings (the deployment's with its own on top). */
function checkedRecord(record: TenantRecord, updated: boolean, context: AddContext): AddDecision {
  try {
    tenantSettingsOf(record.settings);
  } catch (error) {
    if (error instanceof TenantRecordError) return { ok: false, problems: [error.message] };
    throw error;
  }
  const problems = tenantSettingsProblems(context.env, record, context.homeTenantId);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, record, updated };
}

function printableArg(value: string): string {
  return JSON.stringify(value.slice(0, 60));
}

/** `add`: nothing is written unless every check passed. */
export async function addTenant(
  request: AddRequest,
  registry: TenantRegistry,
  context: AddContext,
): Promise<AddDecision> {
  let existing: TenantRecord | undefined;
  try {
    existing = await registry.get(tenantIdOf(request.tenantId));
  } catch (error) {
    if (!(error instanceof TenantRecordError)) throw error;
  }
  const decision = tenantToStore(request, existing, context);
  if (!decision.ok) return decision;
  await registry.put(decision.record);
  const home = context.homeTenantId;
  return { ...decision, homeServed: decision.record.tenantId === home || (await registry.get(home)) !== undefined };
}

/** One line of `list`. */
export interface TenantSummary {
  tenantId: string;
  name: string;
  enabled: boolean;
  /** The deployment's own tenant (today's table names, signs in as the deployment's identity). */
  home: boolean;
  mailbox: string | undefined;
  /** Put before each of its table names; empty for the deployment's own tenant. */
  tablePrefix: string;
  openProblems: OpenProblem[];
  /** Set when its health state could not be read. */
  healthUnread?: string;
}

export interface ListDeps {
  /** The served tenants: the Tenants table's rows, or the deployment's own tenant alone when it is empty. */
  tenants(): Promise<TenantRecord[]>;
  /** The open problems of the tenant's own health state (its NotifierState, by its table prefix). */
  openProblems(tablePrefix: string): Promise<OpenProblem[]>;
  homeTenantId: string;
  /** The deployment's own NOTIFY_SENDER_MAILBOX (the home tenant's unless its row names another). */
  homeMailbox: string | undefined;
}

/** `list`: every tenant with its open health problems; one unreadable health state does not hide the others. */
export async function listTenants(deps: ListDeps): Promise<TenantSummary[]> {
  const summaries: TenantSummary[] = [];
  for (const record of await deps.tenants()) {
    const home = record.tenantId === deps.homeTenantId;
    const tablePrefix = tablePrefixFor(record.tenantId, deps.homeTenantId);
    const summary: TenantSummary = {
      tenantId: record.tenantId,
      name: record.name,
      enabled: !record.disabled,
      home,
      mailbox: record.settings.NOTIFY_SENDER_MAILBOX ?? (home ? deps.homeMailbox : undefined),
      tablePrefix,
      openProblems: [],
    };
    try {
      summary.openProblems = await deps.openProblems(tablePrefix);
    } catch (error) {
      summary.healthUnread = messageOf(error).split('\n')[0];
    }
    summaries.push(summary);
  }
  return summaries;
}

export class TenantNotFoundError extends Error {
  constructor(tenantId: string) {
    super(`${tenantId} is not in the Tenants table of this deployment: npm run tenants -- list shows its tenants.`);
    this.name = 'TenantNotFoundError';
  }
}

/** `disable` / `enable`: the record as now stored. */
export async function setTenantEnabled(
  tenantId: string,
  enabled: boolean,
  registry: TenantRegistry,
): Promise<{ record: TenantRecord; changed: boolean }> {
  const id = tenantIdOf(tenantId);
  const record = await registry.get(id);
  if (!record) throw new TenantNotFoundError(id);
  if (record.disabled === !enabled) return { record, changed: false };
  const updated = { ...record, disabled: !enabled };
  await registry.put(updated);
  return { record: updated, changed: true };
}

/** What `remove` deletes. */
export interface RemovalPlan {
  tenantId: string;
  record: TenantRecord | undefined;
  home: boolean;
  /** Its tables that exist now; none for the deployment's own tenant (its tables are the single-tenant app's). */
  tables: string[];
  /** Every name dropped (known names too, so a table created meanwhile goes as well); empty for the home tenant. */
  drop: string[];
}

/** Which tables go: the customer tenant's prefix only, and never anything for the deployment's own tenant. */
export function removalPlan(
  record: TenantRecord | undefined,
  tenantId: string,
  homeTenantId: string,
  tables: { existing: readonly string[]; known: readonly string[] },
): RemovalPlan {
  const home = tenantId === homeTenantId;
  if (home) return { tenantId, record, home, tables: [], drop: [] };
  const prefix = tablePrefixFor(tenantId, homeTenantId);
  if (!CUSTOMER_PREFIX.test(prefix)) throw new TenantRecordError(`refusing to delete tables of prefix "${prefix}"`);
  const mine = tables.existing.filter((t) => t.toLowerCase().startsWith(prefix.toLowerCase())).sort();
  const drop = [...new Set([...mine, ...tables.known.map((name) => `${prefix}${name}`)])];
  return { tenantId, record, home, tables: mine, drop };
}

export interface RemoveDeps {
  registry: TenantRegistry;
  tables: TenantTables;
  homeTenantId: string;
  /** Forgets what the deployment's own tables hold about the tenant (its line of the provider's summary). */
  forget(tenantId: string): Promise<void>;
}

/**
 * `remove`: without `yes`, only the plan. With it: the tenant is disabled first (no new run starts while
 * its tables go), its tables are dropped, then its row. A failure leaves the row, so running it again finishes.
 */
export async function removeTenant(
  tenantId: string,
  yes: boolean,
  deps: RemoveDeps,
): Promise<{ plan: RemovalPlan; done: boolean }> {
  const id = tenantIdOf(tenantId);
  const record = await deps.registry.get(id);
  const home = id === deps.homeTenantId;
  const existing = home ? [] : await deps.tables.existing(tablePrefixFor(id, deps.homeTenantId));
  const plan = removalPlan(record, id, deps.homeTenantId, { existing, known: deps.tables.known });
  if (!record && plan.tables.length === 0) throw new TenantNotFoundError(id);
  if (!yes) return { plan, done: false };
  if (record && !record.disabled && !home) await deps.registry.put({ ...record, disabled: true });
  for (const table of plan.drop) await deps.tables.drop(table);
  await deps.forget(id);
  if (record) await deps.registry.remove(id);
  return { plan, done: true };
}
