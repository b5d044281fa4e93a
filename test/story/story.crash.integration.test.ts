/**
 * The story's cycle (the listing's releases, holds, deletions) failing between any two steps of the
 * snapshot, the listing, detection and sending, then run again: every event is told exactly once.
 *
 * Several tenants (issue 25), as the whole-cycle crash test runs them (test/support/tenants.ts): one
 * deployment serves its own tenant and two customers, each with the same story. The crash hits one
 * tenant's snapshot and listing run, its detection run or its sends; every other tenant runs as the
 * product runs it meanwhile (its tenant-runs messages through Deployment.runTenant, its jobs by its own
 * Runtime off the one shared queue). The other tenants' events are told once, in that same cycle; the
 * crashed tenant's exactly once after the reruns; each from its own mailbox, each tenant's release and
 * ledger rows in its own tables.
 */
import type { Deployment } from '../../shared/app/deployment';
import { detectReleases } from '../../shared/detect/detectReleases';
import { TABLES } from '../../shared/store/tables';
import { snapshotQuarantine } from '../../shared/snapshot/snapshotQuarantine';
import { feedAlsoReadBy } from '../../shared/app/countedFeed';
import { trackListingReleases } from '../../shared/story/listingReleases';
import { deletionReader, holdTracker, trackExpiries } from '../../shared/story/storyEvents';
import type { TenantStage } from '../../shared/tenants/tenantRun';
import { quarantineRow } from '../../simulator/fixtures';
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

const MINUTE = 60_000;
const SETTINGS = {
  NOTIFY_MAX_PER_MINUTE: '10000',
  NOTIFY_ON: 'released,held,deleted',
  NOTIFY_HOLD_POLICIES: 'DataLossPrevention',
  RELEASE_AUDIT_WAIT_MINUTES: '0',
};
const CUSTOMER_DOMAINS = ['tailspin.example', 'woodgrove.example'];
const ago = (ms: number): Date => new Date(Date.now() - ms);
const nmid = (identity: string): string => identity.split('\\')[0].toLowerCase();

let deployment: Deployment;
let worlds: TenantWorld[] = [];
const parked: Parked = [];

/**
 * One cycle: each tenant's snapshot run (the snapshot, the listing, expiries), then its detection run,
 * tenants side by side as the host's instances would run their tenant-runs messages; then the queue.
 * A tenant with a plan runs with every storage, queue and sending port wrapped by it (a crash ends that
 * run of that tenant only); every other tenant runs as the product runs it.
 */
async function cycle(plans: Map<string, CrashPlan>, laterMs = 0): Promise<void> {
  await Promise.all(
    worlds.map(async (w) => {
      const plan = plans.get(w.tenantId);
      if (!plan) {
        for (const stage of ['snapshot', 'detect'] satisfies TenantStage[])
          await deployment.runTenant(
            JSON.stringify({ tenant: w.tenantId, stage, firedAt: new Date().toISOString() }),
            'crash-test',
          );
        return;
      }
      const survive = (error: unknown): void => {
        if (!(error instanceof InjectedCrash)) throw error;
      };
      await snapshotRun(w, plan).catch(survive);
      await detectionRun(w, plan).catch(survive);
    }),
  );
  await drainAsDeployed(deployment, plans, parked, world, laterMs);
}

/** A tenant's snapshot stage, as Runtime.snapshot composes it, with every port wrapped by its plan. */
async function snapshotRun(w: TenantWorld, plan: CrashPlan): Promise<void> {
  const rt = await runtimeOf(deployment, w);
  const story = await rt.storyDeps();
  const wrapped = { ...story, releases: plan.wrap(story.releases), state: plan.wrap(story.state) };
  await snapshotQuarantine({
    exchange: rt.exchange,
    store: plan.wrap(await rt.snapshotStore()),
    state: plan.wrap(await rt.state()),
    log: world.log,
    onStored: holdTracker(wrapped),
    clock: rt.clock,
  });
  await trackListingReleases({
    exchange: rt.exchange,
    releases: wrapped.releases,
    snapshot: plan.wrap(await rt.snapshotStore()),
    state: plan.wrap(await rt.state()),
    log: world.log,
    clock: rt.clock,
  });
  await trackExpiries(wrapped, new Date());
}

/** A tenant's detection stage with every port wrapped by its plan, the deletion reader's writes too. */
async function detectionRun(w: TenantWorld, plan: CrashPlan): Promise<void> {
  const rt = await runtimeOf(deployment, w);
  const story = await rt.storyDeps();
  const wrapped = { ...story, releases: plan.wrap(story.releases), state: plan.wrap(story.state) };
  const d = await rt.detectionDeps();
  await detectReleases({
    ...d,
    feed: feedAlsoReadBy(
      rt.auditFeed,
      deletionReader(wrapped, () => new Date()),
    ),
    stores: {
      ...d.stores,
      releases: plan.wrap(d.stores.releases),
      state: plan.wrap(d.stores.state),
      snapshot: plan.wrap(d.stores.snapshot),
    },
    queue: plan.wrap(d.queue),
  });
}

/**
 * A fresh deployment, then for each tenant, after a clean first cycle: a listing-only release, a
 * release in both sources, a DLP hold, a deletion. The (message, event) pairs each tenant is to be told.
 */
