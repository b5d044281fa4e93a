/**
 * The notification ledger: one row per released message copy (NetworkMessageId + released-to
 * address) saying whether its sender has been told. It is what makes a retried or duplicated job
 * send no second email; the queue alone cannot, because it delivers at least once.
 *
 * A row is `claimed` by one delivery of a job (one queue message) before the email goes out and
 * `sent` after Graph accepted it. The claim decision is the plain function `decideClaim`
 * (notify/claim.ts); this adapter only reads and writes rows.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { statusOf } from '../log/errors';
import { decideClaim } from '../notify/claim';
import type { ClaimOwner, ClaimResult, LedgerEntry, LedgerKey, NotificationLedger } from '../notify/ports';
import { deleteRows, tableKey } from './tables';

/** Addresses and ids compare case-insensitively: lower-cased, then made key-safe (addresses may hold / # ?). */
export function keySafe(value: string): string {
  return tableKey(value.toLowerCase());
}

export function entityKeys(key: LedgerKey): { partitionKey: string; rowKey: string } {
  return { partitionKey: keySafe(key.networkMessageId), rowKey: keySafe(key.releasedTo) };
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
