import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { ReleaseEvent } from '../domain/types';
import type { AddManyResult, ReleaseStatus, ReleaseStore, StoredRelease } from '../detect/ports';
import { messageOf, statusOf } from '../log/errors';
import { isRefusedWrite, splitBySize } from './quarantineSnapshotStore';
import { deleteRows, forEachLimited, tableKey } from './tables';
import { isNoticeEvent } from '../domain/events';

const RELEASE = 'release';
const BLOB = 'blob';

type ReleaseEntity = {
  partitionKey: string;
  rowKey: string;
  /** The record Id as the feed gave it: the RowKey is its escaped (or cut and hashed) form. */
  RecordId: string;
  NetworkMessageId: string;
  ReleasedTo: string;
  ReleasedBy: string;
  System: boolean;
  RequestSource?: number;
  /** 'listing' for a release the quarantine listing showed; absent for an audit record. */
  Source?: string;
  /** [story] 'held', 'deleted' or 'expired' for an event that is no release; absent for a release. */
  Event?: string;
  ReleasedAt: Date;
  Status: ReleaseStatus;
  Reason: string;
  FirstSeenAt: Date;
  UpdatedAt: Date;
};

/** Transactions of one partition in flight at once while ingesting. */
const ADD_CONCURRENCY = 4;

function toEntity(release: ReleaseEvent, now: Date): ReleaseEntity {
  return {
    partitionKey: RELEASE,
    rowKey: tableKey(release.recordId),
    RecordId: release.recordId,
    NetworkMessageId: release.networkMessageId,
    ReleasedTo: release.releasedTo,
    ReleasedBy: release.releasedBy ?? '',
    System: release.releasedBy === undefined,
    ...(release.requestSource !== undefined ? { RequestSource: release.requestSource } : {}),
    ...(release.source === 'listing' ? { Source: 'listing' } : {}),
    ...(release.event ? { Event: release.event } : {}),
    ReleasedAt: release.releasedAt,
    Status: 'pending',
    Reason: '',
    FirstSeenAt: now,
    UpdatedAt: now,
  };
}

export class TableReleaseStore implements ReleaseStore {
  constructor(private readonly table: TableClient) {}

