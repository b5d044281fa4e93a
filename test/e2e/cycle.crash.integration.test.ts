/**
 * The whole cycle failing between any two steps of detection and sending, then run again: every
 * release is told exactly once: a send that may have gone out is looked up in Sent Items first.
 *
 * Several tenants (issue 25): one deployment serves its own tenant and two customers (rows of its
 * Tenants table, signing in through the multi-tenant app), each with the same releases. The crash hits
 * one tenant's detection run or its sends; every other tenant runs as the product runs it meanwhile
 * (its tenant-runs message through Deployment.runTenant, its jobs by its own Runtime, off the one
 * shared queue). The other tenants' notices are told once, in that same cycle, untouched; the crashed
 * tenant's are told exactly once after the reruns; each from its own mailbox, each tenant's ledger
 * rows in its own table.
 */
import { TableClient } from '@azure/data-tables';
import { Deployment } from '../../shared/app/deployment';
import type { Runtime } from '../../shared/app/runtime';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { detectReleases } from '../../shared/detect/detectReleases';
import { TableNotificationLedger } from '../../shared/store/notificationLedger';
import { TABLES } from '../../shared/store/tables';
import { drainQueue } from '../../shared/notify/drainQueue';
import { sendNotification } from '../../shared/notify/sendNotification';
import { tablePrefixFor } from '../../shared/tenants/tenantSettings';
import { quarantineRow, SYSTEM_RELEASE_USER } from '../../simulator/fixtures';
import type { TenantWorld } from '../../simulator';
import { CrashPlan, InjectedCrash } from '../support/crash';
import { World } from '../support/world';
import { withDelivery } from '../notify/fakes';

const world = World.forSuite({ resetEachTest: false });

const HOUR = 3_600_000;
// The pace still runs (its table and its port, where crashes are injected too), but without the 2 s
// between sends that 30 a minute means: at the default each of the ~47 crash points waited ~4.5 s for it.
const SETTINGS = { NOTIFY_MAX_PER_MINUTE: '10000' };
const CUSTOMER_DOMAINS = ['tailspin.example', 'woodgrove.example'];
const ago = (ms: number): Date => new Date(Date.now() - ms);

let deployment: Deployment;
/** The tenants served: the deployment's own first, then the customers. */
let worlds: TenantWorld[] = [];

/** A fresh deployment serving its own tenant and two customers, each by its row in the Tenants table. */
async function serveTenants(): Promise<void> {
  worlds = [world.sim.home, ...CUSTOMER_DOMAINS.map((domain) => world.sim.addTenant({ domain }))];
  deployment = new Deployment(
    world.env({ ...SETTINGS, MULTI_TENANT_APP_ID: world.sim.multiTenantApp.clientId }),
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
          : {
              NOTIFY_SENDER_MAILBOX: `quarantine-notices@${w.tenant.domain}`,
              NOTIFY_RELEASES_SINCE: '2020-01-01T00:00:00Z',
            },
      addedAt: new Date().toISOString(),
    });
  deployment.forgetTenants();
}

async function runtimeOf(w: TenantWorld): Promise<Runtime> {
  const served = await deployment.tenant(w.tenantId);
  if (!served) throw new Error(`tenant ${w.tenant.domain} is not served`);
  return served.runtime;
}

/**
 * The tenant's own senders' releases, then its snapshot; the NetworkMessageIds to tell. The crashing
 * tenant (and every tenant in the clean run) gets three: two for one sender, one by the system; the
 * others one each, enough to show they are told once and on time whatever the crashing tenant does.
 */
async function arrange(w: TenantWorld, full: boolean): Promise<string[]> {
  const domain = w.tenant.domain;
  // One recipient per message, so a NetworkMessageId in an email's header is one (message, recipient) told.
  const rows = [
    quarantineRow({
      receivedAt: ago(3 * HOUR),
      SenderAddress: `alice@${domain}`,
      RecipientAddress: ['bob@fabrikam.example'],
    }),
  ];
  if (full)
    rows.push(
      quarantineRow({
        receivedAt: ago(3 * HOUR),
        SenderAddress: `alice@${domain}`,
        RecipientAddress: ['eve@fabrikam.example'],
      }),
      quarantineRow({ receivedAt: ago(3 * HOUR), SenderAddress: `carol@${domain}` }),
    );
  w.tenant.quarantine.add(rows);
  w.audit.publish(
    rows.flatMap((row, i) =>
      w.tenant.quarantine.release(
        row.Identity,
        undefined,
        i === 2 ? { by: SYSTEM_RELEASE_USER, at: ago(HOUR) } : { at: ago(HOUR) },
      ),
    ),
  );
  await (await runtimeOf(w)).snapshot();
  return rows.map((r) => r.Identity.split('\\')[0].toLowerCase()).sort();
}

/** Jobs a crashing tenant's delivery scheduled for later (to look in Sent Items again): they fall due at the next cycle. */
const parked: Array<{ runtime: Runtime; text: string }> = [];

/**
 * One cycle. A tenant with a plan runs with every detection and sending port wrapped by it (its own
 * detection run may die; its failed messages retry at once); every other tenant runs as the product
 * runs it. `laterMs` moves the planned tenants' sending clock on: an earlier send that may have gone
 * out is decided by Sent Items only once it can be trusted (20 minutes after the attempt).
 */
