import type { QueueClient } from '@azure/storage-queue';
import type { NotificationJob } from '../domain/types';
import type { NotificationQueue } from './jobs';

/** The Functions queue trigger expects base64 bodies by default; @azure/storage-queue sends text as is. */
export function encodeMessage(job: NotificationJob): string {
  return encodeText(JSON.stringify(job));
}

export function encodeText(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function decodeMessage(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

export const POISON_SUFFIX = '-poison';
/** Matches host.json extensions.queues.maxDequeueCount. */
export const MAX_DEQUEUE_COUNT = 5;

export class StorageNotificationQueue implements NotificationQueue {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly queue: QueueClient) {}

  async enqueue(jobs: readonly NotificationJob[]): Promise<void> {
    this.ready ??= this.queue.createIfNotExists();
    await this.ready;
    for (const job of jobs) await this.queue.sendMessage(encodeMessage(job));
  }
}