  async addIfNew(release: ReleaseEvent, now: Date): Promise<boolean> {
    try {
      await this.table.createEntity(toEntity(release, now));
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  /**
   * Stores many releases with createEntity semantics, up to 100 to a transaction (one partition,
   * within the byte budget). A transaction holding a record seen before fails whole (409) and is
   * retried row by row, so new and duplicate are counted exactly; a row Table Storage refuses on
   * its own (400/413) is returned with its reason and the others are stored.
   */
  async addMany(releases: readonly ReleaseEvent[], now: Date): Promise<AddManyResult> {
    const result: AddManyResult = { added: 0, duplicates: 0, rejected: [] };
    // A transaction may not touch one entity twice: a record repeated within the input is a duplicate.
    const unique = new Map<string, ReleaseEntity>();
    for (const release of releases) {
      const entity = toEntity(release, now);
      if (unique.has(entity.rowKey)) result.duplicates++;
      else unique.set(entity.rowKey, entity);
    }
    await forEachLimited(splitBySize([...unique.values()]), ADD_CONCURRENCY, async (chunk) => {
      if (chunk.length > 1) {
        try {
          await this.table.submitTransaction(chunk.map((entity): TransactionAction => ['create', entity]));
          result.added += chunk.length;
          return;
        } catch (error) {
          if (statusOf(error) !== 409 && !isRefusedWrite(error)) throw error;
        }
      }
      for (const entity of chunk) {
        try {
          await this.table.createEntity(entity);
          result.added++;
        } catch (error) {
          if (statusOf(error) === 409) result.duplicates++;
          else if (isRefusedWrite(error))
            result.rejected.push({
              recordId: entity.RecordId,
              reason: `refused by Table Storage (${statusOf(error)})`,
              detail: messageOf(error).slice(0, 300),
            });
          else throw error;
        }
      }
    });
    return result;
  }

  async pending(): Promise<StoredRelease[]> {
    return this.list(odata`PartitionKey eq ${RELEASE} and Status eq ${'pending'}`);
  }

  async releasedBy(account: string, from: Date, to: Date): Promise<StoredRelease[]> {
    const found = await this.list(
      odata`PartitionKey eq ${RELEASE} and ReleasedBy eq ${account} and ReleasedAt ge ${from} and ReleasedAt le ${to}`,
    );
    // [story] A deletion by the same account is no release: the burst rule counts releases only.
    return found.filter((r) => !r.event);
  }

  /** [story] Every stored release and event of one message, whatever its status: `npm run told` names their sources. */
  async ofMessage(networkMessageId: string): Promise<StoredRelease[]> {
    return this.list(odata`PartitionKey eq ${RELEASE} and NetworkMessageId eq ${networkMessageId.toLowerCase()}`);
  }

  private async list(filter: string): Promise<StoredRelease[]> {
    const found: StoredRelease[] = [];
    for await (const e of this.table.listEntities<ReleaseEntity>({ queryOptions: { filter } })) {
      found.push({
        recordId: typeof e.RecordId === 'string' && e.RecordId !== '' ? e.RecordId : (e.rowKey ?? ''),
        networkMessageId: e.NetworkMessageId,
        releasedTo: e.ReleasedTo,
        releasedBy: e.System ? undefined : e.ReleasedBy,
        requestSource: typeof e.RequestSource === 'number' ? e.RequestSource : undefined,
        ...(e.Source === 'listing' ? { source: 'listing' as const } : {}),
        ...(isNoticeEvent(e.Event) ? { event: e.Event } : {}),
        releasedAt: new Date(e.ReleasedAt),
        status: e.Status,
        reason: e.Reason,
      });
    }
    return found;
  }

  async settle(recordId: string, status: Exclude<ReleaseStatus, 'pending'>, reason: string, now: Date): Promise<void> {
    await this.table.updateEntity(
      { partitionKey: RELEASE, rowKey: tableKey(recordId), Status: status, Reason: reason, UpdatedAt: now },
      'Merge',
    );
  }

  /** Settles many releases, 100 to a transaction (one partition); a batch that fails whole is retried one by one. */
  async settleMany(recordIds: readonly string[], status: Exclude<ReleaseStatus, 'pending'>, now: Date): Promise<void> {
    const ids = [...new Set(recordIds)];
    const parts: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) parts.push(ids.slice(i, i + 100));
    // A mass release settles 100,000 records: transactions (of distinct rows) go 4 at a time.
    await forEachLimited(parts, ADD_CONCURRENCY, async (part) => {
      const actions: TransactionAction[] = part.map((id) => [
        'update',
        { partitionKey: RELEASE, rowKey: tableKey(id), Status: status, Reason: '', UpdatedAt: now },
        'Merge',
      ]);
      try {
        await this.table.submitTransaction(actions);
      } catch {
        // One missing row (purged meanwhile) fails the whole transaction: settle the rest singly.
        await forEachLimited(part, 8, (id) =>
          this.settle(id, status, '', now).catch((e: unknown) => {
            if (statusOf(e) !== 404) throw e;
          }),
        );
      }
    });
  }

  async isBlobDone(contentId: string): Promise<boolean> {
    try {
      await this.table.getEntity(BLOB, tableKey(contentId), { queryOptions: { select: ['RowKey'] } });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async markBlobDone(contentId: string, contentCreated: string, now: Date): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey: BLOB, rowKey: tableKey(contentId), ContentCreated: contentCreated, DoneAt: now },
      'Replace',
    );
  }

  async purge(before: Date): Promise<number> {
    const blobs = await deleteRows(this.table, odata`PartitionKey eq ${BLOB} and DoneAt lt ${before}`);
    // Pending releases are kept until decided, however old: dropping them would lose a notice.
    const releases = await deleteRows(
      this.table,
      odata`PartitionKey eq ${RELEASE} and Status ne ${'pending'} and UpdatedAt lt ${before} and ReleasedAt lt ${before}`,
    );
    return blobs + releases;
  }
}
