/**
 * Exactly once on the wire: the product against Azurite and the Microsoft 365 simulator answering the
 * way Graph is observed to (202 variants, accepted-then-504, accepted-then-dropped, Sent Items by the
 * marker property, a copy that shows a moment after the 202). The checks at 2/5/10/20 minutes run on
 * an injected clock (the delivery's clock), never real minutes:
 *   node test/run-with-ca.js jest test/notify/exactlyOnce.integration.test.ts
 */
import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import type { Runtime } from '../../shared/app/runtime';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { drainQueue, type DrainSummary } from '../../shared/notify/drainQueue';
import { noticeKey, sendNotification } from '../../shared/notify/sendNotification';
import type { JobScheduler } from '../../shared/notify/ports';
import { entityKeys } from '../../shared/store/notificationLedger';
import { TABLES } from '../../shared/store/tables';
import { World } from '../support/world';
import { job, release, withDelivery } from './fakes';

if (!process.env.NODE_EXTRA_CA_CERTS) {
  throw new Error(
    'Run through the launcher so the simulator certificate is trusted: node test/run-with-ca.js jest test/notify/exactlyOnce.integration.test.ts',
  );
}

const MINUTE = 60_000;
const world = World.forSuite();
const isSendMail = (req: { method: string; path: string }): boolean =>
  req.method === 'POST' && req.path.endsWith('/sendMail');
const isSentItems = (req: { path: string }): boolean =>
  /mailFolders\('?sentitems'?\)/i.test(decodeURIComponent(req.path));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function runtime(extra: Record<string, string> = {}): Runtime {
  // The pace limit has its own tests; here it must not make the suite wait.
  return world.runtime({ NOTIFY_MAX_PER_MINUTE: '1000', ...extra });
}

function freshJob(): NotificationJob {
  return job([release({ networkMessageId: randomUUID() })]);
}

async function ledgerRow(rt: Runtime, j: NotificationJob): Promise<Record<string, unknown>> {
  const keys = entityKeys(noticeKey(j.releases[0]));
  return rt.tables.table(TABLES.ledger).getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey);
}

function jobQueue(): QueueClient {
  return new QueueClient(world.azurite.connectionString, QUEUE_NAME);
}

/** The scheduled job falls due: the invisible message stands in as a visible one (the clock jumps, Azurite's does not). */
async function scheduledFallsDue(rt: Runtime, j: NotificationJob): Promise<void> {
  const props = await jobQueue().getProperties();
  expect(props.approximateMessagesCount).toBe(1);
  expect(await rt.jobMessages.receive(1)).toBeUndefined(); // hidden until its time
  await jobQueue().clearMessages();
  await rt.jobQueue.enqueue([j]);
}

/** A drain whose deliveries see `at` as now; jobs they schedule again are recorded, not queued. */
async function drainAt(rt: Runtime, at: Date): Promise<{ summary: DrainSummary; scheduled: number[] }> {
  const scheduled: number[] = [];
  const scheduler: JobScheduler = {
    later: async (_text, delayMs) => {
      scheduled.push(delayMs);
    },
  };
  const deps = withDelivery(await rt.sendDeps(), { clock: { now: () => at }, scheduler });
  const summary = await drainQueue(rt.jobMessages, (j, id) => sendNotification(j as NotificationJob, deps, id), rt.log);
  return { summary, scheduled };
}

