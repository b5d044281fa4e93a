import { createHash } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import type { StorageSettings } from '../config/settings';
import { statusOf } from '../log/errors';
import { forEachLimited } from '../util/forEachLimited';
import { cutText } from '../text/clean';

export const TABLES = {
  snapshot: 'QuarantineSnapshot',
  state: 'NotifierState',
  releases: 'ReleaseEvents',
  ledger: 'NotificationLedger',
  origins: 'MessageOrigins',
} as const;

/**
 * The app's tables, by connection string (Azurite, keys) or identity. One per process: each table
 * is created (if missing) once, on first use.
 */
export class StorageTables {
  private readonly ready = new Map<string, Promise<TableClient>>();

  constructor(
    private readonly settings: StorageSettings,
    private readonly credential: () => TokenCredential,
    /** Put before every table name: a customer tenant's tables (tenants/tenantSettings.ts tablePrefixFor). */
    readonly prefix = '',
  ) {}

  table(name: string): TableClient {
    const s = this.settings;
    const full = `${this.prefix}${name}`;
    if (s.kind === 'connectionString') {
      // http is only ever Azurite on this machine or a developer's; Azure itself is https.
      return TableClient.fromConnectionString(s.connectionString, full, { allowInsecureConnection: true });
    }
    return new TableClient(s.tableUrl, full, this.credential());
  }

  /** The client of a table that exists: created (if missing) and its client built once per process. */
  readyTable(name: string): Promise<TableClient> {
    let ready = this.ready.get(name);
    if (!ready) {
      const client = this.table(name);
      ready = client.createTable().then(() => selfHealing(client));
      ready.catch(() => this.ready.delete(name));
      this.ready.set(name, ready);
    }
    return ready;
  }
}

function isTableNotFound(error: unknown): boolean {
  const code = (error as { details?: { odataError?: { code?: unknown } } } | undefined)?.details?.odataError?.code;
  return (
    statusOf(error) === 404 &&
    (code === 'TableNotFound' || String((error as Error | undefined)?.message).includes('TableNotFound'))
  );
}

/**
 * A client that recreates its table when it is gone: the process keeps its clients for hours, and
 * an admin may delete a table (to reset state) meanwhile. A call that meets TableNotFound creates the
 * table and runs once more; a listing of a missing table is empty.
 */
function selfHealing(client: TableClient): TableClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'createTable') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (property === 'listEntities') {
        return (...args: unknown[]) => healingList(target, () => method.apply(target, args) as AsyncIterable<unknown>);
      }
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } catch (error) {
          if (!isTableNotFound(error)) throw error;
          await target.createTable();
          return method.apply(target, args);
        }
      };
    },
  });
}

async function* healingList(client: TableClient, list: () => AsyncIterable<unknown>): AsyncGenerator<unknown> {
  try {
    yield* list();
  } catch (error) {
    if (!isTableNotFound(error)) throw error;
    await client.createTable();
  }
}

/**
 * RowKeys may not hold / \\ # ? or control characters. `%` is encoded so the encoding stays
 * reversible, and `~` so that no encoded value holds one: the `~` of a cut key `prefix~hash` then
 * only ever comes from cutting, and a cut key can never equal another value's key.
 */
const KEY_UNSAFE = /[%~/\\#?\u0000-\u001f\u007f-\u009f]/g;
/** Surrogate halves without their other half: not encodable as UTF-8 (the SDK's URL encoding throws URIError). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Keys may be 1 KiB; longer ones are cut and made unique with a hash of the whole encoded value. */
const MAX_KEY_CHARS = 255;
const KEY_PREFIX_CHARS = 190;

/** Makes outside input (addresses, record and content ids) usable as a PartitionKey or RowKey. */
export function tableKey(value: string): string {
  // A lone surrogate becomes %uD800 (u is not a hex digit, so no other escape reads the same).
  const encoded = value
    .replace(KEY_UNSAFE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
    .replace(LONE_SURROGATE, (c) => `%u${c.charCodeAt(0).toString(16).toUpperCase()}`);
  if (encoded.length <= MAX_KEY_CHARS) return encoded;
  const hash = createHash('sha256').update(encoded).digest('hex');
  return `${cutText(encoded, KEY_PREFIX_CHARS)}~${hash}`;
}

/** Deletes every row the filter selects, 16 at a time; returns how many it deleted (rows already gone do not count). */
export async function deleteRows(table: TableClient, filter: string): Promise<number> {
  const rows: Array<{ partitionKey: string; rowKey: string }> = [];
  for await (const row of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
    if (row.partitionKey !== undefined && row.rowKey !== undefined)
      rows.push({ partitionKey: row.partitionKey, rowKey: row.rowKey });
  }
  let deleted = 0;
  await forEachLimited(rows, 16, async (row) => {
    try {
      await table.deleteEntity(row.partitionKey, row.rowKey);
      deleted++;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  });
  return deleted;
}

/** Moved to a neutral module so use cases need not import this adapter; re-exported for the adapters here. */
export { forEachLimited };