async function arrange(): Promise<Map<TenantWorld, string[]>> {
  await world.reset();
  parked.length = 0;
  ({ deployment, worlds } = await serveTenants(world, CUSTOMER_DOMAINS, SETTINGS));
  const rows = new Map(
    worlds.map((w) => [
      w,
      ['listing', 'both', 'deleted'].map((name) =>
        quarantineRow({
          receivedAt: ago(30 * MINUTE),
          SenderAddress: `alice@${w.tenant.domain}`,
          RecipientAddress: [`${name}@fabrikam.example`],
        }),
      ),
    ]),
  );
  for (const [w, r] of rows) w.tenant.quarantine.add(r);
  await cycle(new Map());
  const held = new Map(
    worlds.map((w) => [
      w,
      quarantineRow({
        receivedAt: new Date(Date.now() + 500),
        SenderAddress: `carol@${w.tenant.domain}`,
        Type: 'DataLossPrevention',
        QuarantineTypes: 'DataLossPrevention',
      }),
    ]),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const expected = new Map<TenantWorld, string[]>();
  for (const w of worlds) {
    const q = w.tenant.quarantine;
    const [listing, both, deleted] = rows.get(w)!;
    q.add(held.get(w)!);
    q.release(listing.Identity, undefined, { at: new Date() });
    w.audit.publish(q.release(both.Identity, undefined, { at: new Date() }));
    w.audit.publish(q.delete(deleted.Identity, { at: new Date() }));
    expected.set(
      w,
      [
        `${nmid(listing.Identity)} released`,
        `${nmid(both.Identity)} released`,
        `${nmid(deleted.Identity)} deleted`,
        `${nmid(held.get(w)!.Identity)} held`,
      ].sort(),
    );
  }
  return expected;
}

/** Every (message, event) the tenant's mail reported, once per email that reported it, and as which mailboxes. */
function toldBy(w: TenantWorld): { told: string[]; from: string[] } {
  const told = w.sentMail
    .map((m) => {
      const header = (name: string): string =>
        (m.message.internetMessageHeaders ?? []).find((h) => h.name === name)?.value ?? '';
      return `${header('x-qrn-network-message-ids')} ${header('x-qrn-event')}`;
    })
    .sort();
  return { told, from: [...new Set(w.sentMail.map((m) => m.mailbox.toLowerCase()))] };
}

/** Each tenant's told events and mailboxes, by tenant domain. */
const toldByTenant = (ws: readonly TenantWorld[]) => Object.fromEntries(ws.map((w) => [w.tenant.domain, toldBy(w)]));
const want = (ws: readonly TenantWorld[], expected: Map<TenantWorld, string[]>) =>
  Object.fromEntries(ws.map((w) => [w.tenant.domain, { told: expected.get(w)!, from: [noticesMailbox(w)] }]));

/** Each tenant's messages in its own release and ledger tables, and none of another's. */
async function rowsByTenant(expected: Map<TenantWorld, string[]>): Promise<object> {
  const ids = (ws: readonly TenantWorld[]): string[] => ws.flatMap((w) => expected.get(w)!.map((e) => e.split(' ')[0]));
  const all = ids(worlds);
  return {
    releases: await idsInTenantTables(world, worlds, TABLES.releases, all),
    ledger: await idsInTenantTables(world, worlds, TABLES.ledger, all),
  };
}
const wantRows = (expected: Map<TenantWorld, string[]>): object => {
  const own = Object.fromEntries(
    worlds.map((w) => [
      w.tenant.domain,
      expected
        .get(w)!
        .map((e) => e.split(' ')[0])
        .sort(),
    ]),
  );
  return { releases: own, ledger: own };
};

it("tells every tenant's releases, holds and deletions exactly once, from its own mailbox, after a failure at any step of one tenant and a rerun", async () => {
  const expected = await arrange();
  // A clean cycle, each tenant counted by its own plan: how many crash points each has.
  const clean = new Map(worlds.map((w) => [w.tenantId, new CrashPlan(Number.POSITIVE_INFINITY)]));
  await cycle(clean);
  expect(toldByTenant(worlds)).toEqual(want(worlds, expected));
  expect(await rowsByTenant(expected)).toEqual(wantRows(expected));
  const calls = worlds.map((w) => clean.get(w.tenantId)!.calls);
  expect(Math.min(...calls)).toBeGreaterThan(10);

  // Every crash point, each in one tenant: the tenants take turns.
  for (let crashAt = 1; crashAt <= Math.max(...calls); crashAt++) {
    const victimAt = crashAt % calls.length;
    if (crashAt > calls[victimAt]) continue;
    const told = await arrange();
    const victim = worlds[victimAt];
    const others = worlds.filter((w) => w !== victim);
    const plan = new CrashPlan(crashAt);
    await cycle(new Map([[victim.tenantId, plan]]));
    const where = { victim: victim.tenant.domain, crashAt, crashedIn: plan.crashedIn };
    // The other tenants were told in that same cycle, exactly once, whatever happened to the victim.
    expect({ ...where, told: toldByTenant(others) }).toEqual({ ...where, told: want(others, told) });
    const rerun = new Map([[victim.tenantId, new CrashPlan(Number.POSITIVE_INFINITY)]]);
    await cycle(rerun, 25 * MINUTE);
    await cycle(rerun, 25 * MINUTE);
    // Nothing lost, nothing doubled, nothing crossed, wherever it failed.
    expect({ ...where, told: toldByTenant(worlds) }).toEqual({ ...where, told: want(worlds, told) });
    expect({ ...where, rows: await rowsByTenant(told) }).toEqual({ ...where, rows: wantRows(told) });
  }
}, 1_500_000);
