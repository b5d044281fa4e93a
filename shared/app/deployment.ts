/**
 * The deployment: its own tenant's Runtime, and one Runtime per customer tenant of the Tenants table
 * (shared/tenants/), each with its own settings, tables and sign-in. The timers only fan out one
 * tenant-runs message per served tenant; each message runs one stage for one tenant, and each queued
 * email is sent by its own tenant's Runtime. With an empty Tenants table this is today's single-tenant
 * app: one tenant, M365_TENANT_ID, with today's tables.
 */
import { createCredential, type AppCredential } from '../auth/credential';
import { loadSettings, type Env } from '../config/settings';
import { systemClock, type Clock } from '../domain/clock';
import { bodyText, POISON_QUEUE_NAME } from '../jobs/delivery';
import { parseQueuedJob, tenantOfJob } from '../jobs/queuedJob';
import { messageOf } from '../log/errors';
import type { Logger } from '../log/logger';
import { queueClient, encodeText } from '../queue/storageQueue';
import { lazyStorageClient } from '../store/storageErrors';
import { TableTenantStore, TENANTS_TABLE } from '../store/tenantStore';
import { TableTenantHealthStore, TENANT_HEALTH_TABLE } from '../store/tenantHealthStore';
import { sendProviderSummary } from '../notify/sendProviderSummary';
import { summaryFingerprint, type TenantHealthLine } from '../tenants/providerSummary';
import { StageLease } from '../tenants/stageLease';
import { TenantUnavailableError, type TenantRecord } from '../tenants/tenantRecord';
import { isStale, parseTenantRun, TENANT_RUNS_QUEUE, type TenantRun, type TenantStage } from '../tenants/tenantRun';
import { tenantSettings } from '../tenants/tenantSettings';
import { tenantScope } from './tenantScope';
import { HOLD_RECHECK_MS } from './dryRunHold';
import { Runtime } from './runtime';

/** How long the Tenants table is trusted before it is read again (each email would read it otherwise). */
const TENANTS_CACHE_MS = 60_000;
/** A stage's lease outlives any run: the host stops a run at its functionTimeout (10 minutes, host.json). */
const LEASE_MS = 11 * 60_000;
/** A tenant run older than this is dropped: later ticks have done its work. */
const STALE_RUN_MS = 3 * 3_600_000;
/** A report whose send is in doubt is tried again this much later, this many times (20 minutes make Sent Items trustworthy). */
const REPORT_RETRY_MS = 10 * 60_000;
const REPORT_ATTEMPTS = 6;

const PROVIDER_SUMMARY_KEY = 'provider-summary';

const STAGE_NAMES = { snapshot: 'snapshot', detect: 'detection', report: 'report' } as const;

export interface Served {
  record: TenantRecord;
  runtime: Runtime;
}

export class Deployment {
  readonly home: Runtime;
  private readonly homeCredential: AppCredential;
  private readonly runtimes = new Map<string, { key: string; runtime: Runtime }>();
  private listed:
    { at: number; rows: Promise<{ records: TenantRecord[]; unreadable: Map<string, string> }> } | undefined;

  constructor(
    readonly env: Env,
    readonly log: Logger,
    readonly clock: Clock = systemClock,
  ) {
    const settings = loadSettings(env);
    this.homeCredential = createCredential(settings);
    this.home = new Runtime(settings, log, clock, { tablePrefix: '', credential: this.homeCredential, home: true });
  }

  get homeTenantId(): string {
    return this.home.settings.tenantId;
  }

  async registry(): Promise<TableTenantStore> {
    return new TableTenantStore(await this.home.tables.readyTable(TENANTS_TABLE), this.log);
  }

  /** The Tenants table's rows (and the ids of rows it cannot read), read at most once a minute. */
  private rows(): Promise<{ records: TenantRecord[]; unreadable: Map<string, string> }> {
    const now = Date.now();
    if (!this.listed || now - this.listed.at > TENANTS_CACHE_MS) {
      const rows = this.registry().then((registry) => registry.listAll());
      rows.catch(() => (this.listed = undefined));
      this.listed = { at: now, rows };
    }
    return this.listed.rows;
  }

