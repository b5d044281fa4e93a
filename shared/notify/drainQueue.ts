/**
 * Sends what is queued, for the command line (`npm run once`): the same work the queue trigger does
 * in Azure, with the same retry and poison rules (host.json), and an end.
 *
 * Up to 4 workers each take one message at a time, so a message is only hidden while it is being
 * worked on. A failed message is hidden for `retryAfterSeconds` (host.json visibilityTimeout) and
 * left for a later run; at its last attempt it goes to the poison queue instead. The run ends when
 * a receive finds nothing visible: failed messages are hidden then, so the run cannot spin on them.
 */
import { MalformedJobError } from '../jobs/notificationJob';
import { parseQueuedJob, tenantOfJob, type QueuedJob } from '../jobs/queuedJob';
import type { Logger } from '../log/logger';
import { failureAction, POISON_QUEUE_NAME } from '../jobs/delivery';
import { type JobMessageQueue, type QueuedJobMessage } from './ports';
import type { SendOutcome } from './sendNotification';
import { MAX_DEQUEUE_COUNT } from '../jobs/delivery';
import { messageOf } from '../log/errors';

export interface DrainSummary {
  /** Messages worked on (each attempt counts). */
  jobs: number;
  /** Emails sent. */
  sent: number;
  /** Releases reported by those emails (or recorded by a dry run). */
  told: number;
  alreadyTold: number;
  /** Failed attempts left in the queue for a later run. */
  failed: number;
  poisoned: number;
  /** Other tenants' jobs this drain passed over, left for the deployed app (no attempt counted). */
  left: number;
}

/**
 * Thrown by a drain's sender for a job that is not its to send (another tenant's): the message goes
 * back, visible again shortly, for the deployed app, and counts as neither sent nor failed.
 */
export class NotThisDrainsJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotThisDrainsJobError';
  }
}

export interface DrainOptions {
  maxInFlight?: number;
  /** How long a message stays hidden while it is worked on: longer than pacing plus Graph retries. */
  visibilitySeconds?: number;
  /** How long a failed message stays hidden before another attempt (host.json visibilityTimeout). */
  retryAfterSeconds?: number;
  maxDequeueCount?: number;
}

/** Sends one job; `tenant` is the tenant its message names (undefined: queued before tenants, the deployment's own). */
export type SendJob = (job: QueuedJob, deliveryId: string, tenant: string | undefined) => Promise<SendOutcome>;

export async function drainQueue(
  queue: JobMessageQueue,
  send: SendJob,
  log: Logger,
  options: DrainOptions = {},
): Promise<DrainSummary> {
  const drain = new Drain(
    { queue, send, log },
    {
      maxInFlight: options.maxInFlight ?? 4,
      visibilitySeconds: options.visibilitySeconds ?? 600,
      retryAfterSeconds: options.retryAfterSeconds ?? 30,
      maxDequeueCount: options.maxDequeueCount ?? MAX_DEQUEUE_COUNT,
    },
  );
  const worker = async (): Promise<void> => {
    for (;;) {
      const message = await queue.receive(drain.options.visibilitySeconds);
      if (!message) return;
      await drain.handle(message);
    }
  };
  await Promise.all(Array.from({ length: drain.options.maxInFlight }, worker));
  return drain.summary;
}

/** One drain's work on each message, and its counts. */
class Drain {
  readonly summary: DrainSummary = { jobs: 0, sent: 0, told: 0, alreadyTold: 0, failed: 0, poisoned: 0, left: 0 };

  constructor(
    private readonly ports: { queue: JobMessageQueue; send: SendJob; log: Logger },
    readonly options: Required<DrainOptions>,
  ) {}

  async handle(message: QueuedJobMessage): Promise<void> {
    const { maxDequeueCount } = this.options;
    if (message.dequeueCount > maxDequeueCount) {
      // Received more often than allowed (an earlier run died mid-attempt): the host gives up on these too.
      await this.poison(
        message,
        `received ${message.dequeueCount} times, more than maxDequeueCount ${maxDequeueCount}`,
      );
      return;
    }
    this.summary.jobs++;
    let outcome: SendOutcome;
    try {
      outcome = await this.ports.send(parseQueuedJob(message.text), message.id, tenantOfJob(message.text));
    } catch (error) {
      await this.failed(message, error);
      return;
    }
    if (outcome.sent) this.summary.sent++;
    this.summary.told += outcome.told;
    this.summary.alreadyTold += outcome.alreadyTold;
    try {
      await this.ports.queue.delete(message);
    } catch (error) {
      // Done anyway: if the message comes back, the ledger says its releases were told.
      this.ports.log.warn(`message ${message.id} was handled but could not be deleted: ${messageOf(error)}`);
    }
  }

  /** The host's rules: malformed or permanent, poisoned now; the last attempt, poisoned; else retried later. */
  private async failed(message: QueuedJobMessage, error: unknown): Promise<void> {
    const { maxDequeueCount, retryAfterSeconds } = this.options;
    if (error instanceof NotThisDrainsJobError) {
      // Hidden for a while, so this drain ends instead of meeting it again; the deployed app sends it.
      this.summary.jobs--;
      this.summary.left++;
      await this.ports.queue.retryLater(message, retryAfterSeconds);
      return;
    }
    const reason = messageOf(error);
    const action = failureAction(error, message.dequeueCount, maxDequeueCount);
    if (action === 'poisonNow')
      await this.poison(
        message,
        `${error instanceof MalformedJobError ? 'malformed job' : 'failed for good'}, not retried: ${reason}`,
      );
    else if (action === 'lastAttempt')
      await this.poison(message, `attempt ${message.dequeueCount} of ${maxDequeueCount} failed: ${reason}`);
    else {
      this.summary.failed++;
      this.ports.log.warn(
        `message ${message.id} attempt ${message.dequeueCount} of ${maxDequeueCount} failed, retried after ${retryAfterSeconds} s: ${reason}`,
      );
      await this.ports.queue.retryLater(message, retryAfterSeconds);
    }
  }

  private async poison(message: QueuedJobMessage, reason: string): Promise<void> {
    await this.ports.queue.moveToPoison(message);
    this.summary.poisoned++;
    this.ports.log.error(
      `message ${message.id} (attempt ${message.dequeueCount}) moved to ${POISON_QUEUE_NAME}: ${reason}`,
    );
  }
}