describe('exactly once against Graph as observed (simulator) and Azurite', () => {
  it.each([
    ['an empty body labelled application/json', { contentType: 'application/json' }],
    ['text/plain', { contentType: 'text/plain' }],
    ['no Content-Type', { contentType: null }],
    ['Retry-After on the 202', { contentType: 'application/json', retryAfterSeconds: 5 }],
  ])('202 with %s: one email, told, not retried', async (_label, variant) => {
    const rt = runtime();
    world.sim.faults.add({ service: 'graph', kind: 'accept', match: isSendMail, ...variant });
    const j = freshJob();
    await rt.jobQueue.enqueue([j]);
    expect(await rt.drainNotifications()).toMatchObject({ sent: 1, told: 1, failed: 0, poisoned: 0 });
    expect(world.sim.sentMail).toHaveLength(1);
    expect(world.sim.requests.filter(isSendMail).map((r) => r.status)).toEqual([202]);
    expect(await ledgerRow(rt, j)).toMatchObject({ Status: 'sent', ToldBy: 'accepted' });
    // Nothing left behind to send it again.
    expect((await jobQueue().getProperties()).approximateMessagesCount).toBe(0);
    await rt.jobQueue.enqueue([j]);
    expect(await rt.drainNotifications()).toMatchObject({ sent: 0, alreadyTold: 1 });
    expect(world.sim.sentMail).toHaveLength(1);
  });

  it.each([
    ['accepted, then 504', { kind: 'accept-then-status' as const, status: 504 }],
    ['accepted, then the connection dropped', { kind: 'accept-then-drop' as const }],
  ])('%s: scheduled again, found in Sent Items later, never sent twice', async (_label, fault) => {
    const rt = runtime();
    world.sim.faults.add({ service: 'graph', match: isSendMail, ...fault });
    const j = freshJob();
    await rt.jobQueue.enqueue([j]);
    const first = await rt.drainNotifications();
    expect(first).toMatchObject({ sent: 0, told: 0, failed: 0, poisoned: 0 });
    expect(world.sim.sentMail).toHaveLength(1);
    const row = await ledgerRow(rt, j);
    expect(row).toMatchObject({ Status: 'unknown' });
    expect(world.log.text()).toMatch(/answer to the send is unknown/);
    await scheduledFallsDue(rt, j);

    // The copy shows in Sent Items sim.sentItemsDelayMs after the 202; the first check is 2 minutes on.
    await sleep(world.sim.sentItemsDelayMs + 100);
    const later = await drainAt(rt, new Date((row.AttemptAt as Date).getTime() + 2 * MINUTE));
    expect(later.summary).toMatchObject({ sent: 0, told: 1, failed: 0 });
    expect(later.scheduled).toEqual([]);
    expect(world.sim.sentMail).toHaveLength(1);
    expect(world.sim.requests.filter(isSendMail)).toHaveLength(1);
    expect(world.sim.requests.filter(isSentItems).map((r) => r.status)).toEqual([200]);
    expect(await ledgerRow(rt, j)).toMatchObject({ Status: 'sent', ToldBy: 'sent-items', Marker: row.Marker });
  });

  it('503 before Graph took it: not in Sent Items at 2, 5 and 10 minutes, sent again once at 20', async () => {
    const rt = runtime();
    world.sim.faults.add({ service: 'graph', status: 503, match: isSendMail });
    const j = freshJob();
    await rt.jobQueue.enqueue([j]);
    expect(await rt.drainNotifications()).toMatchObject({ sent: 0, failed: 0 });
    expect(world.sim.sentMail).toHaveLength(0);
    const attemptAt = ((await ledgerRow(rt, j)).AttemptAt as Date).getTime();
    await scheduledFallsDue(rt, j);
    await sleep(world.sim.sentItemsDelayMs + 100);

    const looks: Array<[number, number, number[]]> = [];
    for (const minutes of [2, 5, 10, 20]) {
      const { summary, scheduled } = await drainAt(rt, new Date(attemptAt + minutes * MINUTE));
      looks.push([minutes, summary.sent, scheduled.map((ms) => Math.round(ms / MINUTE))]);
      if (summary.sent === 0) await rt.jobQueue.enqueue([j]); // the job scheduled again falls due
    }
    expect(looks).toEqual([
      [2, 0, [3]],
      [5, 0, [5]],
      [10, 0, [10]],
      [20, 1, []],
    ]);
    expect(world.sim.sentMail).toHaveLength(1);
    expect(world.sim.requests.filter(isSentItems)).toHaveLength(4);
    expect(await ledgerRow(rt, j)).toMatchObject({ Status: 'sent', ToldBy: 'accepted' });
  });

  it('Mail.Read withheld: an unknown answer is sent again without looking (at-least-once), and that is logged', async () => {
    const rt = runtime();
    world.sim.grants.mailRead = 'none';
    world.sim.faults.add({ service: 'graph', kind: 'accept-then-status', status: 504, match: isSendMail });
    const j = freshJob();
    await rt.jobQueue.enqueue([j]);
    await rt.drainNotifications();
    const row = await ledgerRow(rt, j);
    await scheduledFallsDue(rt, j);
    const later = await drainAt(rt, new Date((row.AttemptAt as Date).getTime() + 2 * MINUTE));
    expect(later.summary).toMatchObject({ sent: 1, told: 1 });
    // The cost of the fallback: Graph had taken the first one, so the sender gets two.
    expect(world.sim.sentMail).toHaveLength(2);
    expect(world.sim.requests.filter(isSentItems).map((r) => r.status)).toEqual([403]);
    const warnings = world.log.lines.filter((l) => l.includes('at-least-once'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /cannot read the Sent Items of quarantine-notices@contoso\.com \(grant 'Application Mail\.Read'/,
    );
  });
});
