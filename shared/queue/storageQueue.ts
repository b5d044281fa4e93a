/**
 * Azure Storage queue adapters: the job queue detection writes to, the one the command-line drain
 * reads from, and the poison queue. They only translate; the delivery rules live in jobs/delivery.ts.
 */
import { QueueClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/core-auth';
import type { StorageSettings } from '../config/settings';
import type { CodedError } from '../domain/errors';
import { JobOverBudgetError } from '../jobs/budget';
import { messageOf, statusOf } from '../log/errors';
import { encodeQueuedJobMessages, stampTenant, type QueuedJob } from '../jobs/queuedJob';
import type { NotificationQueue } from '../detect/ports';
import type { JobMessageQueue, JobScheduler, PoisonQueue, QueuedJobMessage } from '../notify/ports';

/**
 * The job's queue messages: as many as its content needs, each within the 64 KiB a message may hold.
 * The Functions queue trigger expects base64 bodies by default; @azure/storage-queue sends text as is.
 */
export function encodeMessages(job: QueuedJob, tenantId?: string): string[] {
  return encodeQueuedJobMessages(job).map((text) => encodeText(tenantId ? stampTenant(text, tenantId) : text));
}

export function encodeText(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function decodeMessage(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

/** A client for one queue of the app's storage account, by connection string (Azurite, keys) or identity. */
export function queueClient(settings: StorageSettings, name: string, credential: () => TokenCredential): QueueClient {
  if (settings.kind === 'connectionString') return new QueueClient(settings.connectionString, name);
  if (!settings.queueUrl)
    throw new Error(
      'Setting AzureWebJobsStorage__queueServiceUri (or __accountName) is missing: the notification queue cannot be reached.',
    );
  return new QueueClient(`${settings.queueUrl}/${name}`, credential());
}

/**
 * The queue said no to one message for what it is, not because it is down: 413 RequestBodyTooLarge,
 * 400 MessageTooLarge or a body it cannot read, or a job no split fits. Retrying the same message cannot help.
 */
export class QueueMessageRefusedError extends Error implements CodedError {
  readonly code = 'queue-refused' as const;

  constructor(
    message: string,
    readonly status?: number,
    readonly serviceCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QueueMessageRefusedError';
  }
}

/**
 * A 400 with one of these codes is about the message. Other 400s (InvalidHeaderValue for an API
 * version the account does not take, a bad authentication header) are the deployment's: every
 * message would get them, so they fail the run rather than set every job aside.
 */
const MESSAGE_REFUSALS: ReadonlySet<string> = new Set([
  'MessageTooLarge',
  'RequestBodyTooLarge',
  'InvalidXmlDocument',
  'InvalidXmlNodeValue',
]);

/** The refusal as a classified error, or undefined when the service failed (5xx, network, auth, throttling). */
export function refusalOf(error: unknown): QueueMessageRefusedError | undefined {
  if (error instanceof JobOverBudgetError)
    return new QueueMessageRefusedError(error.message, undefined, undefined, { cause: error });
  const status = statusOf(error);
  const serviceCode = (error as { code?: unknown }).code;
  const code = typeof serviceCode === 'string' ? serviceCode : undefined;
  if (status !== 413 && !(status === 400 && code !== undefined && MESSAGE_REFUSALS.has(code))) return undefined;
  return new QueueMessageRefusedError(
    `the queue refused the message (${status}${code ? ` ${code}` : ''}): ${messageOf(error).split('\n')[0].slice(0, 200)}`,
    status,
    code,
    { cause: error },
  );
}

export class StorageNotificationQueue implements NotificationQueue {
  private ready: Promise<unknown> | undefined;

  /** @param tenantId the tenant every message of this queue names (jobs/queuedJob.ts stampTenant) */
  constructor(
    private readonly queue: QueueClient,
    private readonly tenantId?: string,
  ) {}

  async enqueue(jobs: readonly QueuedJob[]): Promise<void> {
    this.ready ??= this.queue.createIfNotExists();
    await this.ready;
    for (const job of jobs) {
      try {
        for (const message of encodeMessages(job, this.tenantId)) await this.queue.sendMessage(message);
      } catch (error) {
        throw refusalOf(error) ?? error;
      }
    }
  }
}

/** The job queue's "later": the same job as a new message, invisible until its time (at most 7 days, the queue's limit). */
export class StorageJobScheduler implements JobScheduler {
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly queue: QueueClient,
    private readonly tenantId?: string,
  ) {}

  async later(jobText: string, delayMs: number): Promise<void> {
    this.ready ??= this.queue.createIfNotExists();
    await this.ready;
    const seconds = Math.min(7 * 24 * 3600 - 60, Math.max(0, Math.ceil(delayMs / 1000)));
    const text = this.tenantId ? stampTenant(jobText, this.tenantId) : jobText;
    await this.queue.sendMessage(encodeText(text), { visibilityTimeout: seconds });
  }
}

/** Where given-up messages go; bodies are base64 like the main queue, so they can be moved back as they are. */
export class StoragePoisonQueue implements PoisonQueue {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly queue: QueueClient) {}

  async add(text: string): Promise<void> {
    this.ready ??= this.queue.createIfNotExists();
    await this.ready;
    await this.queue.sendMessage(encodeText(text));
  }

  /** Messages waiting (approximate, as the service counts them); none when the queue does not exist. */
  async count(): Promise<number> {
    try {
      return (await this.queue.getProperties()).approximateMessagesCount ?? 0;
    } catch (error) {
      if (statusOf(error) === 404) return 0;
      throw error;
    }
  }
}

export class StorageJobMessageQueue implements JobMessageQueue {
  private readonly poison: StoragePoisonQueue;

  constructor(
    private readonly queue: QueueClient,
    poisonQueue: QueueClient,
  ) {
    this.poison = new StoragePoisonQueue(poisonQueue);
  }

  async receive(visibilitySeconds: number): Promise<QueuedJobMessage | undefined> {
    let answer;
    try {
      answer = await this.queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: visibilitySeconds });
    } catch (error) {
      // No queue yet: detection has never enqueued anything, so there is nothing to send.
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const item = answer.receivedMessageItems[0];
    if (!item) return undefined;
    return {
      id: item.messageId,
      popReceipt: item.popReceipt,
      dequeueCount: item.dequeueCount,
      text: decodeMessage(item.messageText),
    };
  }

  async delete(message: QueuedJobMessage): Promise<void> {
    await this.queue.deleteMessage(message.id, message.popReceipt);
  }

  async retryLater(message: QueuedJobMessage, visibilitySeconds: number): Promise<void> {
    await this.queue.updateMessage(message.id, message.popReceipt, undefined, visibilitySeconds);
  }

  async moveToPoison(message: QueuedJobMessage): Promise<void> {
    // Copy first, delete second: a crash in between leaves a duplicate, never a lost message.
    await this.poison.add(message.text);
    await this.delete(message);
  }
}