  private async records(): Promise<TenantRecord[]> {
    return (await this.rows()).records;
  }

  /** Forget the cached Tenants table (the tenants command changed it). */
  forgetTenants(): void {
    this.listed = undefined;
  }

  /** Every tenant this deployment knows: the table's rows, or its own tenant alone when the table is empty. */
  async tenants(): Promise<TenantRecord[]> {
    const records = await this.records();
    return records.length > 0 ? records : [this.homeRecord()];
  }

  /**
   * The tenant and its Runtime; undefined when the deployment does not serve it (never added, or
   * removed). TenantUnavailableError when its row cannot be read or its settings are invalid.
   */
  async tenant(tenantId: string): Promise<Served | undefined> {
    const id = tenantId.toLowerCase();
    const unreadable = (await this.rows()).unreadable.get(id);
    if (unreadable !== undefined)
      throw new TenantUnavailableError(
        `Tenant ${id}: its row in the Tenants table cannot be read (${unreadable}); write it again with npm run tenants -- add`,
      );
    const record = (await this.tenants()).find((r) => r.tenantId === id);
    // Jobs queued before the Tenants table had rows name no tenant or the home tenant: still the home tenant's.
    if (!record) return id === this.homeTenantId ? { record: this.homeRecord(), runtime: this.home } : undefined;
    return { record, runtime: this.runtimeOf(record) };
  }

  private homeRecord(): TenantRecord {
    return { tenantId: this.homeTenantId, name: 'this deployment', disabled: false, settings: {}, addedAt: '' };
  }

  /** One Runtime per tenant per process, built again only when the tenant's row changed. */
  private runtimeOf(record: TenantRecord): Runtime {
    const home = record.tenantId === this.homeTenantId;
    if (home && Object.keys(record.settings).length === 0) return this.home;
    const key = JSON.stringify([record.name, record.settings]);
    const cached = this.runtimes.get(record.tenantId);
    if (cached?.key === key) return cached.runtime;
    let settings;
    try {
      settings = tenantSettings(this.env, record, this.homeTenantId);
    } catch (error) {
      throw new TenantUnavailableError(`${messageOf(error)} (fix it with npm run tenants -- add ... --set)`);
    }
    const scope = tenantScope(settings, record, this.homeTenantId, this.homeCredential);
    const runtime = new Runtime(settings, this.log, this.clock, scope);
    this.runtimes.set(record.tenantId, { key, runtime });
    return runtime;
  }

  /** A timer's tick: one tenant-runs message per served tenant, nothing else. */
  async fanOut(stage: TenantStage): Promise<{ stage: TenantStage; tenants: number; disabled: number }> {
    const tenants = await this.tenants();
    const served = tenants.filter((t) => !t.disabled);
    const firedAt = this.clock.now().toISOString();
    const queue = this.tenantRunsQueue();
    await queue.createIfNotExists();
    for (const t of served) {
      const run: TenantRun = { tenant: t.tenantId, stage, firedAt };
      await queue.sendMessage(encodeText(JSON.stringify(run)));
    }
    // The provider hears of its tenants' health on the detection tick, the most frequent; one tenant alone has its own emails.
    const { records, unreadable } = await this.rows();
    const many = records.length > 0 || unreadable.size > 0;
    const summary = stage === 'detect' && many ? await this.tellProvider() : undefined;
    return { stage, tenants: served.length, disabled: tenants.length - served.length, ...summary };
  }

  async tenantHealth(): Promise<TableTenantHealthStore> {
    return new TableTenantHealthStore(await this.home.tables.readyTable(TENANT_HEALTH_TABLE));
  }

  /** After a tenant's run: its open problems, where the provider's summary reads every tenant's in one query. */
  private async noteHealth(served: Served, stage: TenantStage, open: string[], ok: boolean): Promise<void> {
    try {
      const lastRun = { stage, ok, at: this.clock.now().toISOString() };
      await (
        await this.tenantHealth()
      ).put({ tenantId: served.record.tenantId, name: served.record.name, open, lastRun });
    } catch (error) {
      this.log.warn(`tenant health not noted for the provider: ${messageOf(error)}`, {
        tenant: served.record.tenantId,
      });
    }
  }

