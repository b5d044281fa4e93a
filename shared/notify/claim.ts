/**
 * The claim decision of the notification ledger (pure): when a delivery may send about a release
 * whose row already exists. The ledger makes a retried or duplicated job send no second email;
 * the queue alone cannot, because it delivers at least once.
 */
import type { ClaimOwner, LedgerEntry, SentLookup } from './ports';

/**
 * A claim older than this is abandoned (its holder crashed or gave up). It must outlast one
 * attempt: pacing waits at most 3 minutes and the Graph call at most 4 (retries, then its abort
 * timeout), within the Functions timeout of 10 minutes (host.json), so a live holder keeps its claim.
 */
export const CLAIM_STALE_MS = 10 * 60_000;

/**
 * Rows are kept 30 days: far longer than a job can exist (queue messages live 7 days, audit records
 * can be fetched for 7), so a purged row can no longer be asked about.
 */
export const LEDGER_RETENTION_DAYS = 30;

export type ClaimDecision =
  | { kind: 'alreadyTold' }
  | { kind: 'ours' }
  | { kind: 'ownedElsewhere' }
  | { kind: 'takeOver' }
  /** A send may have gone out (under entry.marker): Sent Items decides. */
  | { kind: 'inDoubt' };

/** What to do when a row for the item already exists. */
export function decideClaim(
  existing: LedgerEntry,
  owner: ClaimOwner,
  now: Date,
  staleAfterMs: number = CLAIM_STALE_MS,
): ClaimDecision {
  if (existing.status === 'sent') return { kind: 'alreadyTold' };
  const mine = existing.jobId === owner.jobId && existing.deliveryId === owner.deliveryId;
  if (existing.status === 'claimed' && mine) return { kind: 'ours' };
  if (existing.status === 'unknown' || existing.status === 'sending') {
    // The send may or may not have happened: only Sent Items can say. Even another delivery's fresh
    // `sending` row is in doubt, not left alone: its holder may have failed and scheduled the job
    // again as a new delivery, and then nobody else would ever come back for it (the soak lost
    // releases that way). Looking is harmless; a resend waits until the holder's call must have
    // ended (decideReconcile).
    if (existing.marker) return { kind: 'inDoubt' };
    const since = existing.attemptAt ?? existing.claimedAt;
    const age = since ? now.getTime() - since.getTime() : Number.POSITIVE_INFINITY;
    if (existing.status === 'sending' && !mine && age < staleAfterMs) return { kind: 'ownedElsewhere' };
    return { kind: 'takeOver' };
  }
  // A row without a readable claim time (or of an unknown status) cannot prove anyone is working on it.
  const age = existing.claimedAt ? now.getTime() - existing.claimedAt.getTime() : Number.POSITIVE_INFINITY;
  if (existing.status === 'claimed' && age < staleAfterMs) return { kind: 'ownedElsewhere' };
  return { kind: 'takeOver' };
}

/**
 * When Sent Items can be trusted to show a send. Its copy appears seconds to minutes after Graph
 * accepted the mail (10 s observed; undocumented). The attempt time is taken before the Graph call,
 * and one call may ride out 429s for up to GRAPH_RETRY_BUDGET_MS (150 s) plus its timeout before the
 * mail is accepted, so the mail may have been accepted up to about 4 minutes after `attemptAt`.
 * Not finding it 20 minutes after the attempt leaves 16 minutes for the copy to appear.
 */
export const SENT_ITEMS_SETTLE_MS = 20 * 60_000;
/** Looks in between, so a send that did go out is confirmed early: 2, 5 and 10 minutes after the attempt. */
export const SENT_ITEMS_CHECKS_MS = [2 * 60_000, 5 * 60_000, 10 * 60_000, SENT_ITEMS_SETTLE_MS] as const;

export type ReconcileDecision =
  /** The earlier send went out: record it as told, send nothing. */
  | { kind: 'told' }
  /** It did not go out (or cannot be checked: at-least-once): send again. */
  | { kind: 'resend'; atLeastOnce: boolean }
  /** Too early to tell: look again at `at`. */
  | { kind: 'wait'; at: Date };

/**
 * What an in-doubt item's Sent Items lookup means, `attemptAt` being when the earlier send started.
 * `holderMayBeLive`: the row is another delivery's `sending`, whose worker may still be inside its
 * Graph call until the claim is stale (the Functions timeout); without Sent Items, a resend before
 * then would race it.
 */
export function decideReconcile({
  lookup,
  attemptAt,
  now,
  holderMayBeLive = false,
}: {
  lookup: SentLookup;
  attemptAt: Date | undefined;
  now: Date;
  holderMayBeLive?: boolean;
}): ReconcileDecision {
  if (lookup === 'found') return { kind: 'told' };
  const elapsed = attemptAt ? now.getTime() - attemptAt.getTime() : Number.POSITIVE_INFINITY;
  if (lookup === 'cannotRead') {
    if (holderMayBeLive && elapsed < CLAIM_STALE_MS)
      return { kind: 'wait', at: new Date((attemptAt as Date).getTime() + CLAIM_STALE_MS) };
    return { kind: 'resend', atLeastOnce: true };
  }
  if (elapsed >= SENT_ITEMS_SETTLE_MS) return { kind: 'resend', atLeastOnce: false };
  const next = SENT_ITEMS_CHECKS_MS.find((at) => at > elapsed) ?? SENT_ITEMS_SETTLE_MS;
  return { kind: 'wait', at: new Date((attemptAt as Date).getTime() + next) };
}

/** Before this, rows may be deleted. */
export function ledgerRetentionCutoff(now: Date): Date {
  return new Date(now.getTime() - LEDGER_RETENTION_DAYS * 86_400_000);
}
