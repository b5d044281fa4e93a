/**
 * The composition root: builds the adapters from settings and hands them to the use cases. The
 * Functions host and the command line both come through here, so what an admin tests from a shell
 * is what runs in Azure. One Runtime lives as long as its process (see processRuntime): clients,
 * credentials and "this table exists" are built once; only the logger changes per invocation.
 */
import {
  createCredential,
  customerSignInHint,
  storageCredential,
  tokenSource,
  type AppCredential,
  type TokenSource,
} from '../auth/credential';
import type { Settings } from '../config/settings';
import { ManagementActivityClient } from '../audit/managementActivityClient';
import { detectReleases, type DetectDeps, type DetectSummary } from '../detect/detectReleases';
import { dailyPurge, REMEMBER_ORIGINS_MS, REMEMBER_RELEASES_MS } from '../detect/dailyPurge';
import { systemClock, type Clock } from '../domain/clock';
import { feedAlsoReadBy } from './countedFeed';
import { ExchangeAdminClient } from '../exchange/exchangeClient';
import { GraphMailer } from '../graph/graphMailer';
import { POISON_QUEUE_NAME, QUEUE_NAME } from '../jobs/delivery';
import { encodeQueuedJob, isAlertJob, type QueuedJob } from '../jobs/queuedJob';
import type { NotificationJob } from '../jobs/notificationJob';
import { HOLD_RECHECK_MS, holdDuringDryRun } from './dryRunHold';
import { sendAlert } from '../notify/sendAlert';
import type { Logger } from '../log/logger';
import { ledgerRetentionCutoff } from '../notify/claim';
import { TableMessageOriginStore } from '../store/messageOriginStore';
import { drainQueue, NotThisDrainsJobError, type DrainOptions, type DrainSummary } from '../notify/drainQueue';
import { MailboxPacer } from '../notify/pacing';
import { nothingSent, type DeliverDeps } from '../notify/deliver';
import { sendNotification, type SendDeps, type SendOutcome } from '../notify/sendNotification';
import {
  queueClient,
  StorageJobMessageQueue,
  StorageJobScheduler,
  StorageNotificationQueue,
  StoragePoisonQueue,
} from '../queue/storageQueue';
import { snapshotQuarantine, type SnapshotSummary } from '../snapshot/snapshotQuarantine';
import { TableNotificationLedger } from '../store/notificationLedger';
import { TableDailyCap, TablePaceStore } from '../store/paceStore';
import { TableQuarantineSnapshotStore } from '../store/quarantineSnapshotStore';
import { TableReleaseStore } from '../store/releaseStore';
import { trackListingReleases, type ListingSummary } from '../story/listingReleases';
import { deletionReader, holdTracker, trackExpiries, type StoryDeps } from '../story/storyEvents';
import { TableStateStore } from '../store/stateStore';
import { HealthMonitor, type HealthEmailJob } from '../health/monitor';
import {
  classifyFailure,
  clearedBy,
  setAsideObservation,
  type Observation,
  type ProblemId,
  type Stage,
} from '../health/problems';
import { messageOf } from '../log/errors';
import { sendHealth } from '../notify/sendHealth';
import { SNAPSHOT_STATE_KEY, type SnapshotState } from '../snapshot/snapshotQuarantine';
import { StorageTables, TABLES } from '../store/tables';
import { ACTIVITY_TABLE, TableActivityStore } from '../store/activityStore';
import { activityRecordReader, arrivalCounter, toldCounter } from '../report/counting';
import { loadReportData } from '../report/loadReport';
import { loadPostDelivery, type PostDeliveryDeps } from '../report/postDelivery';
import { addDays, utcDay } from '../report/days';
import { GraphHuntingClient } from '../graph/huntingClient';
import { ExchangeZapReports } from '../exchange/zapReport';
import type { ReportData } from '../report/reportData';
import type { ChartImage } from '../report/renderReport';
import { sendWeeklyReport, type WeeklyReportSummary } from '../notify/sendReport';
import { lazyStorageClient, namingStorageErrors } from '../store/storageErrors';

/**
 * Which tenant a Runtime serves: its tables' prefix, the credential that reaches Microsoft 365 there,
 * and whether it is the deployment's own (which also watches what all tenants share: the poison queue).
 */
