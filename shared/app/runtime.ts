import { createCredential, tokenSource } from '../auth/credential';
import type { Settings } from '../config/settings';
import { ExchangeAdminClient } from '../exchange/exchangeClient';
import type { Logger } from '../log/logger';
import { snapshotQuarantine, type SnapshotSummary } from '../snapshot/snapshotQuarantine';
import { TableQuarantineSnapshotStore } from '../store/quarantineSnapshotStore';
import { TableStateStore } from '../store/stateStore';
import { StorageAccount, TABLES, QUEUE_NAME } from '../store/tables';
import { ManagementActivityClient } from '../audit/managementActivityClient';
import { detectReleases, type DetectSummary } from '../detect/detectReleases';
import { TableReleaseStore } from '../store/releaseStore';
import { StorageNotificationQueue } from '../notify/storageQueue';

/**
 * The composition root: builds the adapters from settings. Functions and the command line both
 * come through here, so what an admin tests from a shell is what runs in Azure.
 */
export class Runtime {
  readonly storage: StorageAccount;
  readonly exchange: ExchangeAdminClient;
  private readonly credential;

  constructor(
    readonly settings: Settings,
    readonly log: Logger,
  ) {
    this.credential = createCredential(settings);
    this.storage = new StorageAccount(settings.storage);
    this.exchange = new ExchangeAdminClient({
      endpoint: settings.exchangeEndpoint,
      tenantId: settings.tenantId,
      token: tokenSource(this.credential, settings.exchangeEndpoint),
      log,
    });
  }

  token(endpoint: string) {
    return tokenSource(this.credential, endpoint);
  }

  async state(): Promise<TableStateStore> {
    return new TableStateStore(await this.storage.readyTable(TABLES.state));
  }

  async snapshotStore(): Promise<TableQuarantineSnapshotStore> {
    return new TableQuarantineSnapshotStore(await this.storage.readyTable(TABLES.snapshot));
  }

  async snapshot(now?: () => Date): Promise<SnapshotSummary> {
    return snapshotQuarantine({ exchange: this.exchange, store: await this.snapshotStore(), state: await this.state(), log: this.log, now });
  }

  // --- detection ---
  auditFeed(): ManagementActivityClient {
    const { managementEndpoint, tenantId } = this.settings;
    return new ManagementActivityClient({ endpoint: managementEndpoint, tenantId, token: this.token(managementEndpoint), log: this.log });
  }

  jobQueue(): StorageNotificationQueue {
    return new StorageNotificationQueue(this.storage.queue(QUEUE_NAME));
  }

  async detect(now?: () => Date): Promise<DetectSummary> {
    return detectReleases({
      feed: this.auditFeed(),
      exchange: this.exchange,
      snapshot: await this.snapshotStore(),
      releases: new TableReleaseStore(await this.storage.readyTable(TABLES.releases)),
      state: await this.state(),
      queue: this.jobQueue(),
      log: this.log,
      notifyReleasesSince: this.settings.notifyReleasesSince,
      now,
    });
  }
}
