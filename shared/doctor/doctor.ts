import { createCredential } from '../auth/credential';
import { tenantScope } from '../app/tenantScope';
import { checkSettings, type Env, type Settings } from '../config/settings';
import { systemClock } from '../domain/clock';
import type { TenantRecord } from '../tenants/tenantRecord';
import { tenantEnv } from '../tenants/tenantSettings';
import { storyCheck } from './storyCheck';
import { Runtime } from '../app/runtime';
import type { Logger } from '../log/logger';
import { messageOf } from '../log/errors';
import { storageCheck } from '../store/doctorCheck';
import { credentialsCheck, tokenChecks } from '../auth/doctorCheck';
import { acceptedDomainsCheck, readQuarantineCheck } from '../exchange/doctorCheck';
import { headersCheck } from '../detect/doctorCheck';
import { auditFeedCheck } from '../audit/doctorCheck';
import { senderMailboxCheck, sentItemsCheck } from '../graph/doctorCheck';
import { healthCheck } from '../health/doctorCheck';
import { postDeliveryCheck } from '../report/doctorCheck';
import { needsText, type CheckResult, type DoctorCheck, type DoctorContext } from '../checks/check';
import { alertsCheck, settingsCheck } from './settingsCheck';

export type { CheckResult } from '../checks/check';
export { describeHeaderRead } from '../detect/doctorCheck';
export { describeCredentials } from '../auth/doctorCheck';
export { sendTestNotification } from '../graph/testNotification';

export interface DoctorOptions {
  /** Sends one real test notification to this address when given. */
  sendTestTo?: string;
  /** Checks this tenant of the deployment (`--tenant`, `--all`); absent: M365_TENANT_ID, as always. */
  tenant?: DoctorTenant;
}

/** A tenant of the deployment's Tenants table, checked with its own settings, tables and sign-in. */
export interface DoctorTenant {
  record: TenantRecord;
  homeTenantId: string;
}

/** The tenant's Runtime as the deployment builds it (app/tenantScope.ts), on the draft settings. */
function tenantRuntime(draft: Settings, tenant: DoctorTenant, log: Logger): Runtime {
  const scope = tenantScope(draft, tenant.record, tenant.homeTenantId, createCredential(draft));
  return new Runtime(draft, log, systemClock, scope);
}

/** The checks, in the order an admin would fix them: settings, storage, sign-in, then each Microsoft 365 permission. */
function checks(settings: DoctorCheck): DoctorCheck<Runtime>[] {
  return [
    settings,
    storyCheck,
    storageCheck,
    credentialsCheck,
    ...tokenChecks,
    readQuarantineCheck,
    headersCheck,
    acceptedDomainsCheck,
    auditFeedCheck,
    senderMailboxCheck,
    sentItemsCheck,
    alertsCheck,
    postDeliveryCheck,
    healthCheck,
  ];
}

/** Runs one check: skipped with what it needs, or passed/failed with its detail. */
async function runCheck(check: DoctorCheck<Runtime>, ctx: DoctorContext<Runtime>): Promise<CheckResult[]> {
  if (check.report) return check.report(ctx);
  const needs = [...new Set(check.needs?.(ctx) ?? [])];
  if (needs.length > 0) return [{ name: check.name, ok: false, skipped: true, detail: needsText(needs) }];
  try {
    const verdict = await (check.run ?? (() => Promise.resolve('')))(ctx);
    return [
      typeof verdict === 'string'
        ? { name: check.name, ok: true, detail: verdict }
        : { name: check.name, ok: true, ...verdict },
    ];
  } catch (error) {
    return [{ name: check.name, ok: false, detail: messageOf(error) }];
  }
}

/**
 * Checks everything the product needs with whichever identity it runs as: on a laptop (npm run
 * doctor) or inside the deployed app (the doctor-requests queue). A check whose prerequisite failed
 * is reported as skipped with what it needs, so each problem is said once and one pass lists them all.
 */
export async function runDoctor(env: Env, log: Logger, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const { tenant } = options;
  const checked = tenant ? tenantEnv(env, tenant.record, tenant.homeTenantId) : env;
  const report = checkSettings(checked, { requireSenderMailbox: true });
  const brokenSettings = [...new Set(report.problems.map((p) => p.setting ?? 'settings'))];
  const results: CheckResult[] = [];
  const customer = tenant !== undefined && tenant.record.tenantId !== tenant.homeTenantId;
  const ctx: DoctorContext<Runtime> = {
    env: checked,
    // The draft stands in for broken settings; every check that reads one of them is skipped.
    settings: report.draft,
    runtime: tenant ? tenantRuntime(report.draft, tenant, log) : new Runtime(report.draft, log),
    sendTestTo: options.sendTestTo,
    ...(customer ? { homeTenantId: tenant.homeTenantId } : {}),
    broken: (...names) => brokenSettings.filter((s) => names.some((n) => s === n || s.startsWith(`${n}__`))),
    passed: (name) => results.some((r) => r.name === name && r.ok),
    facts: { domains: [] },
  };
  for (const check of checks(settingsCheck(report))) results.push(...(await runCheck(check, ctx)));
  return results;
}

/** The doctor's JSON summary line: counts by outcome; ok only when nothing failed or was skipped. */
export function summarize(results: readonly CheckResult[]): {
  command: 'doctor';
  ok: boolean;
  checks: number;
  failed: number;
  skipped: number;
  warnings: number;
} {
  const failed = results.filter((r) => !r.ok && !r.skipped).length;
  const skipped = results.filter((r) => r.skipped).length;
  const warnings = results.filter((r) => r.ok && r.warning).length;
  return { command: 'doctor', ok: failed === 0 && skipped === 0, checks: results.length, failed, skipped, warnings };
}

export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results
    .map(
      (r) =>
        `${r.skipped ? 'skip' : !r.ok ? 'FAIL' : r.warning ? 'warn' : 'ok  '}  ${r.name.padEnd(width)}  ${r.detail}`,
    )
    .join('\n');
}