/** Who waits for the mailbox's pace: a queue function (seconds at most) or a command-line drain (minutes). */
export type PaceWait = 'host' | 'command';

/** A command-line drain, the only sender of its process, waits this long for a pace slot (one attempt's bound). */
const COMMAND_LINE_PACE_WAIT_MS = 3 * 60_000;

export interface TenantScope {
  tablePrefix: string;
  credential: AppCredential;
  home: boolean;
  /** The tenant's name in the Tenants table: health emails say whose they are. */
  name?: string;
  /** The deployment's own tenant (the Management API's PublisherIdentifier); absent: this one. */
  homeTenantId?: string;
}

/** The deployment's own tenant (M365_TENANT_ID): today's table names and sign-in. */
export function homeScope(settings: Settings): TenantScope {
  return { tablePrefix: '', credential: createCredential(settings), home: true };
}

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
  private readonly credential: AppCredential;
  /** The identity that reaches the deployment's storage account (every tenant's tables and the shared queues). */
  readonly storageCredential: () => AppCredential;

  constructor(
    readonly settings: Settings,
    readonly log: Logger,
    /** Every use case this Runtime runs reads time from here (tests pass their own). */
    readonly clock: Clock = systemClock,
    readonly scope: TenantScope = homeScope(settings),
  ) {
    const s = settings;
    this.credential = scope.credential;
    // One storage credential for every table and queue client of this process.
    let storageIdentity: ReturnType<typeof storageCredential> | undefined;
    const storageCredentialOnce = () => (storageIdentity ??= storageCredential(s.storage));
    this.storageCredential = storageCredentialOnce;
    // Storage failures an admin must fix (unreachable, refused, a connection string the SDK rejects) name
    // the service, the setting and the endpoint; every other error passes through as it was.
    this.tables = namingStorageErrors(
      new StorageTables(s.storage, storageCredentialOnce, scope.tablePrefix),
      s.storage,
      'Table Storage',
    );
    this.exchange = new ExchangeAdminClient({
      endpoint: s.exchangeEndpoint,
      tenantId: s.tenantId,
      token: this.token(s.exchangeEndpoint),
      log,
    });
    this.auditFeed = new ManagementActivityClient({
      endpoint: s.managementEndpoint,
      tenantId: s.tenantId,
      publisherTenantId: scope.homeTenantId,
      token: this.token(s.managementEndpoint),
      log,
    });
    this.mailer = new GraphMailer({ graphEndpoint: s.graphEndpoint, token: this.token(s.graphEndpoint), log });
    const queue = (name: string) =>
      lazyStorageClient(() => queueClient(s.storage, name, storageCredentialOnce), s.storage, 'Queue Storage');
    // One queue for every tenant of the deployment: each message this Runtime writes names its tenant.
    this.jobQueue = new StorageNotificationQueue(queue(QUEUE_NAME), s.tenantId);
    this.poisonQueue = new StoragePoisonQueue(queue(POISON_QUEUE_NAME));
    this.jobMessages = new StorageJobMessageQueue(queue(QUEUE_NAME), queue(POISON_QUEUE_NAME));
    this.scheduler = new StorageJobScheduler(queue(QUEUE_NAME), s.tenantId);
  }

  token(endpoint: string): TokenSource {
    const hint = this.scope.home ? undefined : customerSignInHint(this.settings.tenantId);
    return tokenSource(this.credential, endpoint, hint);
  }

  async state(): Promise<TableStateStore> {
    return new TableStateStore(await this.tables.readyTable(TABLES.state));
  }

  async snapshotStore(): Promise<TableQuarantineSnapshotStore> {
    return new TableQuarantineSnapshotStore(await this.tables.readyTable(TABLES.snapshot));
  }

  async snapshot(
    clock: Clock = this.clock,
  ): Promise<SnapshotSummary & { listing?: ListingSummary & { expired: number } }> {
    const arrivals = arrivalCounter(await this.activityStore());
    const story = await this.storyDeps();
    const holds = holdTracker(story);
    const store = await this.snapshotStore();
    const summary = await snapshotQuarantine({
      exchange: this.exchange,
      store,
      state: await this.state(),
      log: this.log,
      // [story] Holds by listed policies among the copies just stored (NOTIFY_ON=held).
      onStored: async (messages, at) => {
        await arrivals(messages, at);
        await holds(messages, at);
      },
      clock,
    });
    // [story] The listing as a second source of releases: its released rows, after the snapshot's rows are stored.
    const listing = await trackListingReleases({
      exchange: this.exchange,
      releases: story.releases,
      snapshot: store,
      state: await this.state(),
      log: this.log,
      clock,
    });
    const expired = await trackExpiries(story, clock.now());
    return { ...summary, listing: { ...listing, expired } };
  }

  /** The release store (detection's, and the listing's releases); `npm run told` reads its sources. */
  async releaseStore(): Promise<TableReleaseStore> {
    return new TableReleaseStore(await this.tables.readyTable(TABLES.releases));
  }

  /** [story] What the held, deleted and expired events need (shared/story/storyEvents.ts). */
  async storyDeps(): Promise<StoryDeps> {
    const snapshot = await this.snapshotStore();
    return {
      releases: await this.releaseStore(),
      state: await this.state(),
      settings: this.settings.story,
      expiredBetween: (from, to) => snapshot.expiredBetween(from, to),
    };
  }

  /** One detection run, then (once a day) the purges that ride on its timer. */
  async detect(clock: Clock = this.clock): Promise<DetectSummary> {
    const deps = await this.detectionDeps(clock);
    const summary = await detectReleases(deps);
    const { releases, origins, state } = deps.stores;
    const activity = await this.activityStore();
    await dailyPurge({
      state,
      clock,
      purges: [
        (now) => releases.purge(new Date(now.getTime() - REMEMBER_RELEASES_MS)),
        (now) => origins.purge(new Date(now.getTime() - REMEMBER_ORIGINS_MS)),
        (now) => this.purgeNotificationLedger(now),
        (now) => activity.purge(now),
      ],
    });
    return summary;
  }

  async detectionDeps(clock: Clock = this.clock): Promise<DetectDeps> {
    const s = this.settings;
    // Every quarantine record is counted for the activity report as detection reads it, before its blob is done.
    const countActivity = activityRecordReader({
      store: await this.activityStore(),
      ownIdentities: s.ownIdentities,
      log: this.log,
      clock,
    });
    // [story] QuarantineDeleteMessage records become deletion notices (NOTIFY_ON=deleted), read like the counts.
    const deletions = deletionReader(await this.storyDeps(), () => clock.now());
    const readers = async (records: readonly unknown[]): Promise<void> => {
      await countActivity(records);
      await deletions(records);
    };
    return {
      feed: feedAlsoReadBy(this.auditFeed, readers),
      exchange: this.exchange,
      stores: {
        snapshot: await this.snapshotStore(),
        releases: new TableReleaseStore(await this.tables.readyTable(TABLES.releases)),
        state: await this.state(),
        origins: new TableMessageOriginStore(await this.tables.readyTable(TABLES.origins)),
      },
      queue: this.jobQueue,
      log: this.log,
      clock,
      countTold: toldCounter(await this.activityStore(), this.log),
      options: {
        notifyReleasesSince: s.notifyReleasesSince,
        senderMailbox: s.notifySenderMailbox,
        alerts: s.alerts,
        releaseAuditWaitMs: s.story.releaseAuditWaitMinutes * 60_000,
        notifyOn: s.story.notifyOn,
      },
    };
  }

  /** The origin verdict detection keeps per released message (read by `npm run told`). */
  async messageOriginStore(): Promise<TableMessageOriginStore> {
    return new TableMessageOriginStore(await this.tables.readyTable(TABLES.origins));
  }

  async notificationLedger(): Promise<TableNotificationLedger> {
    return new TableNotificationLedger(await this.tables.readyTable(TABLES.ledger), this.clock);
  }

  private readonly mailboxPacers = new Map<PaceWait, Promise<MailboxPacer>>();

  /**
   * The pace schedule shares NotifierState with the checkpoints (partition "pace"); one pacer per process
   * and kind of caller holds the concurrency limit. A queue function waits in its invocation only for a
   * slot seconds away (the host's slots are every tenant's); a command-line drain is the only sender
   * in its process and waits for its slots as long as one attempt may (3 minutes).
   */
  pacer(wait: PaceWait = 'host'): Promise<MailboxPacer> {
    let pacer = this.mailboxPacers.get(wait);
    if (!pacer) {
      pacer = this.tables.readyTable(TABLES.state).then(
        (table) =>
          new MailboxPacer(new TablePaceStore(table), {
            maxPerMinute: this.settings.notifyMaxPerMinute,
            log: this.log,
            ...(wait === 'command' ? { maxWaitMs: COMMAND_LINE_PACE_WAIT_MS } : {}),
          }),
      );
      this.mailboxPacers.set(wait, pacer);
    }
    return pacer;
  }

  /** One job to at most one email; `deliveryId` is the queue message id when there is one. */
  async sendJob(job: QueuedJob, deliveryId?: string, wait: PaceWait = 'host'): Promise<SendOutcome> {
    const deps = await this.sendDeps(wait);
    if (isAlertJob(job))
      return sendAlert(
        job,
        {
          delivery: deps.delivery,
          alertRecipients: this.settings.alerts.recipients,
          timeZone: this.settings.template.timeZone ?? 'UTC',
        },
        deliveryId,
      );
    if (holdDuringDryRun(job, this.settings, this.clock.now())) return this.holdForSending(job);
    return sendNotification(job, deps, deliveryId);
  }

  /** DRY_RUN_RELEASES_AFTER=tell in a dry run: the job waits in the queue until sending is on (dryRunHold.ts). */
  private async holdForSending(job: NotificationJob): Promise<SendOutcome> {
    await this.scheduler.later(encodeQueuedJob(job), HOLD_RECHECK_MS);
    const deferredUntil = new Date(this.clock.now().getTime() + HOLD_RECHECK_MS).toISOString();
    this.log.info('dry run: held until sending is switched on (DRY_RUN_RELEASES_AFTER=tell); not recorded as told', {
      jobId: job.jobId,
      at: deferredUntil,
    });
    return nothingSent(job.jobId, { deferredUntil, dryRun: true });
  }

  async sendDeps(wait: PaceWait = 'host'): Promise<SendDeps> {
    const s = this.settings;
    const delivery: DeliverDeps = {
      ledger: await this.notificationLedger(),
      mailer: this.mailer,
      limits: {
        pacing: await this.pacer(wait),
        dailyCap: new TableDailyCap(await this.tables.readyTable(TABLES.state), s.notifyMaxPerDay),
      },
      scheduler: this.scheduler,
      sender: { mailbox: s.notifySenderMailbox, saveToSentItems: s.notifySaveToSentItems, dryRun: s.notifyDryRun },
      log: this.log,
      clock: this.clock,
      health: (observations) => this.recordHealth(observations),
    };
    // [story] NOTIFY_REVIEW_CONTACT rides with the template (hold, deletion and expiry notices show it).
    return { delivery, template: { ...s.template, reviewContact: s.story.reviewContact } };
  }

  private healthMonitor: Promise<HealthMonitor> | undefined;

  /** The health state of this deployment; its emails go to HEALTH_RECIPIENTS through the one sending machinery. */
  health(clock?: Clock): Promise<HealthMonitor> {
    const build = async (): Promise<HealthMonitor> => {
      const { recipients, afterMinutes } = this.settings.health;
      const send =
        recipients.length > 0
          ? async (job: HealthEmailJob) =>
              sendHealth(job, {
                delivery: { ...(await this.sendDeps()).delivery, health: undefined, clock: clock ?? this.clock },
                recipients,
                timeZone: this.settings.template.timeZone ?? 'UTC',
                deployment: {
                  app: this.settings.deploymentName,
                  tenantId: this.settings.tenantId,
                  tenantName: this.scope.name,
                },
              })
          : undefined;
      return new HealthMonitor({
        state: await this.state(),
        send,
        afterMinutes,
        log: this.log,
        clock: clock ?? this.clock,
      });
    };
    if (clock) return build();
    this.healthMonitor ??= build();
    return this.healthMonitor;
  }

  private async recordHealth(observations: readonly Observation[]): Promise<void> {
    try {
      await (await this.health()).record(observations);
    } catch (error) {
      this.log.warn(`health: could not record: ${messageOf(error)}`);
    }
  }

  /**
   * Runs one stage and keeps the health state: what the run showed (cleared or failed), the checks
   * only this stage makes, then any health email that is due. The stage's own result or error is
   * what the caller gets; health bookkeeping never changes it. The summary carries the open problems
   * (not for a single queued email: reading every problem's state per email would cost 13 reads).
   */
  async runStage<T extends object>(
    stage: Stage,
    work: () => Promise<T>,
    clock?: Clock,
    /** Told the open problems after the run (not for a single email), e.g. for the provider's summary. */
    onOpen?: (open: ProblemId[], ok: boolean) => Promise<void>,
  ): Promise<T & { openProblems?: number }> {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await this.afterStage(stage, [classifyFailure(stage, error)], clock, (open) => onOpen?.(open, false));
      throw error;
    }
    const openProblems = await this.afterStage(
      stage,
      [
        ...clearedBy(stage),
        ...(await this.stageChecks(stage, clock)),
        ...oversized(stage, result),
        ...chartsMissing(stage, result),
        ...setAside(stage, result),
      ],
      clock,
      (open) => onOpen?.(open, true),
    );
    return openProblems === undefined ? result : { ...result, openProblems };
  }

  private async afterStage(
    stage: Stage,
    observations: Observation[],
    clock: Clock | undefined,
    onOpen: (open: ProblemId[]) => Promise<void> | undefined,
  ): Promise<number | undefined> {
    try {
      const monitor = await this.health(clock);
      // Unchanged observations cost nothing (the monitor remembers what it wrote); emails and the
      // count are the timers' work, every few minutes, not every email's.
      await monitor.record(observations);
      if (stage === 'sending') return undefined;
      // One read of the problems' states serves the emails, the count and the caller.
      const open = (await monitor.notify()).filter((s) => s.status === 'open').map((s) => s.problem);
      await onOpen(open);
      return open.length;
    } catch (error) {
      this.log.warn(`health: could not update after the ${stage} run: ${messageOf(error)}`);
      return -1;
    }
  }

  /** Checks a stage makes after a successful run: the poison queue and the snapshot's age, from detection. */
  private async stageChecks(stage: Stage, clock: Clock = this.clock): Promise<Observation[]> {
    if (stage !== 'detection') return [];
    const at = clock.now();
    // The poison queue is the deployment's, shared by its tenants: its own tenant's health watches it.
    const poisoned = this.scope.home ? await this.poisonQueue.count() : 0;
    const snapshot = await (await this.state()).get<SnapshotState>(SNAPSHOT_STATE_KEY);
    const watermark = snapshot ? Date.parse(snapshot.value.watermark) : Number.NaN;
    const staleFor = at.getTime() - watermark;
    return [
      poisoned > 0
        ? {
            problem: 'poison-messages',
            open: true,
            reason: `${poisoned} job(s) wait in ${POISON_QUEUE_NAME}: each failed for good (its reason is in the log line that moved it). Fix the cause, then move them back to ${QUEUE_NAME} (Azure Storage Explorer: Move messages).`,
            affected: 'the releases in those jobs are not being told',
          }
        : { problem: 'poison-messages', open: false },
      // The snapshot's watermark trails its last good run by its overlap (2 hours): a day past that is a day without one.
      Number.isFinite(staleFor) && staleFor > 26 * 3_600_000
        ? {
            problem: 'snapshot-stale',
            open: true,
            reason: `No successful quarantine snapshot since ${new Date(watermark).toISOString()}: see the snapshotQuarantine function's failures, or run npm run snapshot with the app settings for the error.`,
            affected: 'releases of messages quarantined since then cannot be matched',
          }
        : { problem: 'snapshot-stale', open: false },
    ];
  }

  /** For the command line: sends everything queued, with the queue trigger's retry and poison rules. */
  async drainNotifications(options?: DrainOptions): Promise<DrainSummary> {
    const own = this.settings.tenantId;
    return drainQueue(
      this.jobMessages,
      async (job, deliveryId, tenant) => {
        // Never another tenant's job with this tenant's mailbox and token: the deployed app's sendNotification routes those.
        if (tenant !== undefined && tenant !== own)
          throw new NotThisDrainsJobError(
            `job of tenant ${tenant}: left for the deployed app (this drain is tenant ${own}'s)`,
          );
        return this.sendJob(job, deliveryId, 'command');
      },
      this.log,
      options,
    );
  }

  /** The activity report's daily counts (QuarantineActivity table). */
  async activityStore(): Promise<TableActivityStore> {
    return new TableActivityStore(await this.tables.readyTable(ACTIVITY_TABLE));
  }

  /**
   * The activity report of `days` complete UTC days before `now` (today excluded, as the hunting
   * queries draw them), with the post-delivery series.
   */
  async reportData(days?: number, now: Date = this.clock.now()): Promise<ReportData> {
    const end = new Date(`${addDays(utcDay(now), -1)}T00:00:00Z`);
    const data = await loadReportData(await this.activityStore(), end, days, now);
    return { ...data, postDelivery: await loadPostDelivery(data.window, this.postDeliveryDeps()) };
  }

  /** Advanced hunting through Graph (ThreatHunting.Read.All), else Exchange's ZAP report. */
  postDeliveryDeps(): PostDeliveryDeps {
    return {
      hunting: new GraphHuntingClient({
        graphEndpoint: this.settings.graphEndpoint,
        token: this.token(this.settings.graphEndpoint),
        log: this.log,
      }),
      zap: new ExchangeZapReports(this.exchange),
      log: this.log,
    };
  }

  /**
   * The weekly report email to REPORT_RECIPIENTS, sent directly (its PNGs exceed a queue message's
   * 64 KiB) through the one sending machinery. Charts load echarts, which is slow: imported here only.
   */
  async sendWeeklyReport(now: Date = this.clock.now()): Promise<WeeklyReportSummary> {
    const deps = await this.sendDeps();
    return sendWeeklyReport(
      {
        // A report whose send is in doubt is not queued again (the queue cannot carry it): the timer's retry reconciles it.
        delivery: { ...deps.delivery, scheduler: { later: async () => undefined } },
        recipients: this.settings.reportRecipients,
        store: await this.activityStore(),
        postDelivery: (window) => loadPostDelivery(window, this.postDeliveryDeps()),
        renderCharts: async (data: ReportData): Promise<ChartImage[]> => {
          const failed: Array<{ chart: string; reason: string }> = [];
          const charts = (await import('../report/charts')).renderCharts(data, failed);
          for (const f of failed) this.log.warn('report chart left out: its table stands in', f);
          return charts;
        },
      },
      now,
    );
  }

  /** Deletes NotificationLedger rows older than the retention (30 days); detection runs it daily. */
  async purgeNotificationLedger(now: Date = this.clock.now()): Promise<number> {
    return (await this.notificationLedger()).purge(ledgerRetentionCutoff(now));
  }
}

