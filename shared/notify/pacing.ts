/**
 * How fast the sender mailbox may send. Exchange Online accepts 30 messages a minute per mailbox
 * and Outlook serves 4 concurrent requests per app and mailbox, whatever instance they come from.
 *
 * - The per-minute pace is a schedule in Table Storage shared by every instance (and a command-line
 *   run beside it): each send reserves the next free instant, 60 s / NOTIFY_MAX_PER_MINUTE after the
 *   previous one (a generic cell-rate schedule with no burst). Unlike a per-minute counter, this holds
 *   the limit over any rolling minute: a counter lets twice the limit through around a minute boundary
 *   (the benchmark measured 40 sends in 21 s at a limit of 20). Waiting senders hold distinct slots,
 *   so they do not all wake and race at once.
 * - The concurrency limit is per process (a semaphore): instances do not share it, and Graph's own
 *   429 + Retry-After (ridden out by the mailer) covers the rest.
 */
import type { Logger } from '../log/logger';
import { RetryableError, realSleep, type Sleep } from '../http/retry';
import type { PaceState, PaceStore, SendPacer } from './ports';

const MINUTE_MS = 60_000;

/**
 * Slots are this much wider than 60 s / limit. Exactly spaced slots put limit + 1 sends at the two ends
 * of one minute, and a few milliseconds of network jitter then lands them inside it (the benchmark saw
 * 21 calls within 60 s at a limit of 20). 2% absorbs 1.2 s of jitter across a minute.
 */
export const PACE_MARGIN = 1.02;

/** When this send may go, and the schedule to store for the one after it. */
export function decidePace(
  current: PaceState | undefined,
  nowMs: number,
  maxPerMinute: number,
): { slotAt: number; next: PaceState } {
  const slotAt = Math.max(nowMs, current?.nextFreeAt ?? nowMs);
  return { slotAt, next: { nextFreeAt: slotAt + (MINUTE_MS / maxPerMinute) * PACE_MARGIN } };
}

/** The pace could not be met within this invocation: delivery puts the job back on the queue until about its slot. */
export class PaceTimeoutError extends RetryableError {
  constructor(
    mailbox: string,
    maxPerMinute: number,
    readonly waitMs: number,
    /** When to look again: the slot's time, spread so that jobs sent back together do not all return together. */
    readonly retryInMs: number = waitMs,
  ) {
    super(
      `The pace limit for ${mailbox} (NOTIFY_MAX_PER_MINUTE=${maxPerMinute}) would need a wait of ${Math.ceil(waitMs / 1000)} s, ` +
        'longer than one attempt may wait; the job waits in the queue instead.',
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

/** One semaphore per mailbox, for one pacer: the Runtime keeps one pacer per process. */
export function mailboxConcurrency(): (mailbox: string) => Semaphore {
  const semaphores = new Map<string, Semaphore>();
  return (mailbox) => {
    const key = mailbox.toLowerCase();
    let semaphore = semaphores.get(key);
    if (!semaphore) {
      semaphore = new Semaphore(GRAPH_CONCURRENCY_PER_MAILBOX);
      semaphores.set(key, semaphore);
    }
    return semaphore;
  };
}

export interface PacerOptions {
  maxPerMinute: number;
  /** Longest one invocation waits for its slot (default DEFAULT_MAX_PACE_WAIT_MS). */
  maxWaitMs?: number;
  concurrency?: (mailbox: string) => Semaphore;
  clock?: () => number;
  sleep?: Sleep;
  random?: () => number;
  log?: Logger;
}

/**
 * A send waits in its invocation for a slot this close at most (about one slot at 30 a minute). Waiting
 * holds one of the host's few queue slots (host.json batchSize), which every other mailbox and tenant
 * needs too: four sends of one bulk release waiting their turn would hold an instance's slots for as
 * long as that release lasts (a test measured it). A later slot sends the job back to the queue.
 */
export const DEFAULT_MAX_PACE_WAIT_MS = 2_500;

/** Jobs sent back for a later slot come back spread over this much beyond it, so the slots are taken in turn, not in a rush. */
export const PACE_RETRY_SPREAD_MS = 30_000;

export class MailboxPacer implements SendPacer {
  private readonly maxWaitMs: number;
  private readonly concurrency: (mailbox: string) => Semaphore;
  private readonly clock: () => number;
  private readonly sleep: Sleep;
  private readonly random: () => number;

  constructor(
    private readonly store: PaceStore,
    private readonly options: PacerOptions,
  ) {
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_PACE_WAIT_MS;
    this.concurrency = options.concurrency ?? mailboxConcurrency();
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async run<T>(mailbox: string, send: () => Promise<T>): Promise<T> {
    await this.takeSlot(mailbox);
    return this.concurrency(mailbox).use(send);
  }

  /** Reserves the mailbox's next free slot and waits for it; a slot beyond the bound goes back to the queue. */
  async takeSlot(mailbox: string): Promise<void> {
    const max = this.options.maxPerMinute;
    const deadline = this.clock() + this.maxWaitMs;
    for (;;) {
      const { state, etag } = await this.store.read(mailbox);
      const now = this.clock();
      const { slotAt, next } = decidePace(state, now, max);
      if (slotAt > deadline) {
        const wait = slotAt - now;
        throw new PaceTimeoutError(mailbox, max, wait, wait + Math.round(this.random() * PACE_RETRY_SPREAD_MS));
      }
      if (!(await this.store.write(mailbox, next, etag))) {
        // Another sender reserved first: read again after a moment, within the same deadline.
        await this.sleep(Math.round(this.random() * 50));
        continue;
      }
      if (slotAt > now) {
        if (slotAt - now >= 5000)
          this.options.log?.info(
            `pace: ${mailbox} sends at most ${max} a minute (NOTIFY_MAX_PER_MINUTE); waiting ${Math.ceil((slotAt - now) / 1000)} s`,
          );
        await this.sleep(slotAt - now);
      }
      return;
    }
  }
}
