/**
 * The notification queue as the sending side sees it: messages to receive, delete, retry later or
 * move to `release-notifications-poison`, and the rules (the ones host.json gives the Functions host)
 * for when a failed message is given up on.
 */
import type { QueueClient } from '@azure/storage-queue';
import { InvalidJobError } from './jobs';
import { NotificationJobError } from './compose';
import { decodeMessage, encodeText, MAX_DEQUEUE_COUNT, POISON_SUFFIX } from './storageQueue';
import { QUEUE_NAME, statusOf } from '../store/tables';

export const POISON_QUEUE_NAME = `${QUEUE_NAME}${POISON_SUFFIX}`;

/** Malformed input: no retry can fix it, so it goes to the poison queue at once. */
export function isMalformedJob(error: unknown): boolean {
  return error instanceof InvalidJobError || error instanceof NotificationJobError;
}

/** The attempt whose failure sends the message to the poison queue (host.json maxDequeueCount). */
export function isLastAttempt(dequeueCount: number, maxDequeueCount: number = MAX_DEQUEUE_COUNT): boolean {
  return dequeueCount >= maxDequeueCount;
}

export type FailureAction = 'poisonNow' | 'lastAttempt' | 'retry';

/**
 * What becomes of a message whose attempt failed: malformed ones are poisoned at once, the last
 * attempt's failure poisons it (the host does that itself), anything else is retried.
 */
export function failureAction(error: unknown, dequeueCount: number, maxDequeueCount: number = MAX_DEQUEUE_COUNT): FailureAction {
  if (isMalformedJob(error)) return 'poisonNow';
  return isLastAttempt(dequeueCount, maxDequeueCount) ? 'lastAttempt' : 'retry';
}

/** A queue trigger's body as the host hands it over (decoded, JSON parsed when it was JSON), back to queue text. */
export function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return JSON.stringify(body) ?? String(body);
}

/** Where given-up messages go; bodies are base64 like the main queue, so they can be moved back as they are. */
export interface PoisonQueue {
  add(text: string): Promise<void>;
}

export class StoragePoisonQueue implements PoisonQueue {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly queue: QueueClient) {}

  async add(text: string): Promise<void> {
    this.ready ??= this.queue.createIfNotExists();
    await this.ready;
    await this.queue.sendMessage(encodeText(text));
  }
}

export interface QueuedJobMessage {
  id: string;
  popReceipt: string;
  dequeueCount: number;
  /** The decoded body. */
  text: string;
}

export interface JobMessageQueue {
  /** One message, hidden for `visibilitySeconds` while it is worked on; undefined when none is visible. */
  receive(visibilitySeconds: number): Promise<QueuedJobMessage | undefined>;
  delete(message: QueuedJobMessage): Promise<void>;
  /** Leaves the message in the queue, visible again after `visibilitySeconds`. */
  retryLater(message: QueuedJobMessage, visibilitySeconds: number): Promise<void>;
  moveToPoison(message: QueuedJobMessage): Promise<void>;
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
    return { id: item.messageId, popReceipt: item.popReceipt, dequeueCount: item.dequeueCount, text: decodeMessage(item.messageText) };
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
