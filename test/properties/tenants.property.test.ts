/**
 * Many tenants, tried with generated inputs. Invariants a provider relies on:
 * - a tenant-runs or job message never crashes its function with anything but its own Malformed error;
 * - stamping a job with its tenant changes nothing else in it, and the stamp reads back;
 * - every tenant's tables have valid names of their own, apart from every other tenant's and the home tenant's.
 */
import fc from 'fast-check';
import { alertJobsFor } from '../../shared/jobs/alertJob';
import { jobsFor, MalformedJobError } from '../../shared/jobs/notificationJob';
import {
  encodeQueuedJobMessages,
  parseQueuedJob,
  stampTenant,
  tenantOfJob,
  type QueuedJob,
} from '../../shared/jobs/queuedJob';
import { TENANT_TABLES } from '../../shared/store/tenantTables';
import { MalformedTenantRunError, parseTenantRun } from '../../shared/tenants/tenantRun';
import { tablePrefixFor } from '../../shared/tenants/tenantSettings';
import { address, alertFinding, count, guid, hostileText, params, release, reportTried } from './arbitraries';

const HOME = '00000000-0000-0000-0000-000000000001';

afterAll(() => reportTried('tenants'));

/** Anything a queue may hold: JSON of any shape, near-valid messages with hostile fields, and text that is no JSON. */
const queueBody = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.anything(),
    fc.json(),
    hostileText(80),
    fc.record(fields, { requiredKeys: [] }),
    fc.record(fields, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  );
const hostile = fc.oneof(
  hostileText(40),
  fc.anything(),
  guid,
  guid.map((g) => g.toUpperCase()),
);

describe('property: a tenant-runs message -> parseTenantRun', () => {
  it('gives a run of a known stage for a lower-case tenant, or throws MalformedTenantRunError, never anything else', () => {
    const body = queueBody({
      tenant: hostile,
      stage: fc.oneof(fc.constantFrom('snapshot', 'detect', 'report', 'send', '__proto__'), hostile),
      firedAt: fc.oneof(
        fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
        hostile,
      ),
    });
    fc.assert(
      fc.property(body, (value) => {
        count();
        try {
          const run = parseTenantRun(value);
          expect(run.tenant).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
          expect(['snapshot', 'detect', 'report']).toContain(run.stage);
          expect(new Date(run.firedAt).toISOString()).toBe(run.firedAt);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedTenantRunError);
        }
      }),
      params(),
    );
  });
});

describe('property: a job message -> tenantOfJob', () => {
  it('gives a lower-case tenant id or none, or throws MalformedJobError, never anything else', () => {
    const stampedLooking = fc
      .tuple(fc.oneof(hostileText(70), guid), fc.oneof(fc.json(), hostileText(40)))
      .map(([tenant, rest]) => `{"tenant":"${tenant}"${rest}`);
    const body = fc.oneof(queueBody({ tenant: hostile, v: fc.constant(2), kind: hostile }), stampedLooking);
    fc.assert(
      fc.property(body, (value) => {
        count();
        try {
          const tenant = tenantOfJob(value);
          if (tenant !== undefined) expect(tenant).toMatch(/^[0-9a-f-]{36}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedJobError);
        }
      }),
      params(),
    );
  });
});

/** The job a text parses to, or the refusal (a job the sending function would refuse either way). */
function outcome(text: string): { job: QueuedJob } | { refused: string } {
  try {
    return { job: parseQueuedJob(text) };
  } catch (error) {
    if (!(error instanceof MalformedJobError)) throw error;
    return { refused: error.message };
  }
}

describe('property: stampTenant -> tenantOfJob and parseQueuedJob', () => {
  const jobs: fc.Arbitrary<QueuedJob[]> = fc.oneof(
    fc
      .tuple(fc.oneof(fc.constant('alice@contoso.com'), address), fc.array(release(), { minLength: 1, maxLength: 20 }))
      .map(([sender, releases]) => jobsFor(sender, releases)),
    fc.array(alertFinding, { minLength: 1, maxLength: 2 }).map((findings) => alertJobsFor(findings)),
  );

  it('reads back the tenant, and the stamped text parses to the very job the unstamped text does (or is refused alike)', () => {
    fc.assert(
      fc.property(jobs, guid, fc.boolean(), (queued, tenant, upper) => {
        count();
        for (const job of queued)
          for (const text of encodeQueuedJobMessages(job)) {
            const stamped = stampTenant(text, upper ? tenant.toUpperCase() : tenant);
            expect(tenantOfJob(stamped)).toBe(tenant);
            expect(tenantOfJob(JSON.parse(stamped))).toBe(tenant);
            expect(outcome(stamped)).toEqual(outcome(text));
            // Stamped twice is stamped once: a job handed back to the queue keeps its one tenant.
            expect(stampTenant(stamped, HOME)).toBe(stamped);
          }
      }),
      params({ numRuns: Math.max(5, Math.ceil(Number(params().numRuns) / 3)) }),
    );
  });
});

describe('property: tablePrefixFor', () => {
  const longest = Math.max(...TENANT_TABLES.map((t) => t.length));
  const AZURE_TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
  /** Tenants whose ids differ from one another's in a hex digit or two: names built from a part of the id would collide. */
  const family = fc
    .tuple(
      guid,
      fc.array(fc.tuple(fc.integer({ min: 0, max: 31 }), fc.constantFrom(...'0123456789abcdef')), {
        minLength: 1,
        maxLength: 12,
      }),
    )
    .map(([base, changes]) => {
      const ids = [base];
      for (const [at, digit] of changes) {
        const hex = ids[ids.length - 1].replace(/-/g, '').split('');
        hex[at] = digit;
        const h = hex.join('');
        ids.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
      }
      return [...new Set(ids)];
    })
    .filter((ids) => ids.length >= 2);

  it('gives each tenant valid Azure table names of its own, apart from every other tenant and the home tenant', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uniqueArray(guid, { minLength: 2, maxLength: 8 }), family), (tenants) => {
        count();
        const owner = new Map<string, string>();
        for (const name of TENANT_TABLES) owner.set(name.toLowerCase(), HOME);
        for (const tenant of [HOME, ...tenants]) {
          const prefix = tablePrefixFor(tenant, HOME);
          if (tenant === HOME) {
            expect(prefix).toBe('');
            continue;
          }
          expect(prefix.length + longest).toBeLessThanOrEqual(63);
          for (const table of TENANT_TABLES) {
            const name = `${prefix}${table}`;
            expect(name).toMatch(AZURE_TABLE_NAME);
            // Azure compares table names without case.
            expect(owner.get(name.toLowerCase()) ?? tenant).toBe(tenant);
            owner.set(name.toLowerCase(), tenant);
          }
        }
      }),
      params(),
    );
  });
});