  /** A tenant that cannot be served: its line for the provider says so, under the tenant's id. */
  private async noteUnavailable(run: TenantRun): Promise<void> {
    const lastRun = { stage: run.stage, ok: false, at: this.clock.now().toISOString() };
    await (
      await this.tenantHealth()
    )
      .put({ tenantId: run.tenant, name: run.tenant, open: ['tenant-unavailable'], lastRun })
      .catch((e: unknown) => this.log.warn(`tenant health not noted for the provider: ${messageOf(e)}`));
  }

  /**
   * Lines for what is the deployment's rather than one tenant's: Tenants rows it cannot read, and
   * jobs in the shared poison queue (watched here, since the provider's own tenant may not be served).
   */
  private async deploymentLines(): Promise<TenantHealthLine[]> {
    const at = this.clock.now().toISOString();
    const lines: TenantHealthLine[] = [...(await this.rows()).unreadable.keys()].map((id) => ({
      tenantId: id,
      name: `${id} (Tenants row unreadable)`,
      open: ['tenant-unavailable'],
      lastRun: { stage: 'fan-out', ok: false, at },
    }));
    const poisoned = await this.home.poisonQueue.count();
    if (poisoned > 0)
      lines.push({
        tenantId: 'deployment',
        name: `this deployment: ${poisoned} job(s) in ${POISON_QUEUE_NAME}`,
        open: ['poison-messages'],
        lastRun: { stage: 'fan-out', ok: false, at },
      });
    return lines;
  }

  /**
   * One email to the deployment's HEALTH_RECIPIENTS each time the picture of open problems across
   * tenants changes (a first picture with nothing open is not news). Never fails the fan-out.
   */
  private async tellProvider(): Promise<{ providerSummary: string }> {
    const s = this.home.settings;
    try {
      const known = new Set((await this.tenants()).map((t) => t.tenantId));
      const tenantLines = (await (await this.tenantHealth()).list()).filter((l) => known.has(l.tenantId));
      const lines = [...tenantLines, ...(await this.deploymentLines())];
      const state = await this.home.state();
      const saved = await state.get<{ fingerprint: string; told: boolean }>(PROVIDER_SUMMARY_KEY);
      const fingerprint = summaryFingerprint(lines);
      const news = saved
        ? saved.value.fingerprint !== fingerprint || !saved.value.told
        : lines.some((l) => l.open.length > 0);
      if (!news) return { providerSummary: 'unchanged' };
      if (s.health.recipients.length === 0 || !s.notifySenderMailbox) return { providerSummary: 'nobody to tell' };
      const outcome = await sendProviderSummary(lines, {
        delivery: (await this.home.sendDeps()).delivery,
        recipients: s.health.recipients,
        timeZone: s.template.timeZone ?? 'UTC',
        app: s.deploymentName,
      });
      const told = outcome.sent || outcome.told > 0 || outcome.alreadyTold > 0;
      await state.put(PROVIDER_SUMMARY_KEY, { fingerprint, told }, saved?.etag);
      return { providerSummary: told ? 'sent' : 'not yet sent' };
    } catch (error) {
      this.log.warn(`provider summary not sent: ${messageOf(error)}`);
      return { providerSummary: 'failed' };
    }
  }

  private tenantRunsQueue() {
    const s = this.home.settings.storage;
    return lazyStorageClient(
      () => queueClient(s, TENANT_RUNS_QUEUE, () => this.home.storageCredential()),
      s,
      'Queue Storage',
    );
  }

