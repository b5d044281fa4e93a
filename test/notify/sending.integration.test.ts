/**
 * The sending stage end to end: Azurite for tables and queues, the Microsoft 365 simulator for
 * sign-in and Graph sendMail. Run through the launcher so the simulator's certificate is trusted:
 *   node test/run-with-ca.js npx jest test/notify
 */
import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { InvocationContext } from '@azure/functions';
import { loadSettings } from '../../shared/config/settings';
import { Runtime } from '../../shared/app/runtime';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { MemoryLogger } from '../../shared/log/logger';
import { NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import { GraphMailer } from '../../shared/graph/graphMailer';
import { RefusedSendError } from '../../shared/notify/deliver';
import { noticeKey } from '../../shared/notify/sendNotification';
import { RetryableError } from '../../shared/http/retry';
import { failureAction, POISON_QUEUE_NAME } from '../../shared/jobs/delivery';
import { entityKeys } from '../../shared/store/notificationLedger';
import { decodeMessage, encodeMessages } from '../../shared/queue/storageQueue';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import { TABLES } from '../../shared/store/tables';
import { sendNotificationHandler } from '../../functions/sendNotification';
import { M365Simulator, type SentMail } from '../../simulator';
import { startAzurite, type Azurite } from '../support/azurite';
import { job, release } from './fakes';

if (!process.env.NODE_EXTRA_CA_CERTS) {
  throw new Error(
    'Run these tests through the launcher so the simulator certificate is trusted: node test/run-with-ca.js npx jest test/notify',
  );
}

const MAILBOX = 'quarantine-notices@contoso.com';
let azurite: Azurite;
let sim: M365Simulator;
let env: Record<string, string>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [azurite, sim] = await Promise.all([startAzurite(), M365Simulator.start()]);
  env = {
    ...sim.settings(),
    AzureWebJobsStorage: azurite.connectionString,
    NOTIFY_SENDER_MAILBOX: MAILBOX,
    // The pace limit has its own tests; here it must not make the suite wait for a minute.
    NOTIFY_MAX_PER_MINUTE: '1000',
  };
  // @azure/identity and the Functions handler read the process environment.
  Object.assign(process.env, env);
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([sim?.stop(), azurite?.stop()]);
});

beforeEach(async () => {
  sim.reset();
  for (const name of [QUEUE_NAME, POISON_QUEUE_NAME]) {
    const queue = new QueueClient(azurite.connectionString, name);
    await queue.createIfNotExists();
    await queue.clearMessages();
  }
});

function runtime(overrides: Record<string, string> = {}): { runtime: Runtime; log: MemoryLogger } {
  const log = new MemoryLogger();
  return { runtime: new Runtime(loadSettings({ ...env, ...overrides }), log), log };
}

/** A job about releases nobody has been told of yet (fresh NetworkMessageIds per test). */
function freshJob(count = 1, sender = 'alice@contoso.com'): NotificationJob {
  return job(
    Array.from({ length: count }, () => release({ networkMessageId: randomUUID() })),
    sender,
  );
}

const idsHeader = (mail: SentMail): string | undefined =>
  mail.message.internetMessageHeaders?.find((h) => h.name === NETWORK_MESSAGE_IDS_HEADER)?.value;

async function queueTexts(name: string): Promise<string[]> {
  const queue = new QueueClient(azurite.connectionString, name);
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => decodeMessage(m.messageText));
}

