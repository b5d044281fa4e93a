/**
 * Isolation per item on Azurite and the simulated tenant: the queue refuses one notice job (Azure
 * Storage's own 413 for a body over 64 KiB), and every other sender is still told, the run succeeds,
 * the refused job's release is settled 'set-aside' with the reason, and the health problem opens;
 * the next clean run clears it and does not try the set-aside release again.
 */
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import { parseJob, type NotificationJob } from '../../shared/jobs/notificationJob';
import { isAlertJob, type QueuedJob } from '../../shared/jobs/queuedJob';
import { decodeMessage, refusalOf } from '../../shared/queue/storageQueue';
import { TABLES } from '../../shared/store/tables';
import { quarantineRow } from '../../simulator/fixtures';
import { World } from '../support/world';

const world = World.forSuite();
const HOUR = 3_600_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);
const HEALTH = { HEALTH_RECIPIENTS: 'it-ops@contoso.com', HEALTH_ALERT_AFTER_MINUTES: '0' };

const healthStates = () =>
  world.sim.sentMail
    .map((m) => m.message.internetMessageHeaders?.find((h) => h.name === 'x-qrn-health')?.value)
    .filter((v): v is string => v !== undefined);

async function queuedSenders(): Promise<string[]> {
  const queue = new QueueClient(world.azurite.connectionString, QUEUE_NAME);
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => parseJob(decodeMessage(m.messageText)).sender).sort();
}

function releaseFrom(sender: string): void {
  const row = quarantineRow({
    SenderAddress: sender,
    RecipientAddress: ['bob@fabrikam.example'],
    receivedAt: ago(3 * HOUR),
  });
  world.sim.tenant.quarantine.add(row);
  world.sim.audit.publish(
    world.sim.tenant.quarantine.release(row.Identity, undefined, { by: 'secadmin@contoso.com', at: ago(2 * HOUR) }),
  );
}

describe('a job the queue refuses is set aside, and nobody else waits for it', () => {
  it('tells the others, counts and raises it, settles its release set-aside; the next clean run clears it', async () => {
    releaseFrom('alice@contoso.com');
    releaseFrom('mallory@contoso.com');
    releaseFrom('carol@contoso.com');
    const runtime = world.runtime(HEALTH);
    await runtime.snapshot();

    // The queue as deployed, except that mallory's job reaches Azure Storage as a body over its 64 KiB.
    const wire = new QueueClient(world.azurite.connectionString, QUEUE_NAME);
    const enqueue = runtime.jobQueue.enqueue.bind(runtime.jobQueue);
    const refused: unknown[] = [];
    runtime.jobQueue.enqueue = async (jobs: readonly QueuedJob[]): Promise<void> => {
      const isMallory = (j: QueuedJob) => !isAlertJob(j) && (j as NotificationJob).sender === 'mallory@contoso.com';
      if (!jobs.some(isMallory)) return enqueue(jobs);
      try {
        await wire.sendMessage('x'.repeat(70 * 1024));
      } catch (error) {
        refused.push(error);
        throw refusalOf(error) ?? error;
      }
    };

    const summary = await runtime.runStage('detection', () => runtime.detect());

    // Azurite answers as Azure Storage does, and the adapter reads that as a refusal of the message.
    expect(refusalOf(refused[0])).toMatchObject({ code: 'queue-refused', status: 413 });
    expect(summary).toMatchObject({ matched: 3, jobs: 2, setAsideJobs: 1, setAside: 1 });
    expect(await queuedSenders()).toEqual(['alice@contoso.com', 'carol@contoso.com']);
    const releases = TableClient.fromConnectionString(world.azurite.connectionString, TABLES.releases, {
      allowInsecureConnection: true,
    });
    const statuses: string[] = [];
    for await (const e of releases.listEntities<{ Status: string; Reason: string }>({
      queryOptions: { filter: "PartitionKey eq 'release'" },
    }))
      statuses.push(e.Status === 'set-aside' ? `set-aside: ${e.Reason}` : e.Status);
    expect(statuses.sort()).toEqual(['queued', 'queued', expect.stringMatching(/^set-aside: not handed over: .*413/)]);
    expect(healthStates()).toContain('items-set-aside; open');

    // The next run sets nothing aside (the refused release is settled, not retried): the problem is resolved.
    const next = world.runtime(HEALTH);
    expect(await next.runStage('detection', () => next.detect())).toMatchObject({ jobs: 0, setAside: 0 });
    expect(healthStates()).toContain('items-set-aside; resolved');
  });
});
