/**
 * The notification ledger: one row per released message copy (NetworkMessageId + released-to
 * address) saying whether its sender has been told. It is what makes a retried or duplicated job
 * send no second email; the queue alone cannot, because it delivers at least once.
 *
 * A row is `claimed` by one delivery of a job (one queue message) before the email goes out and
 * `sent` after Graph accepted it. The claim decision is the plain function `decideClaim`; the
 * table adapter only reads and writes rows.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { ReleasedMessageFacts } from '../domain/types';
import { deleteRows, statusOf, tableKey } from '../store/tables';

/** Which release a row is about: the same pair ledgerKey() (jobs.ts) is built from. */
export type LedgerKey = Pick<ReleasedMessageFacts, 'networkMessageId' | 'releasedTo'>;

/**
 * Who holds a claim: the job, and the delivery of it (the queue message id). A retry of the same
 * queue message is the same delivery and finds its claim again; a duplicate message carrying the
 * same job is another delivery, so two copies in flight at once cannot both send.
 */
export interface ClaimOwner {
  jobId: string;
  deliveryId: string;
}

/** A row as the decision sees it. */
export interface LedgerEntry {
  status: 'claimed' | 'sent' | 'unknown';
  jobId: string;
  deliveryId: string;
  claimedAt: Date | undefined;
  sentAt: Date | undefined;
  /** Recorded by a dry run: nobody was mailed, but a later real run must not mail it either. */
  dryRun: boolean;
}

export type ClaimResult =
  /** Ours to send: a fresh claim, our own earlier claim (a retry), or a stale one taken over. */
  | { kind: 'claimed'; etag: string; takenOverFrom: LedgerEntry | undefined }
  | { kind: 'alreadyTold'; entry: LedgerEntry }
  | { kind: 'ownedElsewhere'; entry: LedgerEntry };

export interface NotificationLedger {
  claim(key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult>;
  /** Records the release as told. `etag` is the one claim() returned. */
  markSent(key: LedgerKey, owner: ClaimOwner, etag: string, options?: { dryRun?: boolean }): Promise<void>;
}

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

/** Addresses and ids compare case-insensitively: lower-cased, then made key-safe (addresses may hold / # ?). */
export function keySafe(value: string): string {
  return tableKey(value.toLowerCase());
}

export function entityKeys(key: LedgerKey): { partitionKey: string; rowKey: string } {
  return { partitionKey: keySafe(key.networkMessageId), rowKey: keySafe(key.releasedTo) };
}

/** Before this, rows may be deleted. */
export function ledgerRetentionCutoff(now: Date): Date {
  return new Date(now.getTime() - LEDGER_RETENTION_DAYS * 86_400_000);
}

// A type alias, not an interface: the tables SDK wants an index-signature-compatible record.
type LedgerRow = {
  partitionKey: string;
  rowKey: string;
  Status: 'claimed' | 'sent';
  JobId: string;
  DeliveryId: string;
  ClaimedAt: Date;
  SentAt?: Date;
  DryRun: boolean;
  /** The address as given, for an admin browsing the table (the RowKey is encoded). */
  ReleasedTo: string;
};

function toEntry(row: Record<string, unknown>): LedgerEntry {
  const status = row.Status === 'claimed' || row.Status === 'sent' ? row.Status : 'unknown';
  return {
    status,
    jobId: typeof row.JobId === 'string' ? row.JobId : '',
    deliveryId: typeof row.DeliveryId === 'string' ? row.DeliveryId : '',
    claimedAt: asDate(row.ClaimedAt),
    sentAt: asDate(row.SentAt),
    dryRun: row.DryRun === true,
  };
}

function asDate(value: unknown): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** Rounds of read-and-decide before giving up: each lost round means another writer made progress. */
const MAX_CLAIM_ROUNDS = 5;

export class LedgerConflictError extends Error {
  constructor(key: LedgerKey) {
    super(`The ledger row for ${key.networkMessageId} / ${key.releasedTo} kept changing under this job; the queue will retry it.`);
    this.name = 'LedgerConflictError';
  }
}

export class TableNotificationLedger implements NotificationLedger {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async claim(key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult> {
    const keys = entityKeys(key);
    const row = (): LedgerRow => ({
      ...keys,
      Status: 'claimed',
      JobId: owner.jobId,
      DeliveryId: owner.deliveryId,
      ClaimedAt: this.now(),
      DryRun: false,
      ReleasedTo: key.releasedTo.slice(0, 1000),
    });
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      try {
        const created = await this.table.createEntity(row());
        return { kind: 'claimed', etag: created.etag ?? '', takenOverFrom: undefined };
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      let current;
      try {
        current = await this.table.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey);
      } catch (error) {
        if (statusOf(error) === 404) continue; // deleted (purged) in between: try to create again
        throw error;
      }
      const entry = toEntry(current);
      const decision = decideClaim(entry, owner, this.now());
      if (decision.kind === 'alreadyTold') return { kind: 'alreadyTold', entry };
      if (decision.kind === 'ownedElsewhere') return { kind: 'ownedElsewhere', entry };
      if (decision.kind === 'ours') return { kind: 'claimed', etag: current.etag, takenOverFrom: undefined };
      try {
        const updated = await this.table.updateEntity(row(), 'Replace', { etag: current.etag });
        return { kind: 'claimed', etag: updated.etag ?? '', takenOverFrom: entry };
      } catch (error) {
        if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
        // Someone else took it over first: read again and decide again.
      }
    }
    throw new LedgerConflictError(key);
  }

  async markSent(key: LedgerKey, owner: ClaimOwner, etag: string, options: { dryRun?: boolean } = {}): Promise<void> {
    const keys = entityKeys(key);
    const row: LedgerRow = {
      ...keys,
      Status: 'sent',
      JobId: owner.jobId,
      DeliveryId: owner.deliveryId,
      ClaimedAt: this.now(),
      SentAt: this.now(),
      DryRun: options.dryRun === true,
      ReleasedTo: key.releasedTo.slice(0, 1000),
    };
    try {
      await this.table.updateEntity(row, 'Replace', { etag });
    } catch (error) {
      if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
      // Our claim went stale and someone took it over. The email has gone out, so record it anyway,
      // unless the other holder already did: that stops it from mailing a second time if it has not yet.
      const current = await this.table.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey).catch((e: unknown) => {
        if (statusOf(e) === 404) return undefined;
        throw e;
      });
      if (current && toEntry(current).status === 'sent') return;
      if (current) await this.table.updateEntity(row, 'Replace', { etag: current.etag });
      else await this.table.createEntity(row);
    }
  }

  /** Deletes rows last written before `cutoff`; returns how many. Detection's daily housekeeping runs it. */
  async purge(cutoff: Date): Promise<number> {
    return deleteRows(this.table, odata`Timestamp lt ${cutoff}`);
  }

}
