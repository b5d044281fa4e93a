/**
 * The claim decision of the notification ledger (pure): when a delivery may send about a release
 * whose row already exists. The ledger makes a retried or duplicated job send no second email;
 * the queue alone cannot, because it delivers at least once.
 */
import type { ClaimOwner, LedgerEntry } from './ports';

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
  | { kind: 'takeOver' };

/** What to do when a row for the release already exists. */
export function decideClaim(existing: LedgerEntry, owner: ClaimOwner, now: Date, staleAfterMs: number = CLAIM_STALE_MS): ClaimDecision {
  if (existing.status === 'sent') return { kind: 'alreadyTold' };
  if (existing.status === 'claimed' && existing.jobId === owner.jobId && existing.deliveryId === owner.deliveryId) return { kind: 'ours' };
  // A row without a readable claim time (or of an unknown status) cannot prove anyone is working on it.
  const age = existing.claimedAt ? now.getTime() - existing.claimedAt.getTime() : Number.POSITIVE_INFINITY;
  if (existing.status === 'claimed' && age < staleAfterMs) return { kind: 'ownedElsewhere' };
  return { kind: 'takeOver' };
}

/** Before this, rows may be deleted. */
export function ledgerRetentionCutoff(now: Date): Date {
  return new Date(now.getTime() - LEDGER_RETENTION_DAYS * 86_400_000);
}
