import { createCredential, tokenSource } from '../auth/credential';
import type { Settings } from '../config/settings';
import { ExchangeAdminClient } from '../exchange/exchangeClient';
import type { Logger } from '../log/logger';
import { snapshotQuarantine, type SnapshotSummary } from '../snapshot/snapshotQuarantine';
import { TableQuarantineSnapshotStore } from '../store/quarantineSnapshotStore';
import { TableStateStore } from '../store/stateStore';
import { StorageAccount, TABLES, QUEUE_NAME } from '../store/tables';
import { ManagementActivityClient } from '../audit/managementActivityClient';
import { detectReleases, type DetectDeps, type DetectSummary } from '../detect/detectReleases';
import { TableReleaseStore } from '../store/releaseStore';
import { TableMessageOriginStore } from '../store/messageOriginStore';
import { StorageNotificationQueue } from '../notify/storageQueue';
// --- sending ---
import type { NotificationJob } from '../domain/types';
import { drainQueue, type DrainOptions, type DrainSummary } from '../notify/drainQueue';
import { GraphMailer } from '../notify/graphMailer';
import { POISON_QUEUE_NAME, StorageJobMessageQueue, StoragePoisonQueue } from '../notify/jobMessages';
import { ledgerRetentionCutoff, TableNotificationLedger } from '../notify/ledger';
import { MailboxPacer, TablePaceStore } from '../notify/pacing';
import { sendNotification, type SendDeps, type SendOutcome } from '../notify/sendNotification';
// --- end sending ---

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
    return detectReleases(await this.detectionDeps(now));
  }

  async detectionDeps(now?: () => Date): Promise<DetectDeps> {
    return {
      feed: this.auditFeed(),
      exchange: this.exchange,
      snapshot: await this.snapshotStore(),
      releases: new TableReleaseStore(await this.storage.readyTable(TABLES.releases)),
      state: await this.state(),
      queue: this.jobQueue(),
      origins: new TableMessageOriginStore(await this.storage.readyTable(TABLES.origins)),
      log: this.log,
      notifyReleasesSince: this.settings.notifyReleasesSince,
      senderMailbox: this.settings.notifySenderMailbox,
      housekeeping: [(at) => this.purgeNotificationLedger(at)],
      now,
    };
  }

  // --- sending ---
  private graphMailer: GraphMailer | undefined;

  /** Graph sendMail from NOTIFY_SENDER_MAILBOX; one client per runtime. */
  mailer(): GraphMailer {
    const { graphEndpoint } = this.settings;
    this.graphMailer ??= new GraphMailer({ graphEndpoint, token: this.token(graphEndpoint), log: this.log });
    return this.graphMailer;
  }

  async notificationLedger(): Promise<TableNotificationLedger> {
    return new TableNotificationLedger(await this.storage.readyTable(TABLES.ledger));
  }

  /** The pace counter shares NotifierState with the checkpoints (partition "pace"). */
  async pacer(): Promise<MailboxPacer> {
    return new MailboxPacer(new TablePaceStore(await this.storage.readyTable(TABLES.state)), { maxPerMinute: this.settings.notifyMaxPerMinute, log: this.log });
  }

  poisonQueue(): StoragePoisonQueue {
    return new StoragePoisonQueue(this.storage.queue(POISON_QUEUE_NAME));
  }

  /** One job to at most one email; `deliveryId` is the queue message id when there is one. */
  async sendJob(job: NotificationJob, deliveryId?: string): Promise<SendOutcome> {
    return sendNotification(job, await this.sendDeps(), deliveryId);
  }

  async sendDeps(): Promise<SendDeps> {
    const s = this.settings;
    return {
      ledger: await this.notificationLedger(),
      mailer: this.mailer(),
      pacing: await this.pacer(),
      senderMailbox: s.notifySenderMailbox,
      saveToSentItems: s.notifySaveToSentItems,
      dryRun: s.notifyDryRun,
      template: s.template,
      log: this.log,
    };
  }

  jobMessages(): StorageJobMessageQueue {
    return new StorageJobMessageQueue(this.storage.queue(QUEUE_NAME), this.storage.queue(POISON_QUEUE_NAME));
  }

  /** For the command line: sends everything queued, with the queue trigger's retry and poison rules. */
  async drainNotifications(options?: DrainOptions): Promise<DrainSummary> {
    return drainQueue(this.jobMessages(), (job, deliveryId) => this.sendJob(job, deliveryId), this.log, options);
  }

  /** Deletes NotificationLedger rows older than the retention (30 days); detection runs it daily. */
  async purgeNotificationLedger(now: Date = new Date()): Promise<number> {
    return (await this.notificationLedger()).purge(ledgerRetentionCutoff(now));
  }
  // --- end sending ---
}
