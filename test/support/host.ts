import { QueueClient } from '@azure/storage-queue';
import type { Deployment } from '../../shared/app/deployment';
import { POISON_QUEUE_NAME, QUEUE_NAME } from '../../shared/jobs/delivery';
import { messageOf } from '../../shared/log/errors';
import { TENANT_RUNS_QUEUE } from '../../shared/tenants/tenantRun';

export interface RunRecord {
  tenant: string;
  stage: string;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  summary?: object;
}

/**
 * A model of the Functions host over the app's two work queues: up to `slots` messages handled at
 * once, each by the same Deployment methods the queue functions call (runTenantStage catches a
 * failed run; sendNotification's failure leaves the message for a retry, poisoned after five).
 */
export class QueueHost {
  readonly runs: RunRecord[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly deployment: Deployment,
    private readonly connectionString: string,
    private readonly slots = 4,
  ) {}

  start(): void {
    this.stopped = false;
    this.loops = Array.from({ length: this.slots }, (_, i) => this.loop(i));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Resolves when both queues are empty and nothing is in flight, twice in a row 300 ms apart. */
  async idle(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let quiet = 0;
    while (quiet < 2) {
      if (Date.now() > until) throw new Error('the queues did not drain in time');
      await new Promise((r) => setTimeout(r, 300));
      quiet = this.busy === 0 && (await this.waiting()) === 0 ? quiet + 1 : 0;
    }
  }

  private busy = 0;

  private async waiting(): Promise<number> {
    let n = 0;
    for (const name of [TENANT_RUNS_QUEUE, QUEUE_NAME]) {
      const props = await new QueueClient(this.connectionString, name).getProperties().catch(() => undefined);
      n += props?.approximateMessagesCount ?? 0;
    }
    return n;
  }

  private async loop(slot: number): Promise<void> {
    // Slots alternate which queue they look at first, so neither queue starves the other.
    const order = slot % 2 === 0 ? [TENANT_RUNS_QUEUE, QUEUE_NAME] : [QUEUE_NAME, TENANT_RUNS_QUEUE];
    while (!this.stopped) {
      let handled = false;
      for (const name of order) handled = handled || (await this.takeOne(name));
      if (!handled) await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async takeOne(name: string): Promise<boolean> {
    const queue = new QueueClient(this.connectionString, name);
    this.busy++;
    try {
      const answer = await queue
        .receiveMessages({ numberOfMessages: 1, visibilityTimeout: 120 })
        .catch(() => undefined);
      const item = answer?.receivedMessageItems[0];
      if (!item) return false;
      const body = Buffer.from(item.messageText, 'base64').toString('utf8');
      const done =
        name === TENANT_RUNS_QUEUE
          ? await this.runTenant(body)
          : await this.send(body, item.messageId, item.dequeueCount);
      if (done) await queue.deleteMessage(item.messageId, item.popReceipt).catch(() => undefined);
      // The host's retry: visible again soon (host.json's visibilityTimeout is 30 s; 1 s here).
      else await queue.updateMessage(item.messageId, item.popReceipt, undefined, 1).catch(() => undefined);
      return true;
    } finally {
      this.busy--;
    }
  }

  private async runTenant(body: string): Promise<boolean> {
    const { tenant, stage } = JSON.parse(body) as { tenant: string; stage: string };
    const record: RunRecord = { tenant, stage, startedAt: Date.now(), endedAt: 0, ok: false };
    try {
      record.summary = await this.deployment.runTenant(body, `host-${Math.random()}`);
      record.ok = true;
    } catch (error) {
      record.summary = { error: messageOf(error) };
    }
    record.endedAt = Date.now();
    this.runs.push(record);
    return true;
  }

  private async send(body: string, messageId: string, dequeueCount: number): Promise<boolean> {
    try {
      await this.deployment.sendQueued(body, messageId);
      return true;
    } catch {
      if (dequeueCount < 5) return false;
      await new QueueClient(this.connectionString, POISON_QUEUE_NAME).createIfNotExists();
      await new QueueClient(this.connectionString, POISON_QUEUE_NAME).sendMessage(Buffer.from(body).toString('base64'));
      return true;
    }
  }
}
