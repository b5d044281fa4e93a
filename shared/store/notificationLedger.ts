/**
 * The notification ledger in Table Storage: one row per notification item (a released message copy:
 * NetworkMessageId + released-to address; or an alert, health or report item) saying whether it has
 * been told. What each state means, and when a delivery may move a row on, is decided in
 * notify/claim.ts and notify/deliver.ts; this adapter only reads and writes rows, every write
 * conditional on the row's ETag, so two deliveries can never both move the same row.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { Clock } from '../domain/clock';
import { statusOf } from '../log/errors';
import { decideClaim } from '../notify/claim';
import type {
  ClaimOwner,
  ClaimResult,
  LedgerEntry,
  LedgerKey,
  LedgerStatus,
  NotificationLedger,
  ToldBy,
} from '../notify/ports';
import { deleteRows, tableKey } from './tables';

/** Addresses and ids compare case-insensitively: lower-cased, then made key-safe (addresses may hold / # ?). */
export function keySafe(value: string): string {
  return tableKey(value.toLowerCase());
}

export function entityKeys(key: LedgerKey): { partitionKey: string; rowKey: string } {
  return { partitionKey: keySafe(key.scope), rowKey: keySafe(key.item) };
}

// A type alias, not an interface: the tables SDK wants an index-signature-compatible record.
type LedgerRow = {
  partitionKey: string;
  rowKey: string;
  Status: Exclude<LedgerStatus, 'invalid'>;
  JobId: string;
  DeliveryId: string;
  ClaimedAt: Date;
  AttemptAt?: Date;
  /** The marker the send carried (a single-value extended property): how Sent Items finds it again. */
  Marker?: string;
  SentAt?: Date;
  ToldBy?: ToldBy;
  DryRun: boolean;
  /** The item as given, for an admin browsing the table (the RowKey is encoded). */
  ReleasedTo: string;
};

const STATUSES: ReadonlySet<string> = new Set(['claimed', 'sending', 'unknown', 'sent']);
const TOLD_BY: ReadonlySet<string> = new Set(['accepted', 'sent-items', 'at-least-once', 'dry-run'] satisfies ToldBy[]);

function toEntry(row: Record<string, unknown>): LedgerEntry {
  const status = typeof row.Status === 'string' && STATUSES.has(row.Status) ? (row.Status as LedgerStatus) : 'invalid';
  return {
    status,
    jobId: typeof row.JobId === 'string' ? row.JobId : '',
    deliveryId: typeof row.DeliveryId === 'string' ? row.DeliveryId : '',
    claimedAt: asDate(row.ClaimedAt),
    attemptAt: asDate(row.AttemptAt),
    marker: typeof row.Marker === 'string' && row.Marker !== '' ? row.Marker : undefined,
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
    super(`The ledger row for ${key.scope} / ${key.item} kept changing under this job; the queue will retry it.`);
    this.name = 'LedgerConflictError';
  }
}

/** 412 (the row changed) and 404 (it was deleted) both mean: another writer moved this row on. */
function movedOn(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 404;
}

export class TableNotificationLedger implements NotificationLedger {
  constructor(
    private readonly table: TableClient,
    /** Stamps claims and attempts; the same clock deliver() judges them by. */
    private readonly clock: Clock,
  ) {}

  private row(
    key: LedgerKey,
    owner: ClaimOwner,
    status: LedgerRow['Status'],
    extra: Partial<LedgerRow> = {},
  ): LedgerRow {
    return {
      ...entityKeys(key),
      Status: status,
      JobId: owner.jobId,
      DeliveryId: owner.deliveryId,
      ClaimedAt: this.clock.now(),
      DryRun: false,
      ReleasedTo: key.item.slice(0, 1000),
      ...extra,
    };
  }

