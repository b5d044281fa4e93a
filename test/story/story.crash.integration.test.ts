/**
 * The story's cycle (the listing's releases, holds, deletions) failing between any two steps of the
 * snapshot, the listing, detection and sending, then run again: every event is told exactly once.
 */
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { detectReleases } from '../../shared/detect/detectReleases';
import { TableNotificationLedger } from '../../shared/store/notificationLedger';
import { TABLES } from '../../shared/store/tables';
import { drainQueue } from '../../shared/notify/drainQueue';
import { sendNotification } from '../../shared/notify/sendNotification';
import { snapshotQuarantine } from '../../shared/snapshot/snapshotQuarantine';
import { feedAlsoReadBy } from '../../shared/app/countedFeed';
import { trackListingReleases } from '../../shared/story/listingReleases';
import { deletionReader, holdTracker, trackExpiries } from '../../shared/story/storyEvents';
import { quarantineRow } from '../../simulator/fixtures';
import { CrashPlan, InjectedCrash } from '../support/crash';
import { World } from '../support/world';
import { withDelivery } from '../notify/fakes';

const world = World.forSuite({ resetEachTest: false });

const MINUTE = 60_000;
const SETTINGS = {
  NOTIFY_MAX_PER_MINUTE: '10000',
  NOTIFY_ON: 'released,held,deleted',
  NOTIFY_HOLD_POLICIES: 'DataLossPrevention',
  RELEASE_AUDIT_WAIT_MINUTES: '0',
};
const ago = (ms: number): Date => new Date(Date.now() - ms);
const nmid = (identity: string): string => identity.split('\\')[0].toLowerCase();

const parked: string[] = [];
const scheduler = { later: async (jobText: string): Promise<void> => void parked.push(jobText) };

/** One whole cycle, every storage, queue and sending port wrapped by the plan. */
async function cycle(plan: CrashPlan, laterMs = 0): Promise<void> {
  const rt = world.runtime(SETTINGS);
  for (const text of parked.splice(0)) await rt.scheduler.later(text, 0);
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
  const d = await rt.detectionDeps();
  await detectReleases({
    ...d,
    // The deletion reader on the wrapped stores, so its writes are crash points too.
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
  const s = await rt.sendDeps();
  const clock = (): Date => new Date(Date.now() + laterMs);
  const ledger = new TableNotificationLedger(await rt.tables.readyTable(TABLES.ledger), { now: clock });
  const deps = withDelivery(s, {
    ledger: plan.wrap(ledger),
    mailer: plan.wrap(s.delivery.mailer),
    limits: { ...s.delivery.limits, pacing: plan.wrap(s.delivery.limits.pacing) },
    scheduler,
    clock: { now: clock },
  });
  await drainQueue(rt.jobMessages, (job, id) => sendNotification(job as NotificationJob, deps, id), world.log, {
    retryAfterSeconds: 0,
  });
}

/** After a clean first run: a listing-only release, a release in both sources, a DLP hold, a deletion. */
async function arrange(): Promise<string[]> {
  const q = world.sim.tenant.quarantine;
  const rows = ['listing', 'both', 'deleted'].map((name) =>
    quarantineRow({
      receivedAt: ago(30 * MINUTE),
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: [`${name}@fabrikam.example`],
    }),
  );
  q.add(rows);
  await cycle(new CrashPlan(Number.POSITIVE_INFINITY));
  const held = quarantineRow({
    receivedAt: new Date(Date.now() + 500),
    SenderAddress: 'carol@contoso.com',
    Type: 'DataLossPrevention',
    QuarantineTypes: 'DataLossPrevention',
  });
  await new Promise((r) => setTimeout(r, 1000));
  q.add(held);
  q.release(rows[0].Identity, undefined, { at: new Date() });
  world.sim.audit.publish(q.release(rows[1].Identity, undefined, { at: new Date() }));
  world.sim.audit.publish(q.delete(rows[2].Identity, { at: new Date() }));
  return [
    `${nmid(rows[0].Identity)} released`,
    `${nmid(rows[1].Identity)} released`,
    `${nmid(rows[2].Identity)} deleted`,
    `${nmid(held.Identity)} held`,
  ].sort();
}

/** Every (message, event) reported, once per email that reported it. */
function told(): string[] {
  return world.sim.sentMail
    .map((m) => {
      const header = (name: string): string =>
        (m.message.internetMessageHeaders ?? []).find((h) => h.name === name)?.value ?? '';
      return `${header('x-qrn-network-message-ids')} ${header('x-qrn-event')}`;
    })
    .sort();
}

it('tells every release, hold and deletion exactly once after a failure at any step and a rerun', async () => {
  await world.reset();
  parked.length = 0;
  const expected = await arrange();
  const clean = new CrashPlan(Number.POSITIVE_INFINITY);
  await cycle(clean);
  expect(told()).toEqual(expected);

  for (let crashAt = 1; crashAt <= clean.calls; crashAt++) {
    await world.reset();
    parked.length = 0;
    const want = await arrange();
    const plan = new CrashPlan(crashAt);
    await cycle(plan).catch((error: unknown) => {
      if (!(error instanceof InjectedCrash)) throw error;
    });
    await cycle(new CrashPlan(Number.POSITIVE_INFINITY), 25 * MINUTE);
    await cycle(new CrashPlan(Number.POSITIVE_INFINITY), 25 * MINUTE);
    expect({ crashedIn: plan.crashedIn, crashAt, told: told() }).toEqual({
      crashedIn: plan.crashedIn,
      crashAt,
      told: want,
    });
  }
}, 1_500_000);