describe('sending notifications through Graph (simulator) with state in Azurite', () => {
  it('turns a job into one email to the sender, with the NetworkMessageIds header, and records it', async () => {
    const { runtime: rt } = runtime();
    const j = freshJob();
    expect(await rt.sendJob(j, 'msg-1')).toMatchObject({ sent: true, told: 1 });
    expect(sim.sentMail).toHaveLength(1);
    const mail = sim.sentMail[0];
    expect(mail.mailbox).toBe(MAILBOX);
    // Saved by default: Sent Items is where a send whose answer was lost is found again.
    expect(mail.saveToSentItems).toBe(true);
    expect(mail.message.toRecipients?.map((r) => r.emailAddress.address)).toEqual(['alice@contoso.com']);
    expect(idsHeader(mail)).toBe(j.releases[0].networkMessageId);
    const keys = entityKeys(noticeKey(j.releases[0]));
    const row = await rt.tables.table(TABLES.ledger).getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey);
    expect(row).toMatchObject({ Status: 'sent', JobId: j.jobId, DryRun: false });
  });

  it('sends one email for the same job twice, for a duplicate in flight at once, and for another job sharing a release', async () => {
    const { runtime: rt } = runtime();
    const j = freshJob();
    const [a, b] = await Promise.all([rt.sendJob(j, 'msg-1'), rt.sendJob(j, 'msg-2')]);
    expect([a.sent, b.sent].filter(Boolean)).toHaveLength(1);
    expect(await rt.sendJob(j, 'msg-3')).toMatchObject({ sent: false, alreadyTold: 1 });
    expect(sim.sentMail).toHaveLength(1);

    // Another job reporting the same release and a new one: only the new one is mailed.
    const extra = release({ networkMessageId: randomUUID() });
    const other = job([j.releases[0], extra]);
    expect(other.jobId).not.toBe(j.jobId);
    expect(await rt.sendJob(other, 'msg-4')).toMatchObject({ sent: true, told: 1, alreadyTold: 1 });
    expect(sim.sentMail).toHaveLength(2);
    expect(idsHeader(sim.sentMail[1])).toBe(extra.networkMessageId);
  });

  it('rides out a 429 storm (Retry-After honoured) and delivers once', async () => {
    const { runtime: rt, log } = runtime();
    sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 1, times: 3 });
    expect(await rt.sendJob(freshJob(), 'msg-1')).toMatchObject({ sent: true });
    expect(sim.sentMail).toHaveLength(1);
    const graphCalls = sim.requests.filter((r) => r.service === 'graph');
    expect(graphCalls.map((r) => r.status)).toEqual([429, 429, 429, 202]);
    expect(log.text()).toMatch(/answered HTTP 429; retry 1 after 1 s \(Retry-After\)/);
  });

  it('gives a 429 back to the queue as retryable once the client has retried enough', async () => {
    sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 1, times: 2 });
    const { runtime: rt } = runtime();
    const mailer = new GraphMailer({
      graphEndpoint: sim.graphEndpoint,
      token: rt.token(sim.graphEndpoint),
      maxRetries: 1,
    });
    const answer = await mailer.send(
      MAILBOX,
      { to: 'alice@contoso.com', subject: 's', html: '<p>x</p>', text: 'x', headers: [] },
      { saveToSentItems: false, marker: 'qrn-test' },
    );
    expect(answer).toMatchObject({ outcome: 'refused', status: 429, retryAfterMs: 1000 });
    expect(answer.outcome === 'refused' ? answer.reason : '').toMatch(
      /HTTP 429 ApplicationThrottled.*the queue will try again later/,
    );
    expect(sim.sentMail).toHaveLength(0);
    // Through the sending use case, a 429 the client gave up on goes back to the queue as retryable.
    sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 1, times: 11 });
    const error = await rt.sendJob(freshJob(), 'msg-429').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(sim.sentMail).toHaveLength(0);
  });

  it('names Mail.Send and its scope when Graph answers 403', async () => {
    const { runtime: rt } = runtime();
    sim.grants.mailSend = ['someone-else@contoso.com'];
    const error = await rt.sendJob(freshJob(), 'msg-1').catch((e: unknown) => e);
    // Refused for good: straight to the poison queue with this reason.
    expect(error).toBeInstanceOf(RefusedSendError);
    expect(failureAction(error, 1)).toBe('poisonNow');
    expect((error as Error).message).toMatch(
      /HTTP 403 ErrorAccessDenied.*Mail\.Send is not granted to the app, or not scoped to NOTIFY_SENDER_MAILBOX quarantine-notices@contoso\.com/,
    );
    expect(sim.sentMail).toHaveLength(0);
  });

  it('says the sender mailbox does not exist when Graph answers 404', async () => {
    const { runtime: rt } = runtime({ NOTIFY_SENDER_MAILBOX: 'nobody@contoso.com' });
    await expect(rt.sendJob(freshJob(), 'msg-1')).rejects.toThrow(
      /NOTIFY_SENDER_MAILBOX nobody@contoso\.com does not exist/,
    );
  });

  it('in a dry run mails nothing and records the releases as told', async () => {
    const { runtime: dry, log } = runtime({ NOTIFY_DRY_RUN: 'true' });
    const j = freshJob();
    expect(await dry.sendJob(j, 'msg-1')).toMatchObject({ sent: false, told: 1, dryRun: true });
    expect(log.text()).toMatch(/dry run: .* to alice@contoso\.com/);
    const { runtime: real } = runtime();
    expect(await real.sendJob(j, 'msg-2')).toMatchObject({ sent: false, alreadyTold: 1 });
    expect(sim.sentMail).toHaveLength(0);
  });

  it('drains the queue with at most 4 sends in flight, and a second drain finds nothing', async () => {
    const { runtime: rt } = runtime();
    sim.latencyMs.graph = 150;
    const jobs = Array.from({ length: 8 }, () => freshJob());
    await rt.jobQueue.enqueue([...jobs, jobs[0]]);
    expect(await rt.drainNotifications()).toEqual({
      jobs: 9,
      sent: 8,
      told: 8,
      alreadyTold: 1,
      failed: 0,
      poisoned: 0,
      left: 0,
    });
    expect(sim.sentMail).toHaveLength(8);
    expect(sim.peakInFlight.graph).toBeLessThanOrEqual(4);
    expect(sim.requests.filter((r) => r.service === 'graph' && r.status === 429)).toHaveLength(0);
    expect(await rt.drainNotifications()).toMatchObject({ jobs: 0 });
  });

  it('moves a job Graph refuses for good (Mail.Send missing) to the poison queue at once, with the reason', async () => {
    const { runtime: rt, log } = runtime();
    sim.grants.mailSend = 'none';
    const j = freshJob();
    await rt.jobQueue.enqueue([j]);
    expect(await rt.drainNotifications({ retryAfterSeconds: 0 })).toMatchObject({
      jobs: 1,
      failed: 0,
      poisoned: 1,
      sent: 0,
    });
    expect(await queueTexts(QUEUE_NAME)).toEqual([]);
    const poisoned = await queueTexts(POISON_QUEUE_NAME);
    expect(poisoned).toHaveLength(1);
    expect(JSON.parse(poisoned[0])).toMatchObject({ jobId: j.jobId });
    expect(log.text()).toMatch(/moved to release-notifications-poison: failed for good, not retried: .*Mail\.Send/);
  });

  it('keeps a throttled message for the next run instead of retrying it at once', async () => {
    const { runtime: rt } = runtime();
    // More 429s than the Graph client retries: the job goes back to the queue, hidden 30 s.
    sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 0, times: 11 });
    await rt.jobQueue.enqueue([freshJob()]);
    expect(await rt.drainNotifications()).toMatchObject({ jobs: 1, failed: 1, poisoned: 0 });
    expect(sim.sentMail).toHaveLength(0);
  });

  it('moves a malformed message straight to the poison queue, from the CLI drain and from the queue trigger', async () => {
    const { runtime: rt } = runtime();
    const queue = new QueueClient(azurite.connectionString, QUEUE_NAME);
    await queue.sendMessage(Buffer.from('{"sender":"alice@contoso.com","releases":[]}').toString('base64'));
    expect(await rt.drainNotifications()).toMatchObject({ jobs: 1, poisoned: 1, failed: 0 });

    const context = new InvocationContext({
      triggerMetadata: { dequeueCount: 1, id: 'msg-bad' },
      logHandler: () => undefined,
    });
    await expect(sendNotificationHandler({ sender: 'not an address' }, context)).resolves.toBeUndefined();
    expect(await queueTexts(POISON_QUEUE_NAME)).toEqual([
      '{"sender":"alice@contoso.com","releases":[]}',
      '{"sender":"not an address"}',
    ]);
    expect(sim.sentMail).toHaveLength(0);
  });

  it('the queue trigger sends a job, and on the last failing attempt says it goes to the poison queue', async () => {
    const j = freshJob();
    const lines: string[] = [];
    const logger = (...args: unknown[]): void => void lines.push(args.map(String).join(' '));
    const context = (dequeueCount: number, id: string): InvocationContext =>
      new InvocationContext({
        triggerMetadata: { dequeueCount, id },
        logHandler: (_level, ...args) => logger(...args),
      });
    // The host decodes the base64 body and hands JSON over parsed.
    await sendNotificationHandler(
      JSON.parse(Buffer.from(encodeMessages(j)[0], 'base64').toString('utf8')),
      context(1, 'msg-1'),
    );
    expect(sim.sentMail).toHaveLength(1);

    // A retryable failure on the last attempt: the host moves it to the poison queue, and the log says so.
    sim.faults.add({ service: 'graph', status: 429, retryAfterSeconds: 0, times: 11 });
    await expect(sendNotificationHandler(freshJob(), context(5, 'msg-2'))).rejects.toThrow(/429/);
    expect(lines.join('\n')).toMatch(/attempt 5 of 5 failed; the host moves it to release-notifications-poison: .*429/);
    // Refused for good (Mail.Send missing): the handler poisons it at once and the host deletes the original.
    sim.grants.mailSend = 'none';
    await expect(sendNotificationHandler(freshJob(), context(1, 'msg-3'))).resolves.toBeUndefined();
    expect(lines.join('\n')).toMatch(
      /moved to release-notifications-poison: failed for good, not retried: .*Mail\.Send/,
    );
  });
});
