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
import type { Deployment } from '../../shared/app/deployment';
import { detectReleases } from '../../shared/detect/detectReleases';
import { TABLES } from '../../shared/store/tables';
import { quarantineRow, SYSTEM_RELEASE_USER } from '../../simulator/fixtures';
import type { TenantWorld } from '../../simulator';
import { CrashPlan, InjectedCrash } from '../support/crash';
import {
  drainAsDeployed,
  idsInTenantTables,
  noticesMailbox,
  runtimeOf,
  serveTenants,
  type Parked,
} from '../support/tenants';
import { World } from '../support/world';

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
  await (await runtimeOf(deployment, w)).snapshot();
  return rows.map((r) => r.Identity.split('\\')[0].toLowerCase()).sort();
}

/** Jobs a crashing tenant's delivery scheduled for later (to look in Sent Items again): they fall due at the next cycle. */
const parked: Parked = [];

/**
 * One cycle. A tenant with a plan runs with every detection and sending port wrapped by it (its own
 * detection run may die; its failed messages retry at once); every other tenant runs as the product
 * runs it. `laterMs` moves the planned tenants' sending clock on: an earlier send that may have gone
 * out is decided by Sent Items only once it can be trusted (20 minutes after the attempt).
 */
async function cycle(plans: Map<string, CrashPlan>, laterMs = 0): Promise<void> {
  // One tenant-runs message per tenant, run side by side as the host's instances would: a crash ends that tenant's run only.
  await Promise.all(worlds.map((w) => detect(w, plans.get(w.tenantId))));
  await drainAsDeployed(deployment, plans, parked, world, laterMs);
}

/** A tenant's detection run: as the product runs it, or with every port wrapped by its plan. */
async function detect(w: TenantWorld, plan: CrashPlan | undefined): Promise<void> {
  if (!plan) {
    const run = { tenant: w.tenantId, stage: 'detect', firedAt: new Date().toISOString() };
    await deployment.runTenant(JSON.stringify(run), 'crash-test');
    return;
  }
  const d = await (await runtimeOf(deployment, w)).detectionDeps();
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

const want = (w: TenantWorld, ids: string[]) => ({ told: ids, from: [noticesMailbox(w)] });

it("tells every tenant's releases exactly once, from its own mailbox, after a failure at any step of one tenant and a rerun", async () => {
  await world.reset();
  parked.length = 0;
  ({ deployment, worlds } = await serveTenants(world, CUSTOMER_DOMAINS, SETTINGS));
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
    ({ deployment, worlds } = await serveTenants(world, CUSTOMER_DOMAINS, SETTINGS));
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
    expect({
      ...where,
      ledgers: await idsInTenantTables(world, worlds, TABLES.ledger, [...released.values()].flat()),
    }).toEqual({
      ...where,
      ledgers: Object.fromEntries(worlds.map((w) => [w.tenant.domain, released.get(w)!])),
    });
  }
}, 1_500_000);