/** A report sent with its tables only (its charts failed) says so; a report with charts clears it. */
function chartsMissing(stage: Stage, summary: object): Observation[] {
  if (stage !== 'report' || (summary as { delivery?: unknown }).delivery === undefined) return [];
  const failed = (summary as { chartsFailed?: string }).chartsFailed;
  return failed
    ? [
        {
          problem: 'report-charts-missing',
          open: true,
          reason: `The charts could not be drawn (${failed}); the report was sent with its tables. Run "npm run report" to see the error in full.`,
          affected: 'the weekly report has no charts',
        },
      ]
    : [{ problem: 'report-charts-missing', open: false }];
}

/** A detection run that set items aside says how many; a run that set none aside clears it. */
function setAside(stage: Stage, summary: object): Observation[] {
  if (stage !== 'detection') return [];
  const count = (summary as { setAside?: unknown }).setAside;
  return [setAsideObservation(typeof count === 'number' ? count : 0)];
}

/** A snapshot run that had to skip rows Table Storage refused (too large, or otherwise) says so; a clean run clears it. */
function oversized(stage: Stage, summary: object): Observation[] {
  if (stage !== 'snapshot') return [];
  const byReason = (summary as { skippedByReason?: Record<string, number> }).skippedByReason ?? {};
  const refused = Object.entries(byReason)
    .filter(([reason]) => reason.startsWith('refused by Table Storage'))
    .reduce((n, [, count]) => n + count, 0);
  return refused > 0
    ? [
        {
          problem: 'skipped-oversized',
          open: true,
          reason: `${refused} quarantined message cop${refused === 1 ? 'y was' : 'ies were'} refused by Table Storage and skipped (the log line "Skipped quarantine row" names each): their releases cannot be told. The snapshot moved on past them.`,
          affected: 'releases of those messages are not being told',
        },
      ]
    : [{ problem: 'skipped-oversized', open: false }];
}
