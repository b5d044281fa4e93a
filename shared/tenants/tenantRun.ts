/**
 * One tenant's turn at one stage: what a timer puts on the tenant-runs queue for each served tenant,
 * so each tenant's work is its own queue message (a slow, throttled or broken tenant holds up no other).
 */
import { isGuid } from '../config/validators';
import { isRecord } from '../http/json';

export const TENANT_RUNS_QUEUE = 'tenant-runs';

export const TENANT_STAGES = ['snapshot', 'detect', 'report'] as const;
export type TenantStage = (typeof TENANT_STAGES)[number];

export interface TenantRun {
  tenant: string;
  stage: TenantStage;
  firedAt: string;
  /** A weekly report's try (1 when absent): a report whose send is in doubt comes back, a few times at most. */
  attempt?: number;
}

export class MalformedTenantRunError extends Error {
  readonly code = 'malformed-tenant-run' as const;
  constructor(message: string) {
    super(message);
    this.name = 'MalformedTenantRunError';
  }
}

/** A tenant-runs message (text, or JSON the host already parsed), checked field by field. */
export function parseTenantRun(body: unknown): TenantRun {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      throw new MalformedTenantRunError('tenant run is not valid JSON');
    }
  }
  if (!isRecord(value)) throw new MalformedTenantRunError('tenant run is not a JSON object');
  const { tenant, stage, firedAt, attempt } = value;
  if (typeof tenant !== 'string' || !isGuid(tenant)) throw new MalformedTenantRunError('tenant run names no tenant id');
  if (typeof stage !== 'string' || !(TENANT_STAGES as readonly string[]).includes(stage))
    throw new MalformedTenantRunError(`tenant run stage is not one of ${TENANT_STAGES.join(', ')}`);
  const fired = typeof firedAt === 'string' ? Date.parse(firedAt) : Number.NaN;
  if (!Number.isFinite(fired)) throw new MalformedTenantRunError('tenant run has no firedAt time');
  if (attempt !== undefined && !(Number.isInteger(attempt) && (attempt as number) >= 1 && (attempt as number) <= 100))
    throw new MalformedTenantRunError('tenant run attempt is not a whole number from 1 to 100');
  const run: TenantRun = {
    tenant: tenant.toLowerCase(),
    stage: stage as TenantStage,
    firedAt: new Date(fired).toISOString(),
  };
  return attempt === undefined ? run : { ...run, attempt: attempt as number };
}

/**
 * A run whose tick is long gone (the queue backed up, the app was stopped) is dropped: the next tick
 * does the same work, and its watermark makes catching up automatic.
 */
export function isStale(run: TenantRun, now: Date, maxAgeMs: number): boolean {
  return now.getTime() - Date.parse(run.firedAt) > maxAgeMs;
}