  /** One tenant-runs message: that tenant's stage, unless it is gone, disabled, stale or already running. */
  async runTenant(body: unknown, holder: string): Promise<object> {
    const run = parseTenantRun(body);
    const about = { tenant: run.tenant, stage: run.stage };
    if (isStale(run, this.clock.now(), STALE_RUN_MS)) return { ...about, skipped: `stale: fired at ${run.firedAt}` };
    const served = await this.tenant(run.tenant).catch(async (error: unknown) => {
      if (error instanceof TenantUnavailableError) await this.noteUnavailable(run);
      throw error;
    });
    if (!served || served.record.disabled)
      return { ...about, skipped: served ? 'disabled' : 'not a tenant of this deployment' };
    const lease = new StageLease(await served.runtime.state(), holder);
    if (!(await lease.acquire(run.stage, this.clock.now(), LEASE_MS))) {
      // A run killed mid-way (timeout, recycled instance) leaves its lease for 11 minutes; the host's
      // redelivery meets it. The weekly report comes once a week: it gets its next try, not a skip.
      if (run.stage === 'report') await this.retryReport(run);
      return { ...about, skipped: 'the previous run of this stage for this tenant is still going' };
    }
    try {
      const summary = await this.runStage(served, run);
      return { ...about, name: served.record.name, ...summary };
    } finally {
      await lease
        .release(run.stage)
        .catch((error: unknown) => this.log.warn(`lease not released: ${messageOf(error)}`));
    }
  }

  private async runStage(served: Served, run: TenantRun): Promise<object> {
    const { runtime } = served;
    const works: Record<TenantStage, () => Promise<object>> = {
      snapshot: () => runtime.snapshot(),
      detect: () => runtime.detect(),
      report: () => runtime.sendWeeklyReport(),
    };
    const work = works[run.stage];
    try {
      return await runtime.runStage(STAGE_NAMES[run.stage], work, undefined, (open, ok) =>
        this.noteHealth(served, run.stage, open, ok),
      );
    } catch (error) {
      // The next tick retries a snapshot or a detection; a weekly report gets its own retries (a send in doubt).
      if (run.stage === 'report') await this.retryReport(run);
      throw error;
    }
  }

  private async retryReport(run: TenantRun): Promise<void> {
    const attempt = (run.attempt ?? 1) + 1;
    if (attempt > REPORT_ATTEMPTS) return;
    const queue = this.tenantRunsQueue();
    await queue.createIfNotExists();
    await queue.sendMessage(encodeText(JSON.stringify({ ...run, attempt })), {
      visibilityTimeout: REPORT_RETRY_MS / 1000,
    });
  }

  /**
   * One queued job, sent by its tenant's Runtime. A disabled tenant's job waits (an hour at a time) until
   * it is enabled again; a removed tenant's job is dropped with a log line (its data went with it).
   */
  async sendQueued(body: unknown, messageId: string): Promise<object> {
    const tenant = tenantOfJob(body) ?? this.homeTenantId;
    const routed = await this.route(tenant, messageId, () => bodyText(body));
    if (!('runtime' in routed)) return { tenant, ...routed };
    const { runtime } = routed;
    const outcome = await runtime.runStage('sending', () => runtime.sendJob(parseQueuedJob(body), messageId));
    return { tenant, ...outcome };
  }

  /** The Runtime that sends a tenant's job; a disabled tenant's job is put back for later, a removed tenant's dropped. */
  private async route(
    tenantId: string,
    messageId: string,
    text: () => string,
  ): Promise<{ runtime: Runtime } | { dropped: true } | { held: true }> {
    let served: Served | undefined;
    try {
      served = await this.tenant(tenantId);
    } catch (error) {
      if (!(error instanceof TenantUnavailableError)) throw error;
      // Not a removed tenant's: it waits for the row or the settings to be fixed (the scheduler keeps its tenant).
      await this.home.scheduler.later(text(), HOLD_RECHECK_MS);
      this.log.error(`job held: ${error.message}; it is looked at again in an hour`, { messageId });
      return { held: true };
    }
    if (!served) {
      this.log.warn(`job dropped: tenant ${tenantId} is not served by this deployment (removed); nothing was sent`, {
        messageId,
      });
      return { dropped: true };
    }
    if (!served.record.disabled) return { runtime: served.runtime };
    await served.runtime.scheduler.later(text(), HOLD_RECHECK_MS);
    this.log.info(`job held: tenant ${served.record.name} is disabled; it is looked at again in an hour`, {
      messageId,
    });
    return { held: true };
  }
}
