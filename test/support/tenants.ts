/**
 * One deployment serving several simulated tenants as the crash tests run it (issue 25): its own tenant
 * and customers, each by its row in the Tenants table, the customers signing in through the
 * multi-tenant app; and the one shared queue drained as the product routes it, a crashing tenant's
 * sends with its ports wrapped by its plan.
 */
import { TableClient } from '@azure/data-tables';
import { Deployment } from '../../shared/app/deployment';
import type { Runtime } from '../../shared/app/runtime';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { TableNotificationLedger } from '../../shared/store/notificationLedger';
import { TABLES } from '../../shared/store/tables';
import { drainQueue } from '../../shared/notify/drainQueue';
import { sendNotification } from '../../shared/notify/sendNotification';
import type { TenantWorld } from '../../simulator';
import type { CrashPlan } from './crash';
import type { World } from './world';
import { withDelivery } from '../notify/fakes';

export interface ServedTenants {
  deployment: Deployment;
  /** The tenants served: the deployment's own first, then the customers. */
  worlds: TenantWorld[];
}

/** The mailbox a served tenant's notices go from. */
export const noticesMailbox = (w: TenantWorld): string => `quarantine-notices@${w.tenant.domain}`;

/** A fresh deployment serving its own tenant and one customer per domain, each by its row in the Tenants table. */
export async function serveTenants(
  world: World,
  customerDomains: readonly string[],
  settings: Record<string, string>,
): Promise<ServedTenants> {
  const worlds = [world.sim.home, ...customerDomains.map((domain) => world.sim.addTenant({ domain }))];
  const deployment = new Deployment(
    world.env({ ...settings, MULTI_TENANT_APP_ID: world.sim.multiTenantApp.clientId }),
    world.log,
  );
  const registry = await deployment.registry();
  for (const w of worlds)
    await registry.put({
      tenantId: w.tenantId,
      name: w.tenant.domain,
      disabled: false,
      // The deployment's own tenant keeps its app settings; a customer's notices go from its own mailbox.
      // (A customer starts telling at its first run; these releases came before it, hence the RELEASES_SINCE.)
      settings:
        w === world.sim.home
          ? {}
          : { NOTIFY_SENDER_MAILBOX: noticesMailbox(w), NOTIFY_RELEASES_SINCE: '2020-01-01T00:00:00Z' },
      addedAt: new Date().toISOString(),
    });
  deployment.forgetTenants();
  return { deployment, worlds };
}

export async function runtimeOf(deployment: Deployment, w: TenantWorld): Promise<Runtime> {
  const served = await deployment.tenant(w.tenantId);
  if (!served) throw new Error(`tenant ${w.tenant.domain} is not served`);
  return served.runtime;
}

/** Jobs a crashing tenant's delivery scheduled for later (to look in Sent Items again): due at the next cycle. */
export type Parked = Array<{ runtime: Runtime; text: string }>;

/**
 * Drains the deployment's one queue: each job to the Runtime of the tenant its message names, as
 * Deployment.sendQueued routes it; a tenant with a plan sends with its ledger, mailer and pace wrapped
 * (its failed messages retry at once) and its sending clock `laterMs` on: an earlier send that may have
 * gone out is decided by Sent Items only once it can be trusted (20 minutes after the attempt).
 */
export async function drainAsDeployed(
  deployment: Deployment,
  plans: ReadonlyMap<string, CrashPlan>,
  parked: Parked,
  world: World,
  laterMs = 0,
): Promise<void> {
  for (const { runtime, text } of parked.splice(0)) await runtime.scheduler.later(text, 0);
  // One clock for a planned tenant's sending side: the ledger stamps attempt times with it, and deliver judges them by it.
  const clock = (): Date => new Date(Date.now() + laterMs);
  await drainQueue(
    deployment.home.jobMessages,
    async (job, id, tenant) => {
      const served = await deployment.tenant(tenant ?? deployment.homeTenantId);
      if (!served) throw new Error(`a job named tenant ${tenant}, which this deployment does not serve`);
      const { runtime } = served;
      const plan = plans.get(served.record.tenantId);
      if (!plan) return runtime.sendJob(job, id);
      const s = await runtime.sendDeps();
      const ledger = new TableNotificationLedger(await runtime.tables.readyTable(TABLES.ledger), { now: clock });
      const deps = withDelivery(s, {
        ledger: plan.wrap(ledger),
        mailer: plan.wrap(s.delivery.mailer),
        limits: { ...s.delivery.limits, pacing: plan.wrap(s.delivery.limits.pacing) },
        scheduler: { later: async (text: string): Promise<void> => void parked.push({ runtime, text }) },
        clock: { now: clock },
      });
      return sendNotification(job as NotificationJob, deps, id);
    },
    world.log,
    { retryAfterSeconds: 0 },
  );
}

/**
 * Which of `ids` each tenant's own copy of `table` holds, by tenant domain. The names are written out as
 * the design gives them (the home tenant's unprefixed, a customer's `T` + its id's 32 hex digits), not
 * asked of the code under test, so a mix-up of prefixes shows here too.
 */
export async function idsInTenantTables(
  world: World,
  worlds: readonly TenantWorld[],
  table: string,
  ids: readonly string[],
): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const w of worlds) {
    const client = TableClient.fromConnectionString(
      world.azurite.connectionString,
      `${w.tenantId === world.sim.tenantId ? '' : `T${w.tenantId.replace(/-/g, '')}`}${table}`,
      { allowInsecureConnection: true },
    );
    const text: string[] = [];
    for await (const row of client.listEntities()) text.push(JSON.stringify(row).toLowerCase());
    found[w.tenant.domain] = ids.filter((id) => text.some((t) => t.includes(id))).sort();
  }
  return found;
}