async function cycle(plans: Map<string, CrashPlan>, laterMs = 0): Promise<void> {
  for (const { runtime, text } of parked.splice(0)) await runtime.scheduler.later(text, 0);
  // One tenant-runs message per tenant, run side by side as the host's instances would: a crash ends that tenant's run only.
  await Promise.all(worlds.map((w) => detect(w, plans.get(w.tenantId))));
  // One clock for a planned tenant's sending side: the ledger stamps attempt times with it, and deliver judges them by it.
  const clock = (): Date => new Date(Date.now() + laterMs);
  const home = deployment.home;
  await drainQueue(
    home.jobMessages,
    async (job, id, tenant) => {
      // Each job to the Runtime of the tenant its message names, as Deployment.sendQueued routes it.
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

/** A tenant's detection run: as the product runs it, or with every port wrapped by its plan. */
async function detect(w: TenantWorld, plan: CrashPlan | undefined): Promise<void> {
  if (!plan) {
    const run = { tenant: w.tenantId, stage: 'detect', firedAt: new Date().toISOString() };
    await deployment.runTenant(JSON.stringify(run), 'crash-test');
    return;
  }
  const d = await (await runtimeOf(w)).detectionDeps();
  await detectReleases({
    ...d,
    stores: {
      ...d.stores,
      releases: plan.wrap(d.stores.releases),
      state: plan.wrap(d.stores.state),
      snapshot: plan.wrap(d.stores.snapshot),
    },
    queue: plan.wrap(d.queue),
  }).catch((error: unknown) => {
    if (!(error instanceof InjectedCrash)) throw error;
  });
}

/** Every NetworkMessageId the tenant's mail reported, once per email that reported it, and as which mailboxes. */
function toldBy(w: TenantWorld): { told: string[]; from: string[] } {
  const notices = w.sentMail.filter((m) =>
    (m.message.internetMessageHeaders ?? []).some((h) => h.name === 'x-qrn-network-message-ids'),
  );
  return {
    told: notices
      .flatMap((m) =>
        (m.message.internetMessageHeaders ?? [])
          .filter((h) => h.name === 'x-qrn-network-message-ids')
          .flatMap((h) => h.value.split(',')),
      )
      .sort(),
    from: [...new Set(notices.map((m) => m.mailbox.toLowerCase()))],
  };
}

const want = (w: TenantWorld, ids: string[]) => ({ told: ids, from: [`quarantine-notices@${w.tenant.domain}`] });

/** The NetworkMessageIds in each tenant's ledger table, by tenant domain. */
async function ledgerIds(all: Map<TenantWorld, string[]>): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const w of worlds) {
    const table = TableClient.fromConnectionString(
      world.azurite.connectionString,
      `${tablePrefixFor(w.tenantId, world.sim.tenantId)}${TABLES.ledger}`,
      { allowInsecureConnection: true },
    );
    const text: string[] = [];
    for await (const row of table.listEntities()) text.push(JSON.stringify(row).toLowerCase());
    found[w.tenant.domain] = [...all.values()]
      .flat()
      .filter((id) => text.some((t) => t.includes(id)))
      .sort();
  }
  return found;
}

it("tells every tenant's releases exactly once, from its own mailbox, after a failure at any step of one tenant and a rerun", async () => {
  await world.reset();
  parked.length = 0;
  await serveTenants();
  const expected = new Map<TenantWorld, string[]>();
  for (const [w, ids] of await Promise.all(worlds.map(async (w) => [w, await arrange(w, true)] as const)))
    expected.set(w, ids);
  // A clean cycle, each tenant counted by its own plan: how many crash points each has.
  const clean = new Map(worlds.map((w) => [w.tenantId, new CrashPlan(Number.POSITIVE_INFINITY)]));
  await cycle(clean);
  for (const w of worlds) expect(toldBy(w)).toEqual(want(w, expected.get(w)!));
  const calls = worlds.map((w) => clean.get(w.tenantId)!.calls);
  expect(Math.min(...calls)).toBeGreaterThan(10);

  // Every crash point, each in one tenant: the tenants take turns.
  for (let crashAt = 1; crashAt <= Math.max(...calls); crashAt++) {
    const victimAt = crashAt % worlds.length;
    if (crashAt > calls[victimAt]) continue;
    await world.reset();
    parked.length = 0;
    await serveTenants();
    const victim = worlds[victimAt];
    const released = new Map(await Promise.all(worlds.map(async (w) => [w, await arrange(w, w === victim)] as const)));
    const plan = new CrashPlan(crashAt);
    await cycle(new Map([[victim.tenantId, plan]]));
    const where = { victim: victim.tenant.domain, crashAt, crashedIn: plan.crashedIn };
    // The other tenants were told in that same cycle, exactly once, whatever happened to the victim.
    for (const w of worlds.filter((x) => x !== victim))
      expect({ ...where, tenant: w.tenant.domain, ...toldBy(w) }).toEqual({
        ...where,
        tenant: w.tenant.domain,
        ...want(w, released.get(w)!),
      });
    const rerun = new Map([[victim.tenantId, new CrashPlan(Number.POSITIVE_INFINITY)]]);
    await cycle(rerun, 25 * 60_000);
    await cycle(rerun, 25 * 60_000);
    // Nothing lost, nothing doubled, nothing crossed, wherever it failed.
    // (A crash can split one sender's releases over two emails; each release is still told once.)
    for (const w of worlds)
      expect({ ...where, tenant: w.tenant.domain, ...toldBy(w) }).toEqual({
        ...where,
        tenant: w.tenant.domain,
        ...want(w, released.get(w)!),
      });
    // Each tenant's ledger rows are its own releases', in its own table.
    expect({ ...where, ledgers: await ledgerIds(released) }).toEqual({
      ...where,
      ledgers: Object.fromEntries(worlds.map((w) => [w.tenant.domain, released.get(w)!])),
    });
  }
}, 1_500_000);
