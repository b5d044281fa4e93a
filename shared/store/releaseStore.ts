import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { ReleaseEvent } from '../domain/types';
import type { ReleaseStatus, ReleaseStore, StoredRelease } from '../detect/ports';
import { statusOf } from '../log/errors';
import { deleteRows, forEachLimited, tableKey } from './tables';

const RELEASE = 'release';
const BLOB = 'blob';

type ReleaseEntity = {
  partitionKey: string;
  rowKey: string;
  NetworkMessageId: string;
  ReleasedTo: string;
  ReleasedBy: string;
  System: boolean;
  RequestSource?: number;
  ReleasedAt: Date;
  Status: ReleaseStatus;
  Reason: string;
  FirstSeenAt: Date;
  UpdatedAt: Date;
};

export class TableReleaseStore implements ReleaseStore {
  constructor(private readonly table: TableClient) {}

  async addIfNew(release: ReleaseEvent, now: Date): Promise<boolean> {
    const entity: ReleaseEntity = {
      partitionKey: RELEASE,
      rowKey: tableKey(release.recordId),
      NetworkMessageId: release.networkMessageId,
      ReleasedTo: release.releasedTo,
      ReleasedBy: release.releasedBy ?? '',
      System: release.releasedBy === undefined,
      ...(release.requestSource !== undefined ? { RequestSource: release.requestSource } : {}),
      ReleasedAt: release.releasedAt,
      Status: 'pending',
      Reason: '',
      FirstSeenAt: now,
      UpdatedAt: now,
    };
    try {
      await this.table.createEntity(entity);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  async pending(): Promise<StoredRelease[]> {
    return this.list(odata`PartitionKey eq ${RELEASE} and Status eq ${'pending'}`);
  }

  async releasedBy(account: string, from: Date, to: Date): Promise<StoredRelease[]> {
    return this.list(odata`PartitionKey eq ${RELEASE} and ReleasedBy eq ${account} and ReleasedAt ge ${from} and ReleasedAt le ${to}`);
  }

  private async list(filter: string): Promise<StoredRelease[]> {
    const found: StoredRelease[] = [];
    for await (const e of this.table.listEntities<ReleaseEntity>({ queryOptions: { filter } })) {
      found.push({
        recordId: e.rowKey ?? '',
        networkMessageId: e.NetworkMessageId,
        releasedTo: e.ReleasedTo,
        releasedBy: e.System ? undefined : e.ReleasedBy,
        requestSource: typeof e.RequestSource === 'number' ? e.RequestSource : undefined,
        releasedAt: new Date(e.ReleasedAt),
        status: e.Status,
        reason: e.Reason,
      });
    }
    return found;
  }

  async settle(recordId: string, status: Exclude<ReleaseStatus, 'pending'>, reason: string, now: Date): Promise<void> {
    await this.table.updateEntity({ partitionKey: RELEASE, rowKey: tableKey(recordId), Status: status, Reason: reason, UpdatedAt: now }, 'Merge');
  }

  /** Settles many releases, 100 to a transaction (one partition); a batch that fails whole is retried one by one. */
  async settleMany(recordIds: readonly string[], status: Exclude<ReleaseStatus, 'pending'>, now: Date): Promise<void> {
    const ids = [...new Set(recordIds)];
    for (let i = 0; i < ids.length; i += 100) {
      const part = ids.slice(i, i + 100);
      const actions: TransactionAction[] = part.map((id) => ['update', { partitionKey: RELEASE, rowKey: tableKey(id), Status: status, Reason: '', UpdatedAt: now }, 'Merge']);
      try {
        await this.table.submitTransaction(actions);
      } catch {
        // One missing row (purged meanwhile) fails the whole transaction: settle the rest singly.
        await forEachLimited(part, 8, (id) => this.settle(id, status, '', now).catch((e: unknown) => {
          if (statusOf(e) !== 404) throw e;
        }));
      }
    }
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
    await this.table.upsertEntity({ partitionKey: BLOB, rowKey: tableKey(contentId), ContentCreated: contentCreated, DoneAt: now }, 'Replace');
  }

  async purge(before: Date): Promise<number> {
    const blobs = await deleteRows(this.table, odata`PartitionKey eq ${BLOB} and DoneAt lt ${before}`);
    // Pending releases are kept until decided, however old: dropping them would lose a notice.
    const releases = await deleteRows(this.table, odata`PartitionKey eq ${RELEASE} and Status ne ${'pending'} and UpdatedAt lt ${before} and ReleasedAt lt ${before}`);
    return blobs + releases;
  }

}
