import { createCredential, tokenSource } from '../auth/credential';
import type { Settings } from '../config/settings';
import { ExchangeAdminClient } from '../exchange/exchangeClient';
import type { Logger } from '../log/logger';
import { snapshotQuarantine, type SnapshotSummary } from '../snapshot/snapshotQuarantine';
import { TableQuarantineSnapshotStore } from '../store/quarantineSnapshotStore';
import { TableStateStore } from '../store/stateStore';
import { StorageAccount, TABLES } from '../store/tables';

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
}
