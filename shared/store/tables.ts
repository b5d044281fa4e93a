import { createHash } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { StorageSettings } from '../config/settings';

export const TABLES = {
  snapshot: 'QuarantineSnapshot',
  state: 'NotifierState',
  releases: 'ReleaseEvents',
  ledger: 'NotificationLedger',
  origins: 'MessageOrigins',
} as const;

export const QUEUE_NAME = 'release-notifications';

// Per process, not per client: every queue invocation builds a fresh Runtime, and each table or queue
// client would otherwise sign in to storage again.
const credentials = new Map<string, TokenCredential>();

function storageCredential(settings: Extract<StorageSettings, { kind: 'identity' }>): TokenCredential {
  const key = settings.clientId ?? '';
  let credential = credentials.get(key);
  if (!credential) {
    credential = settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new DefaultAzureCredential();
    credentials.set(key, credential);
  }
  return credential;
}

/** Builds clients for the app's storage account, by connection string (Azurite, keys) or identity. */
export class StorageAccount {
  private readonly created = new Map<string, Promise<void>>();

  constructor(private readonly settings: StorageSettings) {}

  table(name: string): TableClient {
    const s = this.settings;
    if (s.kind === 'connectionString') {
      // http is only ever Azurite on this machine or a developer's; Azure itself is https.
      return TableClient.fromConnectionString(s.connectionString, name, { allowInsecureConnection: true });
    }
    return new TableClient(s.tableUrl, name, storageCredential(s));
  }

  queue(name: string): QueueClient {
    const s = this.settings;
    if (s.kind === 'connectionString') return new QueueClient(s.connectionString, name);
    if (!s.queueUrl) throw new Error('Setting AzureWebJobsStorage__queueServiceUri (or __accountName) is missing: the notification queue cannot be reached.');
    return new QueueClient(`${s.queueUrl}/${name}`, storageCredential(s));
  }

  /** A table client whose table exists; created once per process. */
  async readyTable(name: string): Promise<TableClient> {
    const client = this.table(name);
    let creating = this.created.get(name);
    if (!creating) {
      creating = client.createTable().catch((error: unknown) => {
        this.created.delete(name);
        throw error;
      });
      this.created.set(name, creating);
    }
    await creating;
    return client;
  }
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** RowKeys may not hold / \ # ? or control characters; `%` is encoded too, so the encoding stays reversible. */
const KEY_UNSAFE = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;
/** Keys may be 1 KiB; longer ones are cut and made unique with a hash (they cannot collide with uncut ones). */
const MAX_KEY_CHARS = 255;

/** Makes outside input (addresses, record and content ids) usable as a PartitionKey or RowKey. */
export function tableKey(value: string): string {
  const encoded = value.replace(KEY_UNSAFE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (encoded.length <= MAX_KEY_CHARS) return encoded;
  const hash = createHash('sha256').update(encoded).digest('hex');
  return `${encoded.slice(0, 190)}~${hash}`;
}

/** Deletes every row the filter selects, 16 at a time; returns how many it deleted (rows already gone do not count). */
export async function deleteRows(table: TableClient, filter: string): Promise<number> {
  const rows: Array<{ partitionKey: string; rowKey: string }> = [];
  for await (const row of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
    if (row.partitionKey !== undefined && row.rowKey !== undefined) rows.push({ partitionKey: row.partitionKey, rowKey: row.rowKey });
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

/** Runs `work` over items with at most `limit` in flight. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  });
  await Promise.all(workers);
}
