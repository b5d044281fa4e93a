import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { StorageSettings } from '../config/settings';

export const TABLES = {
  snapshot: 'QuarantineSnapshot',
  state: 'NotifierState',
  releases: 'ReleaseEvents',
  ledger: 'NotificationLedger',
} as const;

export const QUEUE_NAME = 'release-notifications';

function storageCredential(settings: Extract<StorageSettings, { kind: 'identity' }>): TokenCredential {
  return settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new DefaultAzureCredential();
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
