/**
 * The composition root: builds the adapters from settings and hands them to the use cases. The
 * Functions host and the command line both come through here, so what an admin tests from a shell
 * is what runs in Azure. One Runtime lives as long as its process (see processRuntime): clients,
 * credentials and "this table exists" are built once; only the logger changes per invocation.
 */
import { createCredential, storageCredential, tokenSource, type TokenSource } from '../auth/credential';
import type { Settings } from '../config/settings';
import { ManagementActivityClient } from '../audit/managementActivityClient';
import { detectReleases, type DetectDeps, type DetectSummary } from '../detect/detectReleases';
import { ExchangeAdminClient } from '../exchange/exchangeClient';
import { GraphMailer } from '../graph/graphMailer';
import { POISON_QUEUE_NAME, QUEUE_NAME } from '../jobs/delivery';
import type { NotificationJob } from '../jobs/notificationJob';
import type { Logger } from '../log/logger';
import { ledgerRetentionCutoff } from '../notify/claim';
import { TableMessageOriginStore } from '../store/messageOriginStore';
import { drainQueue, type DrainOptions, type DrainSummary } from '../notify/drainQueue';
import { MailboxPacer } from '../notify/pacing';
import { sendNotification, type SendDeps, type SendOutcome } from '../notify/sendNotification';
import { queueClient, StorageJobMessageQueue, StorageJobScheduler, StorageNotificationQueue, StoragePoisonQueue } from '../queue/storageQueue';
import { snapshotQuarantine, type SnapshotSummary } from '../snapshot/snapshotQuarantine';
import { TableNotificationLedger } from '../store/notificationLedger';
import { TableDailyCap, TablePaceStore } from '../store/paceStore';
import { TableQuarantineSnapshotStore } from '../store/quarantineSnapshotStore';
import { TableReleaseStore } from '../store/releaseStore';
import { TableStateStore } from '../store/stateStore';
import { StorageTables, TABLES } from '../store/tables';
import { lazyStorageClient, namingStorageErrors } from '../store/storageErrors';

export class Runtime {
  readonly tables: StorageTables;
  readonly exchange: ExchangeAdminClient;
  readonly auditFeed: ManagementActivityClient;
  readonly mailer: GraphMailer;
  readonly jobQueue: StorageNotificationQueue;
  readonly poisonQueue: StoragePoisonQueue;
  readonly jobMessages: StorageJobMessageQueue;
  /** Jobs that must wait minutes (Sent Items, the daily cap) go back to the queue, invisible until then. */
  readonly scheduler: StorageJobScheduler;
  private readonly credential;

  constructor(
    readonly settings: Settings,
    readonly log: Logger,
  ) {
    const s = settings;
    this.credential = createCredential(s);
    // One storage credential for every table and queue client of this process.
    let storageIdentity: ReturnType<typeof storageCredential> | undefined;
    const storageCredentialOnce = () => (storageIdentity ??= storageCredential(s.storage));
    // Storage failures an admin must fix (unreachable, refused, a connection string the SDK rejects) name
    // the service, the setting and the endpoint; every other error passes through as it was.
    this.tables = namingStorageErrors(new StorageTables(s.storage, storageCredentialOnce), s.storage, 'Table Storage');
    this.exchange = new ExchangeAdminClient({ endpoint: s.exchangeEndpoint, tenantId: s.tenantId, token: this.token(s.exchangeEndpoint), log });
    this.auditFeed = new ManagementActivityClient({ endpoint: s.managementEndpoint, tenantId: s.tenantId, token: this.token(s.managementEndpoint), log });
    this.mailer = new GraphMailer({ graphEndpoint: s.graphEndpoint, token: this.token(s.graphEndpoint), log });
    const queue = (name: string) => lazyStorageClient(() => queueClient(s.storage, name, storageCredentialOnce), s.storage, 'Queue Storage');
    this.jobQueue = new StorageNotificationQueue(queue(QUEUE_NAME));
    this.poisonQueue = new StoragePoisonQueue(queue(POISON_QUEUE_NAME));
    this.jobMessages = new StorageJobMessageQueue(queue(QUEUE_NAME), queue(POISON_QUEUE_NAME));
    this.scheduler = new StorageJobScheduler(queue(QUEUE_NAME));
  }

  token(endpoint: string): TokenSource {
    return tokenSource(this.credential, endpoint);
  }

  async state(): Promise<TableStateStore> {
    return new TableStateStore(await this.tables.readyTable(TABLES.state));
  }

  async snapshotStore(): Promise<TableQuarantineSnapshotStore> {
    return new TableQuarantineSnapshotStore(await this.tables.readyTable(TABLES.snapshot));
  }

  async snapshot(now?: () => Date): Promise<SnapshotSummary> {
    return snapshotQuarantine({ exchange: this.exchange, store: await this.snapshotStore(), state: await this.state(), log: this.log, now });
  }

  async detect(now?: () => Date): Promise<DetectSummary> {
    return detectReleases(await this.detectionDeps(now));
  }

  async detectionDeps(now?: () => Date): Promise<DetectDeps> {
    return {
      feed: this.auditFeed,
      exchange: this.exchange,
      snapshot: await this.snapshotStore(),
      releases: new TableReleaseStore(await this.tables.readyTable(TABLES.releases)),
      state: await this.state(),
      queue: this.jobQueue,
      origins: new TableMessageOriginStore(await this.tables.readyTable(TABLES.origins)),
      log: this.log,
      notifyReleasesSince: this.settings.notifyReleasesSince,
      senderMailbox: this.settings.notifySenderMailbox,
      housekeeping: [(at) => this.purgeNotificationLedger(at)],
      now,
    };
  }

  async notificationLedger(): Promise<TableNotificationLedger> {
    return new TableNotificationLedger(await this.tables.readyTable(TABLES.ledger));
  }

  private mailboxPacer: Promise<MailboxPacer> | undefined;

  /** The pace schedule shares NotifierState with the checkpoints (partition "pace"); one pacer per process holds the concurrency limit. */
  pacer(): Promise<MailboxPacer> {
    this.mailboxPacer ??= this.tables.readyTable(TABLES.state).then((table) => new MailboxPacer(new TablePaceStore(table), { maxPerMinute: this.settings.notifyMaxPerMinute, log: this.log }));
    return this.mailboxPacer;
  }

  /** One job to at most one email; `deliveryId` is the queue message id when there is one. */
  async sendJob(job: NotificationJob, deliveryId?: string): Promise<SendOutcome> {
    return sendNotification(job, await this.sendDeps(), deliveryId);
  }

  async sendDeps(): Promise<SendDeps> {
    const s = this.settings;
    return {
      ledger: await this.notificationLedger(),
      mailer: this.mailer,
      pacing: await this.pacer(),
      scheduler: this.scheduler,
      dailyCap: new TableDailyCap(await this.tables.readyTable(TABLES.state), s.notifyMaxPerDay),
      senderMailbox: s.notifySenderMailbox,
      saveToSentItems: s.notifySaveToSentItems,
      dryRun: s.notifyDryRun,
      template: s.template,
      log: this.log,
    };
  }

  /** For the command line: sends everything queued, with the queue trigger's retry and poison rules. */
  async drainNotifications(options?: DrainOptions): Promise<DrainSummary> {
    return drainQueue(this.jobMessages, (job, deliveryId) => this.sendJob(job, deliveryId), this.log, options);
  }

  /** Deletes NotificationLedger rows older than the retention (30 days); detection runs it daily. */
  async purgeNotificationLedger(now: Date = new Date()): Promise<number> {
    return (await this.notificationLedger()).purge(ledgerRetentionCutoff(now));
  }
}
