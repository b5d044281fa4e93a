import type { NotificationJob } from '../../shared/jobs/notificationJob';
/**
 * The whole cycle failing between any two steps of detection and sending, then run again: every
 * release is told exactly once: a send that may have gone out is looked up in Sent Items first.
 */
import { detectReleases } from '../../shared/detect/detectReleases';
import { TableNotificationLedger } from '../../shared/store/notificationLedger';
import { TABLES } from '../../shared/store/tables';
import { drainQueue } from '../../shared/notify/drainQueue';
import { sendNotification } from '../../shared/notify/sendNotification';
import { quarantineRow, SYSTEM_RELEASE_USER } from '../../simulator/fixtures';
import { CrashPlan, InjectedCrash } from '../support/crash';
import { World } from '../support/world';
import { withDelivery } from '../notify/fakes';

const world = World.forSuite({ resetEachTest: false });

const HOUR = 3_600_000;
// The pace still runs (its table and its port, where crashes are injected too), but without the 2 s
// between sends that 30 a minute means: at the default each of the ~47 crash points waited ~4.5 s for it.
const SETTINGS = { NOTIFY_MAX_PER_MINUTE: '10000' };
const ago = (ms: number): Date => new Date(Date.now() - ms);

async function arrange(): Promise<string[]> {
  // One recipient per message, so a NetworkMessageId in an email's header is one (message, recipient) told.
  const rows = [
    quarantineRow({
      receivedAt: ago(3 * HOUR),
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
    }),
    quarantineRow({
      receivedAt: ago(3 * HOUR),
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['eve@fabrikam.example'],
    }),
    quarantineRow({ receivedAt: ago(3 * HOUR), SenderAddress: 'carol@contoso.com' }),
  ];
  world.sim.tenant.quarantine.add(rows);
  world.sim.audit.publish([
    ...world.sim.tenant.quarantine.release(rows[0].Identity, undefined, { at: ago(HOUR) }),
    ...world.sim.tenant.quarantine.release(rows[1].Identity, undefined, { at: ago(HOUR) }),
    ...world.sim.tenant.quarantine.release(rows[2].Identity, undefined, { by: SYSTEM_RELEASE_USER, at: ago(HOUR) }),
  ]);
  await world.runtime(SETTINGS).snapshot();
  return rows.map((r) => r.Identity.split('\\')[0].toLowerCase()).sort();
}

/** Jobs a delivery scheduled for later (to look in Sent Items again): they fall due at the next cycle. */
const parked: string[] = [];
const scheduler = { later: async (jobText: string): Promise<void> => void parked.push(jobText) };

/**
 * One cycle with every detection and sending port wrapped by the plan; failed messages retry at once.
 * `laterMs` moves the sending clock on: an earlier send that may have gone out is decided by Sent
 * Items only once it can be trusted (20 minutes after the attempt).
 */
async function cycle(plan: CrashPlan, laterMs = 0): Promise<void> {
  const runtime = world.runtime(SETTINGS);
  for (const text of parked.splice(0)) await runtime.scheduler.later(text, 0);
  const d = await runtime.detectionDeps();
  await detectReleases({
    ...d,
    stores: {
      ...d.stores,
      releases: plan.wrap(d.stores.releases),
      state: plan.wrap(d.stores.state),
      snapshot: plan.wrap(d.stores.snapshot),
    },
    queue: plan.wrap(d.queue),
  });
  const s = await runtime.sendDeps();
  // One clock for the whole sending side: the ledger stamps attempt times with it, and deliver judges them by it.
  const clock = (): Date => new Date(Date.now() + laterMs);
  const ledger = new TableNotificationLedger(await runtime.tables.readyTable(TABLES.ledger), { now: clock });
  const deps = withDelivery(s, {
    ledger: plan.wrap(ledger),
    mailer: plan.wrap(s.delivery.mailer),
    limits: { ...s.delivery.limits, pacing: plan.wrap(s.delivery.limits.pacing) },
    scheduler,
    clock: { now: clock },
  });
  await drainQueue(runtime.jobMessages, (job, id) => sendNotification(job as NotificationJob, deps, id), world.log, {
    retryAfterSeconds: 0,
  });
}

/** Every NetworkMessageId reported, once per email that reported it. */
function told(): string[] {
  return world.sim.sentMail
    .flatMap((m) =>
      (m.message.internetMessageHeaders ?? [])
        .filter((h) => h.name === 'x-qrn-network-message-ids')
        .flatMap((h) => h.value.split(',')),
    )
    .sort();
}

it('tells every release exactly once after a failure at any step and a rerun', async () => {
  await world.reset();
  parked.length = 0;
  const expected = await arrange();
  const clean = new CrashPlan(Number.POSITIVE_INFINITY);
  await cycle(clean);
  expect(told()).toEqual(expected);

  for (let crashAt = 1; crashAt <= clean.calls; crashAt++) {
    await world.reset();
    parked.length = 0;
    const released = await arrange();
    const plan = new CrashPlan(crashAt);
    await cycle(plan).catch((error: unknown) => {
      if (!(error instanceof InjectedCrash)) throw error;
    });
    await cycle(new CrashPlan(Number.POSITIVE_INFINITY), 25 * 60_000);
    await cycle(new CrashPlan(Number.POSITIVE_INFINITY), 25 * 60_000);
    // Nothing lost, nothing doubled, wherever it failed.
    // (A crash can split one sender's releases over two emails; each release is still told once.)
    expect({ crashedIn: plan.crashedIn, told: told() }).toEqual({ crashedIn: plan.crashedIn, told: released });
  }
}, 900_000);
