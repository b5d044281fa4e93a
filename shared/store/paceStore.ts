import type { TableClient } from '@azure/data-tables';
import { statusOf } from '../log/errors';
import type { DailyCap, PaceState, PaceStore } from '../notify/ports';
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

const CAP_PARTITION = 'daycap';

/**
 * NOTIFY_MAX_PER_DAY as one counter of recipients per mailbox and UTC day in NotifierState, incremented
 * under its ETag so every instance shares it (Exchange's limit counts recipients, not emails). Exchange blocks a mailbox past 10,000 recipients a day; what the
 * cap holds back is sent the next day, never dropped.
 */
export class TableDailyCap implements DailyCap {
  constructor(
    private readonly table: TableClient,
    private readonly maxPerDay: number,
  ) {}

  async take(mailbox: string, recipients: number, now: Date): Promise<{ ok: true } | { ok: false; retryAt: Date }> {
    const day = now.toISOString().slice(0, 10);
    const rowKey = keySafe(`${mailbox}|${day}`);
    const tomorrow = new Date(`${day}T00:00:00Z`);
    tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
    for (let round = 0; round < 10; round++) {
      let count = 0;
      let etag: string | undefined;
      try {
        const row = await this.table.getEntity<Record<string, unknown>>(CAP_PARTITION, rowKey);
        count = typeof row.Count === 'number' ? row.Count : 0;
        etag = row.etag;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
      // One email with more recipients than the whole day's budget goes on a fresh day, or never would.
      if (count + recipients > this.maxPerDay && count > 0) {
        // Spread tomorrow's first sends over the first minutes instead of all at midnight.
        return { ok: false, retryAt: new Date(tomorrow.getTime() + Math.floor(Math.random() * 10 * 60_000)) };
      }
      const entity = { partitionKey: CAP_PARTITION, rowKey, Count: count + recipients, Mailbox: mailbox, Day: day };
      try {
        if (etag) await this.table.updateEntity(entity, 'Replace', { etag });
        else await this.table.createEntity(entity);
        return { ok: true };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412) throw error;
      }
    }
    throw new Error(`The daily cap counter of ${mailbox} kept changing under this send; the queue will retry it.`);
  }
}