  async claim(key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult> {
    const keys = entityKeys(key);
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      try {
        const created = await this.table.createEntity(this.row(key, owner, 'claimed'));
        return { kind: 'claimed', etag: created.etag ?? '', takenOverFrom: undefined };
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      let current;
      try {
        current = await this.table.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey);
      } catch (error) {
        if (statusOf(error) === 404) continue; // deleted (given back or purged) in between: try to create again
        throw error;
      }
      const entry = toEntry(current);
      const decision = decideClaim(entry, owner, this.clock.now());
      if (decision.kind === 'alreadyTold') return { kind: 'alreadyTold', entry };
      if (decision.kind === 'ownedElsewhere') return { kind: 'ownedElsewhere', entry };
      if (decision.kind === 'inDoubt') return { kind: 'inDoubt', etag: current.etag, entry };
      if (decision.kind === 'ours') return { kind: 'claimed', etag: current.etag, takenOverFrom: undefined };
      try {
        const updated = await this.table.updateEntity(this.row(key, owner, 'claimed'), 'Replace', {
          etag: current.etag,
        });
        return { kind: 'claimed', etag: updated.etag ?? '', takenOverFrom: entry };
      } catch (error) {
        if (!movedOn(error)) throw error;
        // Someone else took it over first: read again and decide again.
      }
    }
    throw new LedgerConflictError(key);
  }

  private async replace(row: LedgerRow, etag: string): Promise<string | undefined> {
    try {
      const updated = await this.table.updateEntity(row, 'Replace', { etag });
      return updated.etag ?? '';
    } catch (error) {
      if (movedOn(error)) return undefined;
      throw error;
    }
  }

  takeOver(key: LedgerKey, owner: ClaimOwner, etag: string): Promise<string | undefined> {
    return this.replace(this.row(key, owner, 'claimed'), etag);
  }

  markSending(key: LedgerKey, owner: ClaimOwner, etag: string, marker: string): Promise<string | undefined> {
    return this.replace(this.row(key, owner, 'sending', { AttemptAt: this.clock.now(), Marker: marker }), etag);
  }

  markUnknown(
    key: LedgerKey,
    owner: ClaimOwner,
    etag: string,
    marker: string,
    attemptAt: Date,
  ): Promise<string | undefined> {
    return this.replace(this.row(key, owner, 'unknown', { AttemptAt: attemptAt, Marker: marker }), etag);
  }

  async markSent(key: LedgerKey, owner: ClaimOwner, etag: string, by: ToldBy, marker?: string): Promise<void> {
    const row = this.row(key, owner, 'sent', {
      SentAt: this.clock.now(),
      ToldBy: by,
      DryRun: by === 'dry-run',
      ...(marker ? { Marker: marker } : {}),
    });
    if ((await this.replace(row, etag)) !== undefined) return;
    // Our row was moved on by someone else. The email has gone out (or a dry run recorded it), so record
    // it anyway, unless it is recorded already: that stops the other holder from mailing a second time.
    const keys = entityKeys(key);
    const current = await this.table
      .getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey)
      .catch((e: unknown) => {
        if (statusOf(e) === 404) return undefined;
        throw e;
      });
    if (current && toEntry(current).status === 'sent') return;
    if (current) await this.table.updateEntity(row, 'Replace', { etag: current.etag });
    else await this.table.createEntity(row);
  }

  async release(key: LedgerKey, etag: string): Promise<boolean> {
    const keys = entityKeys(key);
    try {
      await this.table.deleteEntity(keys.partitionKey, keys.rowKey, { etag });
      return true;
    } catch (error) {
      if (movedOn(error)) return false;
      throw error;
    }
  }

  /** Deletes rows last written before `cutoff`; returns how many. Detection's daily housekeeping runs it. */
  async purge(cutoff: Date): Promise<number> {
    return deleteRows(this.table, odata`Timestamp lt ${cutoff}`);
  }

  /** Rows told since `since`, in table order (the caller sorts), for `npm run told`; `toldBy` says how each was told. */
  async *toldSince(
    since: Date,
  ): AsyncGenerator<{ scope: string; item: string; entry: LedgerEntry; toldBy: ToldBy | undefined }> {
    for await (const row of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`Status eq ${'sent'} and SentAt ge ${since}` },
    })) {
      const toldBy = typeof row.ToldBy === 'string' && TOLD_BY.has(row.ToldBy) ? (row.ToldBy as ToldBy) : undefined;
      yield {
        scope: String(row.partitionKey ?? ''),
        item: typeof row.ReleasedTo === 'string' ? row.ReleasedTo : String(row.rowKey ?? ''),
        entry: toEntry(row),
        toldBy,
      };
    }
  }
}
