import type { TableClient } from '@azure/data-tables';
import { statusOf } from '../log/errors';
import type { PaceState, PaceStore } from '../notify/ports';
import { keySafe } from './notificationLedger';

const PACE_PARTITION = 'pace';

/** The schedule as one row per mailbox in NotifierState: ETag-conditional writes keep slots distinct. */
export class TablePaceStore implements PaceStore {
  constructor(private readonly table: TableClient) {}

  async read(mailbox: string): Promise<{ state: PaceState | undefined; etag: string | undefined }> {
    try {
      const row = await this.table.getEntity<Record<string, unknown>>(PACE_PARTITION, keySafe(mailbox));
      const next = row.NextFreeAt instanceof Date ? row.NextFreeAt.getTime() : Number.NaN;
      // An unreadable row counts as no schedule: it is overwritten under its ETag.
      return { state: Number.isFinite(next) ? { nextFreeAt: next } : undefined, etag: row.etag };
    } catch (error) {
      if (statusOf(error) === 404) return { state: undefined, etag: undefined };
      throw error;
    }
  }

  async write(mailbox: string, state: PaceState, etag: string | undefined): Promise<boolean> {
    const entity = { partitionKey: PACE_PARTITION, rowKey: keySafe(mailbox), NextFreeAt: new Date(state.nextFreeAt) };
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
