import type { NotificationLedger } from '../ports';
import type { DeliveryOutcome, DeliveryRun, Held } from './types';

/** A job is never scheduled sooner than this: the queue's own retry delay. */
const MIN_DEFER_MS = 30_000;

/** Gives the claims back: the items are free for the next delivery. */
export async function giveBack<T>(ledger: NotificationLedger, held: ReadonlyArray<Held<T>>): Promise<void> {
  for (const h of held) await ledger.release(h.item.key, h.etag);
}

/** Schedules the whole job again for `at` (at the earliest `minMs` from now: the queue's retry delay unless said). */
export async function defer<T>(
  run: DeliveryRun<T>,
  at: Date,
  why: string,
  minMs: number = MIN_DEFER_MS,
): Promise<DeliveryOutcome> {
  const now = run.deps.clock.now();
  const delayMs = Math.max(minMs, at.getTime() - now.getTime());
  await run.deps.scheduler.later(run.delivery.jobText, delayMs);
  run.outcome.deferredUntil = new Date(now.getTime() + delayMs).toISOString();
  run.log.info(`scheduled again: ${why}`, { at: run.outcome.deferredUntil });
  return run.outcome;
}

export function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}
