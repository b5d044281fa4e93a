import { odata, type TableClient } from '@azure/data-tables';
import type { HeaderStatus, OriginSource, OriginVerdict } from '../detect/origin';
import type { MessageOriginStore, StoredOrigin } from '../detect/ports';
import { statusOf } from '../log/errors';
import { deleteRows, tableKey } from './tables';

const PARTITION = 'origin';
const VERDICTS: readonly OriginVerdict[] = ['internal', 'external'];
const SOURCES: readonly OriginSource[] = ['header', 'fallback'];
const STATUSES: readonly HeaderStatus[] = [
  'read',
  'undecided',
  'unparseable',
  'forbidden',
  'not-found',
  'failed',
  'not-tried',
];

type OriginEntity = {
  partitionKey: string;
  rowKey: string;
  Verdict: string;
  Source: string;
  Rule: string;
  Header: string;
  OwnNotice: boolean;
  ReadAt: Date;
};

export class TableMessageOriginStore implements MessageOriginStore {
  constructor(private readonly table: TableClient) {}

  async get(networkMessageId: string): Promise<StoredOrigin | undefined> {
    let e: OriginEntity;
    try {
      e = await this.table.getEntity<OriginEntity>(PARTITION, tableKey(networkMessageId.toLowerCase()));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const verdict = VERDICTS.find((v) => v === e.Verdict);
    const source = SOURCES.find((s) => s === e.Source);
    const header = STATUSES.find((s) => s === e.Header);
    const readAt = new Date(e.ReadAt);
    // A row this version cannot read is treated as absent: the header is read again.
    if (!verdict || !source || !header || Number.isNaN(readAt.getTime())) return undefined;
    return {
      verdict,
      source,
      header,
      rule: typeof e.Rule === 'string' ? e.Rule : '',
      ownNotice: e.OwnNotice === true,
      readAt,
    };
  }

  async put(networkMessageId: string, origin: StoredOrigin): Promise<void> {
    const entity: OriginEntity = {
      partitionKey: PARTITION,
      rowKey: tableKey(networkMessageId.toLowerCase()),
      Verdict: origin.verdict,
      Source: origin.source,
      Rule: origin.rule.slice(0, 200),
      Header: origin.header,
      OwnNotice: origin.ownNotice,
      ReadAt: origin.readAt,
    };
    await this.table.upsertEntity(entity, 'Replace');
  }

  purge(before: Date): Promise<number> {
    return deleteRows(this.table, odata`PartitionKey eq ${PARTITION} and ReadAt lt ${before}`);
  }
}
