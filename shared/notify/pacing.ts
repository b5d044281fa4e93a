/**
 * How fast the sender mailbox may send. Exchange Online accepts 30 messages a minute per mailbox
 * and Outlook serves 4 concurrent requests per app and mailbox, whatever instance they come from.
 *
 * - The per-minute pace is a fixed-window counter in Table Storage, so every instance of the function
 *   app (and a command-line run beside it) counts against the same budget. A fixed window can let up
 *   to twice the limit through around a minute boundary; NOTIFY_MAX_PER_MINUTE below 30 leaves room.
 * - The concurrency limit is per process (a semaphore): instances do not share it, and Graph's own
 *   429 + Retry-After (ridden out by the mailer) covers the rest.
 */
import type { TableClient } from '@azure/data-tables';
import type { Logger } from '../log/logger';
import { RetryableError, realSleep, type Sleep } from '../http/retry';
import { statusOf } from '../store/tables';
import { keySafe } from './ledger';

/** What the use case needs: run one send when the mailbox's pace allows it. */
export interface SendPacer {
  run<T>(mailbox: string, send: () => Promise<T>): Promise<T>;
}

const MINUTE_MS = 60_000;

/** One minute's count of sends from one mailbox. */
export interface PaceWindow {
  /** Start of the minute, ms since the epoch, minute-aligned. */
  windowStart: number;
  count: number;
}

export type PaceDecision = { kind: 'take'; next: PaceWindow } | { kind: 'wait'; untilMs: number };

/** Whether a send may go now, and the window to store if so; otherwise when the next window opens. */
export function decidePace(current: PaceWindow | undefined, nowMs: number, maxPerMinute: number): PaceDecision {
  const windowStart = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  if (!current || current.windowStart < windowStart) return { kind: 'take', next: { windowStart, count: 1 } };
  // The stored window is this minute, or a later one opened by an instance whose clock runs ahead: count against it.
  if (current.count < maxPerMinute) return { kind: 'take', next: { windowStart: current.windowStart, count: current.count + 1 } };
  return { kind: 'wait', untilMs: current.windowStart + MINUTE_MS };
}

/** Where the counter lives; write is optimistic and answers false when another writer got there first. */
export interface PaceStore {
  read(mailbox: string): Promise<{ window: PaceWindow | undefined; etag: string | undefined }>;
  write(mailbox: string, window: PaceWindow, etag: string | undefined): Promise<boolean>;
}

/** The pace could not be met within this invocation; the queue retries the job later. */
export class PaceTimeoutError extends RetryableError {
  constructor(mailbox: string, maxPerMinute: number, waitMs: number) {
    super(
      `The pace limit for ${mailbox} (NOTIFY_MAX_PER_MINUTE=${maxPerMinute}) would need a wait of ${Math.ceil(waitMs / 1000)} s, ` +
        'longer than one attempt may wait; the job is retried from the queue.',
      waitMs,
    );
    this.name = 'PaceTimeoutError';
  }
}

/** A plain counting semaphore. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      // Hand the permit straight to the next waiter, so a newcomer cannot slip in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Outlook's limit: 4 concurrent requests per app and mailbox. */
export const GRAPH_CONCURRENCY_PER_MAILBOX = 4;

// Module-level on purpose: the Functions worker builds a Runtime per invocation, and concurrent
// invocations in one process must share one limit.
const sharedSemaphores = new Map<string, Semaphore>();
export function sharedMailboxConcurrency(mailbox: string): Semaphore {
  const key = mailbox.toLowerCase();
  let semaphore = sharedSemaphores.get(key);
  if (!semaphore) {
    semaphore = new Semaphore(GRAPH_CONCURRENCY_PER_MAILBOX);
    sharedSemaphores.set(key, semaphore);
  }
  return semaphore;
}

export interface PacerOptions {
  maxPerMinute: number;
  /** Longest one invocation waits for a free minute, in total (default 3 minutes). */
  maxWaitMs?: number;
  /** Spread of the wake-up after a full minute, so waiting instances do not all retry at once. */
  jitterMs?: number;
  concurrency?: (mailbox: string) => Semaphore;
  clock?: () => number;
  sleep?: Sleep;
  random?: () => number;
  log?: Logger;
}

export const DEFAULT_MAX_PACE_WAIT_MS = 3 * MINUTE_MS;

export class MailboxPacer implements SendPacer {
  private readonly maxWaitMs: number;
  private readonly jitterMs: number;
  private readonly concurrency: (mailbox: string) => Semaphore;
  private readonly clock: () => number;
  private readonly sleep: Sleep;
  private readonly random: () => number;

  constructor(
    private readonly store: PaceStore,
    private readonly options: PacerOptions,
  ) {
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_PACE_WAIT_MS;
    this.jitterMs = options.jitterMs ?? 2000;
    this.concurrency = options.concurrency ?? sharedMailboxConcurrency;
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async run<T>(mailbox: string, send: () => Promise<T>): Promise<T> {
    await this.takeSlot(mailbox);
    return this.concurrency(mailbox).use(send);
  }

  /** Counts one send against the mailbox's current minute, waiting for the next minute when it is full. */
  async takeSlot(mailbox: string): Promise<void> {
    const max = this.options.maxPerMinute;
    const deadline = this.clock() + this.maxWaitMs;
    for (;;) {
      const { window, etag } = await this.store.read(mailbox);
      const now = this.clock();
      const decision = decidePace(window, now, max);
      if (decision.kind === 'take') {
        if (await this.store.write(mailbox, decision.next, etag)) return;
        // Another sender counted first: read again after a moment, within the same deadline.
        if (this.clock() > deadline) throw new PaceTimeoutError(mailbox, max, 0);
        await this.sleep(Math.round(this.random() * 50));
        continue;
      }
      const wakeAt = decision.untilMs + Math.round(this.random() * this.jitterMs);
      if (wakeAt > deadline) throw new PaceTimeoutError(mailbox, max, wakeAt - now);
      this.options.log?.info(`pace: ${max} sends this minute from ${mailbox} (NOTIFY_MAX_PER_MINUTE); waiting ${Math.ceil((wakeAt - now) / 1000)} s`);
      await this.sleep(wakeAt - now);
    }
  }
}

const PACE_PARTITION = 'pace';

/** The counter as one row per mailbox in NotifierState: ETag-conditional writes keep counts exact. */
export class TablePaceStore implements PaceStore {
  constructor(private readonly table: TableClient) {}

  async read(mailbox: string): Promise<{ window: PaceWindow | undefined; etag: string | undefined }> {
    try {
      const row = await this.table.getEntity<Record<string, unknown>>(PACE_PARTITION, keySafe(mailbox));
      const start = row.WindowStart instanceof Date ? row.WindowStart.getTime() : Number.NaN;
      const count = typeof row.Count === 'number' ? row.Count : Number.NaN;
      // An unreadable row counts as no window: it is overwritten under its ETag.
      return { window: Number.isFinite(start) && Number.isFinite(count) ? { windowStart: start, count } : undefined, etag: row.etag };
    } catch (error) {
      if (statusOf(error) === 404) return { window: undefined, etag: undefined };
      throw error;
    }
  }

  async write(mailbox: string, window: PaceWindow, etag: string | undefined): Promise<boolean> {
    const entity = { partitionKey: PACE_PARTITION, rowKey: keySafe(mailbox), WindowStart: new Date(window.windowStart), Count: window.count };
    try {
      if (etag) await this.table.updateEntity(entity, 'Replace', { etag });
      else await this.table.createEntity(entity);
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412) return false;
      throw error;
    }
  }
}
