import type { NotificationJob } from '../../shared/jobs/notificationJob';
import { MemoryLogger } from '../../shared/log/logger';
import { drainQueue, NotThisDrainsJobError } from '../../shared/notify/drainQueue';
import { stampTenant } from '../../shared/jobs/queuedJob';
import type { JobMessageQueue, QueuedJobMessage } from '../../shared/notify/ports';
import type { SendOutcome } from '../../shared/notify/sendNotification';
import { ID_B, job, release } from './fakes';

/** A queue with visibility timeouts and dequeue counts, on a clock the test moves. */
class MemoryJobQueue implements JobMessageQueue {
  now = 0;
  private next = 0;
  readonly messages: Array<{ id: string; text: string; dequeueCount: number; visibleAt: number; popReceipt: string }> =
    [];
  readonly poison: string[] = [];

  add(text: string, dequeueCount = 0): void {
    this.messages.push({ id: `m${++this.next}`, text, dequeueCount, visibleAt: 0, popReceipt: '' });
  }

  async receive(visibilitySeconds: number): Promise<QueuedJobMessage | undefined> {
    const m = this.messages.find((x) => x.visibleAt <= this.now);
    if (!m) return undefined;
    m.dequeueCount++;
    m.visibleAt = this.now + visibilitySeconds * 1000;
    m.popReceipt = `p${++this.next}`;
    return { id: m.id, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, text: m.text };
  }

  private find(message: QueuedJobMessage) {
    const m = this.messages.find((x) => x.id === message.id && x.popReceipt === message.popReceipt);
    if (!m) throw new Error('404 MessageNotFound');
    return m;
  }

  async delete(message: QueuedJobMessage): Promise<void> {
    this.messages.splice(this.messages.indexOf(this.find(message)), 1);
  }

  async retryLater(message: QueuedJobMessage, visibilitySeconds: number): Promise<void> {
    this.find(message).visibleAt = this.now + visibilitySeconds * 1000;
  }

  async moveToPoison(message: QueuedJobMessage): Promise<void> {
    this.poison.push(message.text);
    await this.delete(message);
  }
}

const outcome = (j: NotificationJob, sent = true): SendOutcome => ({
  jobId: j.jobId,
  sent,
  told: sent ? j.releases.length : 0,
  alreadyTold: sent ? 0 : 1,
  ownedElsewhere: 0,
  confirmedSent: 0,
  deferredUntil: undefined,
  unknownOutcome: false,
  dryRun: false,
});

describe('drainQueue', () => {
  it("passes over another tenant's job: left in the queue for the deployed app, neither sent, failed nor poisoned", async () => {
    const queue = new MemoryJobQueue();
    const other = '3f2a6b1c-0d4e-4f5a-8b6c-7d8e9f0a1b9c';
    queue.add(stampTenant(JSON.stringify(job()), other), 4);
    queue.add(JSON.stringify(job([release({ networkMessageId: ID_B })])));
    const summary = await drainQueue(
      queue,
      async (j, _id, tenant) => {
        if (tenant === other) throw new NotThisDrainsJobError(`job of tenant ${tenant}`);
        return outcome(j as NotificationJob);
      },
      new MemoryLogger(),
    );
    expect(summary).toMatchObject({ jobs: 1, sent: 1, failed: 0, poisoned: 0, left: 1 });
    // Its fifth receive, yet not poisoned: the drain never counted it as an attempt of its own.
    expect(queue.messages.map((m) => m.text)).toEqual([stampTenant(JSON.stringify(job()), other)]);
    expect(queue.poison).toEqual([]);
  });

  it('sends every queued job, deletes it, and stops when the queue is empty', async () => {
    const queue = new MemoryJobQueue();
    queue.add(JSON.stringify(job()));
    queue.add(JSON.stringify(job([release({ networkMessageId: ID_B })])));
    queue.add(JSON.stringify(job()));
    const seen: string[] = [];
    const summary = await drainQueue(
      queue,
      async (j, deliveryId) => {
        seen.push(deliveryId);
        return outcome(j as NotificationJob, seen.length < 3);
      },
      new MemoryLogger(),
    );
    expect(summary).toEqual({ jobs: 3, sent: 2, told: 2, alreadyTold: 1, failed: 0, poisoned: 0, left: 0 });
    expect(new Set(seen)).toEqual(new Set(['m1', 'm2', 'm3']));
    expect(queue.messages).toHaveLength(0);
  });

  it('leaves a failed message for a later run, then poisons it at its fifth attempt', async () => {
    const queue = new MemoryJobQueue();
    queue.add(JSON.stringify(job()));
    const log = new MemoryLogger();
    const failing = async (): Promise<SendOutcome> => {
      throw new Error('Graph sendMail failed (HTTP 503)');
    };
    for (let run = 1; run <= 4; run++) {
      expect(await drainQueue(queue, failing, log)).toMatchObject({ jobs: 1, failed: 1, poisoned: 0 });
      // Hidden for 30 s: a run right away finds nothing and ends.
      expect(await drainQueue(queue, failing, log)).toMatchObject({ jobs: 0 });
      queue.now += 30_000;
    }
    expect(await drainQueue(queue, failing, log)).toMatchObject({ jobs: 1, failed: 0, poisoned: 1 });
    expect(queue.messages).toHaveLength(0);
    expect(queue.poison).toHaveLength(1);
    expect(log.text()).toMatch(
      /moved to release-notifications-poison: attempt 5 of 5 failed: Graph sendMail failed \(HTTP 503\)/,
    );
  });

  it('poisons a malformed message at once, without sending', async () => {
    const queue = new MemoryJobQueue();
    queue.add('{"sender":"not an address"}');
    queue.add('\u0000garbage');
    const log = new MemoryLogger();
    const send = jest.fn();
    expect(await drainQueue(queue, send, log)).toMatchObject({ poisoned: 2, failed: 0 });
    expect(send).not.toHaveBeenCalled();
    expect(queue.poison).toEqual(['{"sender":"not an address"}', '\u0000garbage']);
    expect(log.text()).toMatch(/malformed job, not retried: job\.sender is not a mailbox address/);
  });

  it('poisons a message already received more often than allowed (an earlier run died mid-attempt)', async () => {
    const queue = new MemoryJobQueue();
    queue.add(JSON.stringify(job()), 5);
    const send = jest.fn();
    expect(await drainQueue(queue, send, new MemoryLogger())).toMatchObject({ poisoned: 1, jobs: 0 });
    expect(send).not.toHaveBeenCalled();
  });

  it('keeps at most 4 jobs in flight', async () => {
    const queue = new MemoryJobQueue();
    for (let i = 0; i < 10; i++) queue.add(JSON.stringify(job()));
    let active = 0;
    let peak = 0;
    const summary = await drainQueue(
      queue,
      async (j) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return outcome(j as NotificationJob);
      },
      new MemoryLogger(),
    );
    expect(summary.jobs).toBe(10);
    expect(peak).toBe(4);
  });
});
