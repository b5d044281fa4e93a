import { checkSettings, SettingsError, type Env, type Settings } from '../config/settings';
import type { TenantRecord } from './tenantRecord';

/**
 * What a customer tenant never takes from the app settings, which describe the provider's own tenant:
 * its mailbox (a mailbox belongs to one tenant), the day its telling starts (a customer added months
 * later starts at its own first run, not the provider's go-live), and the words and contact its users
 * read. Recipients, limits and events do carry over, so a provider's SOC hears about every customer
 * unless a tenant names its own.
 */
export const NOT_INHERITED_BY_CUSTOMERS = [
  'NOTIFY_SENDER_MAILBOX',
  'NOTIFY_RELEASES_SINCE',
  'NOTIFY_SUBJECT',
  'NOTIFY_INTRO',
  'NOTIFY_FOOTER',
  'NOTIFY_REVIEW_CONTACT',
] as const;

/** A tenant's settings: the app settings with M365_TENANT_ID set to the tenant and its own on top, parsed by the one schema. */
export function tenantEnv(base: Env, record: TenantRecord, homeTenantId: string): Env {
  const own: Env =
    record.tenantId === homeTenantId ? {} : Object.fromEntries(NOT_INHERITED_BY_CUSTOMERS.map((n) => [n, undefined]));
  return { ...base, ...own, M365_TENANT_ID: record.tenantId, ...record.settings };
}

/** The tenant's parsed settings, or the first problem, named for the tenant so a provider knows whose it is. */
export function tenantSettings(base: Env, record: TenantRecord, homeTenantId: string): Settings {
  const { problems, settings } = checkSettings(tenantEnv(base, record, homeTenantId));
  if (problems.length > 0 || !settings) {
    const first = problems[0];
    throw new SettingsError(
      `Tenant ${record.name} (${record.tenantId}): ${first?.message ?? 'invalid settings'}`,
      first?.setting,
    );
  }
  return settings;
}

/** Every problem of a tenant's settings, for `npm run tenants -- add` and the doctor. */
export function tenantSettingsProblems(base: Env, record: TenantRecord, homeTenantId: string): string[] {
  return checkSettings(tenantEnv(base, record, homeTenantId)).problems.map((p) => p.message);
}

/**
 * Where a tenant's tables live: the deployment's own tenant keeps today's table names (a single-tenant
 * deployment that adds customers keeps its checkpoints and ledger); every other tenant's names start
 * with T and its id's 32 hex digits, so its rows are apart from every other tenant's by construction.
 */
export function tablePrefixFor(tenantId: string, homeTenantId: string): string {
  return tenantId === homeTenantId ? '' : `T${tenantId.replace(/-/g, '')}`;
}
