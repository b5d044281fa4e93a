import type { AuditFeed } from './ports';
import { classifyAuditRecord, type IgnoreReason } from '../audit/releaseRecords';
import type { CmdletRunner } from '../exchange/exchangeClient';
import { listAcceptedDomains } from '../exchange/quarantineSource';
import type { Logger } from '../log/logger';
import { jobsFor, ledgerKey, type NotificationJob } from '../jobs/notificationJob';
import { type NotificationQueue } from './ports';
import type { NoticeEvent, QuarantinedMessage, ReleaseEvent, ReleasedMessageFacts } from '../domain/types';
import type { QuarantineSnapshotStore } from '../snapshot/ports';
import type { ReleaseStore, StoredRelease } from './ports';
import type { StateStore } from '../domain/state';
import type { MessageOriginStore } from './ports';
import { forEachLimited } from '../store/tables';
import { SNAPSHOT_STATE_KEY, windowsBetween, type SnapshotState } from '../snapshot/snapshotQuarantine';
import { decideRelease, type Decision, type SkipReason } from './decide';
import type { OriginSource } from './origin';
import { OriginResolver } from './resolveOrigin';
import {
  BURST_WINDOW_MS,
  burstFindings,
  messageFindings,
  type AlertFinding,
  type AlertSettings,
  type MessageView,
  type ReleaseView,
} from '../alerts/rules';
import { alertJobsFor } from '../jobs/alertJob';
import { isAcceptedDomain } from './decide';
import type { MessageOrigin } from './origin';
import { sortReleaseSources } from '../story/releaseSources';
import { factsForEvent } from '../story/events';
import { DEFAULT_RELEASE_AUDIT_WAIT_MINUTES } from '../story/storySettings';

const DEFAULT_AUDIT_WAIT_MS = DEFAULT_RELEASE_AUDIT_WAIT_MINUTES * 60_000;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Content can be listed at most 7 days back; stay a little inside so a slow run is not refused. */
const FEED_REACH_MS = 7 * DAY_MS - 10 * MINUTE_MS;
/** Every run re-reads this much before its checkpoint: blobs are listed late and out of order. */
export const OVERLAP_MS = 3 * HOUR_MS;
/** The whole 7 days are swept this often, for records published days late. */
export const SWEEP_EVERY_MS = 6 * HOUR_MS;
/** At most 24 hours per content listing, as the API requires. */
const LISTING_WINDOW_MS = 12 * HOUR_MS;
const ACCEPTED_DOMAINS_TTL_MS = 6 * HOUR_MS;
/** Seen records and done blobs are remembered past the 7 days the feed can return them. */
const REMEMBER_MS = 10 * DAY_MS;
/** Origin verdicts outlive any release of their message: 30 days in quarantine plus 7 of audit delay, and a margin. */
const REMEMBER_ORIGIN_MS = 40 * DAY_MS;
const LOOKUP_CONCURRENCY = 8;
/** Jobs enqueued before their releases are settled: bounds what a timeout mid-run can repeat. */
export const ENQUEUE_BATCH = 50;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}

export const DETECT_STATE_KEY = 'detect';

export interface DetectState {
  /** Every audit blob listed before this instant (less the overlap) has been stored. */
  checkpoint?: string;
  lastSweepAt?: string;
  /** The first run's time, when NOTIFY_RELEASES_SINCE is not set. */
  notifySince?: string;
  acceptedDomains?: string[];
  acceptedDomainsAt?: string;
  lastPurgeAt?: string;
}

export interface DetectSummary {
  from: string;
  to: string;
  sweep: boolean;
  blobsListed: number;
  blobsRead: number;
  recordsRead: number;
  releases: number;
  newReleases: number;
  duplicateReleases: number;
  /** Release records the store refused (too large, malformed keys): logged and skipped. */
  rejectedReleases: number;
  ignoredByReason: Partial<Record<IgnoreReason, number>>;
  matched: number;
  pending: number;
  unmatched: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Release decisions that used a message origin, by where the origin came from. */
  originBySource: Record<OriginSource, number>;
  /** Get-QuarantineMessageHeader calls this run (each is audited in the tenant). */
  headerReads: number;
  jobs: number;
  /** Alert emails handed over this run. */
  alerts: number;
  notifySince: string;
  /** [story] Listing releases still waiting for their audit record, and those an audit record covered. */
  listing?: { waiting: number; covered: number };
}

export interface DetectDeps {
  feed: AuditFeed;
  exchange: CmdletRunner;
  snapshot: QuarantineSnapshotStore;
  releases: ReleaseStore;
  state: StateStore;
  queue: NotificationQueue;
  /** Each released message's origin verdict, kept so its header is read once. */
  origins: MessageOriginStore;
  log: Logger;
  notifyReleasesSince: Date | undefined;
  /** NOTIFY_SENDER_MAILBOX: its own messages are never reported. */
  senderMailbox?: string;
  /** Header reads per run (default MAX_HEADER_READS_PER_RUN). */
  maxHeaderReads?: number;
  /** The security team's alert rules; undefined or no recipients: alerts are off. */
  alerts?: AlertSettings;
  /** Also given every record of each audit blob, before the blob is marked done; each must be idempotent by record Id. */
  recordReaders?: ReadonlyArray<(records: readonly unknown[]) => Promise<void>>;
  /** Other daily clean-ups that ride on this timer (the notification ledger's), each returning rows deleted. */
  housekeeping?: ReadonlyArray<(now: Date) => Promise<number>>;
  now?: () => Date;
  /** [story] RELEASE_AUDIT_WAIT_MINUTES in ms: how long a listing-only release waits for its audit record. */
  releaseAuditWaitMs?: number;
  /** [story] NOTIFY_ON: a held, deleted or expired event stored while it was on is not told once it is off. */
  notifyOn?: readonly NoticeEvent[];
}

function count<K extends string>(map: Partial<Record<K, number>>, key: K): void {
  map[key] = (map[key] ?? 0) + 1;
}

/**
 * Reads new release records and turns the ones that match the snapshot into notification jobs.
 * Every step is stored before the state that covers it moves, so a crash and a rerun repeat work
 * but never lose or double it: records dedupe on Id, blobs are marked done after their records
 * are stored, and the sending stage's ledger makes a re-enqueued job harmless.
 */
export async function detectReleases(deps: DetectDeps): Promise<DetectSummary> {
  // The feed takes whole seconds: a window that ended mid-second would be cut short on the wire.
  const now = new Date(Math.floor((deps.now ?? (() => new Date()))().getTime() / 1000) * 1000);
  const saved = await deps.state.get<DetectState>(DETECT_STATE_KEY);
  const state: DetectState = { ...saved?.value };
  let etag = saved?.etag;
  const save = async (): Promise<void> => {
    etag = await deps.state.put(DETECT_STATE_KEY, state, etag);
  };

  // Without NOTIFY_RELEASES_SINCE a fresh deployment starts now: it does not mail about old releases.
  if (!state.notifySince) {
    state.notifySince = now.toISOString();
    await save();
  }
  const notifySince = deps.notifyReleasesSince ?? new Date(state.notifySince);

  const earliest = now.getTime() - FEED_REACH_MS;
  const lastSweep = state.lastSweepAt ? Date.parse(state.lastSweepAt) : Number.NaN;
  const sweep = !state.checkpoint || Number.isNaN(lastSweep) || now.getTime() - lastSweep >= SWEEP_EVERY_MS;
  const checkpoint = state.checkpoint ? Date.parse(state.checkpoint) : Number.NaN;
  const fromMs =
    sweep || Number.isNaN(checkpoint) ? earliest : Math.max(earliest, Math.min(checkpoint, now.getTime()) - OVERLAP_MS);
  const summary: DetectSummary = {
    from: new Date(fromMs).toISOString(),
    to: now.toISOString(),
    sweep,
    blobsListed: 0,
    blobsRead: 0,
    recordsRead: 0,
    releases: 0,
    newReleases: 0,
    duplicateReleases: 0,
    rejectedReleases: 0,
    ignoredByReason: {},
    matched: 0,
    pending: 0,
    unmatched: 0,
    skippedByReason: {},
    originBySource: { header: 0, fallback: 0 },
    headerReads: 0,
    jobs: 0,
    alerts: 0,
    notifySince: notifySince.toISOString(),
  };

  await deps.feed.ensureSubscription();

  // 1. Ingest: store every new release record, then mark its blob done, then move the checkpoint.
  for (const window of windowsBetween(new Date(fromMs), now, LISTING_WINDOW_MS)) {
    const blobs = await deps.feed.listContent(window.start, window.end);
    summary.blobsListed += blobs.length;
    for (const blob of blobs) {
      if (await deps.releases.isBlobDone(blob.contentId)) continue;
      const records = await deps.feed.fetchContent(blob);
      summary.blobsRead++;
      summary.recordsRead += records.length;
      const events: ReleaseEvent[] = [];
      for (const raw of records) {
        const verdict = classifyAuditRecord(raw);
        if (verdict.kind === 'ignored') {
          count(summary.ignoredByReason, verdict.reason);
          if (verdict.reason === 'malformed')
            deps.log.warn(
              `Skipped a malformed QuarantineReleaseMessage record (Id "${verdict.recordId}") in audit blob ${blob.contentId}`,
            );
          if (verdict.reason === 'failed')
            deps.log.info(
              `ignored ${JSON.stringify({ recordId: verdict.recordId, reason: verdict.reason, resultStatus: verdict.resultStatus ?? '' })}`,
            );
          continue;
        }
        events.push(verdict.event);
      }
      // A blob's releases go in as transactions of up to 100 (a mass release is thousands of records).
      summary.releases += events.length;
      const stored = await deps.releases.addMany(events, now);
      summary.newReleases += stored.added;
      summary.duplicateReleases += stored.duplicates;
      // A record Table Storage will not take is logged and moved past: it cannot stop the checkpoint.
      for (const refused of stored.rejected) {
        summary.rejectedReleases++;
        deps.log.warn(
          `Skipped release record ${JSON.stringify({ recordId: refused.recordId.slice(0, 200), blob: blob.contentId, reason: refused.reason, detail: refused.detail })}`,
        );
      }
      // Other readers of the same records (the activity report's counts) go before the blob is done.
      for (const reader of deps.recordReaders ?? []) await reader(records);
      await deps.releases.markBlobDone(blob.contentId, blob.contentCreated, now);
    }
    if (!state.checkpoint || Date.parse(state.checkpoint) < window.end.getTime()) {
      state.checkpoint = window.end.toISOString();
      await save();
    }
  }
  if (sweep) {
    state.lastSweepAt = now.toISOString();
    await save();
  }

  // 2. Match every pending release against the snapshot and decide who to tell.
  // [story] Releases the quarantine listing saw wait for their audit record (shared/story/releaseSources.ts).
  const sources = sortReleaseSources(
    await deps.releases.pending(),
    now,
    deps.releaseAuditWaitMs ?? DEFAULT_AUDIT_WAIT_MS,
    deps.notifyOn,
  );
  await deps.releases.settleMany(
    [...sources.covered, ...sources.off].map((r) => r.recordId),
    'skipped',
    now,
  );
  summary.listing = { waiting: sources.waiting.length, covered: sources.covered.length };
  const pending = sources.ready;
  // [/story]
  const snapshotState = await deps.state.get<SnapshotState>(SNAPSHOT_STATE_KEY);
  const watermark = snapshotState ? new Date(snapshotState.value.watermark) : undefined;
  const acceptedDomains = pending.length > 0 ? await acceptedDomainsCached(deps, state, now, save) : [];
  const toNotify = new Map<string, { facts: ReleasedMessageFacts; recordIds: string[] }[]>();
  const seenPairs = new Map<string, { facts: ReleasedMessageFacts; recordIds: string[] }>();

  const resolver = new OriginResolver({
    exchange: deps.exchange,
    origins: deps.origins,
    log: deps.log,
    now,
    maxReads: deps.maxHeaderReads,
  });
  const ctx = { now, notifySince, acceptedDomains, snapshotWatermark: watermark, senderMailbox: deps.senderMailbox };

  // Releases decided this run, for the alert rules; skipped and unmatched ones are settled only after
  // their alerts are handed over, so a crash in between cannot lose an alert.
  const decided: ReleaseView[] = [];
  const toSettle: Array<{ recordId: string; status: 'skipped' | 'unmatched'; reason: string }> = [];
  // Releases grouped by message: a release to all of a message's 100 recipients is 100 records,
  // and its snapshot rows are read once for all of them (and dropped when the group is decided).
  const byMessage = new Map<string, StoredRelease[]>();
  for (const release of pending) {
    const group = byMessage.get(release.networkMessageId);
    if (group) group.push(release);
    else byMessage.set(release.networkMessageId, [release]);
  }
  await forEachLimited([...byMessage.values()], LOOKUP_CONCURRENCY, async (group) => {
    const rows = await deps.snapshot.findByNetworkMessageId(group[0].networkMessageId);
    for (const release of group) await decideOne(release, rows);
  });

  async function decideOne(release: StoredRelease, rows: QuarantinedMessage[]): Promise<void> {
    let decision: Decision = decideRelease(release, rows, ctx);
    let origin: MessageOrigin | undefined;
    if (decision.kind === 'need-origin') {
      const resolved = await resolver.resolve(
        release.networkMessageId,
        rows,
        decision.sender,
        acceptedDomains,
        release.releasedTo,
      );
      if (resolved === 'deferred') {
        // This run's header reads are used up: the release waits for the next run's.
        summary.pending++;
        return;
      }
      origin = resolved;
      resolver.count(resolved);
      decision = decideRelease(release, rows, ctx, resolved);
    }
    // Releases before the cut-off raise no alert either: a fresh deployment does not report last week.
    const beforeCutoff = decision.kind === 'skip' && decision.reason === 'before-cutoff';
    // [story] Held, deleted and expired events are no releases: the alert rules never see them.
    if (decision.kind !== 'need-origin' && decision.kind !== 'wait' && !beforeCutoff && !release.event)
      decided.push({ release, message: messageView(rows, origin, acceptedDomains) });
    switch (decision.kind) {
      case 'need-origin':
      case 'wait':
        summary.pending++;
        return;
      case 'unmatched':
        summary.unmatched++;
        deps.log.warn(
          `Release ${release.recordId} (NetworkMessageId ${release.networkMessageId}, released to ${release.releasedTo || 'all recipients'}) was never matched: ${decision.why}. Nobody is notified for it.`,
        );
        toSettle.push({ recordId: release.recordId, status: 'unmatched', reason: decision.why });
        return;
      case 'skip':
        count(summary.skippedByReason, decision.reason);
        if (decision.reason === 'invalid-sender') {
          deps.log.warn(
            `Release ${release.recordId} (NetworkMessageId ${release.networkMessageId}): the quarantined message has no usable sender address; nobody is notified.`,
          );
        } else if (decision.reason !== 'before-cutoff') {
          // Ids as JSON fields: an address or id can never start a log line of its own.
          deps.log.info(
            `skip ${JSON.stringify({ recordId: release.recordId, networkMessageId: release.networkMessageId, releasedTo: release.releasedTo, reason: decision.reason })}`,
          );
        }
        toSettle.push({ recordId: release.recordId, status: 'skipped', reason: decision.reason });
        return;
      case 'notify': {
        // [story] An event's facts carry it (and a deletion skips copies that were released): shared/story/events.ts.
        const told = factsForEvent(release, decision.facts, rows);
        if (told.length === 0) {
          toSettle.push({ recordId: release.recordId, status: 'skipped', reason: 'released-before' });
          return;
        }
        summary.matched++;
        for (const facts of told) {
          // Two records for the same message and recipient (a repeated release, or one to all) make one notice.
          const key = ledgerKey(facts);
          const existing = seenPairs.get(key);
          if (existing) {
            existing.recordIds.push(release.recordId);
            continue;
          }
          const entry = { facts, recordIds: [release.recordId] };
          seenPairs.set(key, entry);
          const list = toNotify.get(decision.sender) ?? [];
          list.push(entry);
          toNotify.set(decision.sender, list);
        }
      }
    }
  }
  summary.originBySource = resolver.bySource;
  summary.headerReads = resolver.headerReads;

  // 3a. Alerts for the security team, then the releases that only they were waiting for.
  if (deps.alerts && deps.alerts.recipients.length > 0) {
    const findings = [
      ...messageFindings(decided, deps.alerts),
      ...(await burstsAmong(decided, deps.alerts.burstReleases, deps.releases)),
    ];
    const alertJobs = alertJobsFor(findings);
    for (const batch of chunk(alertJobs, ENQUEUE_BATCH)) await deps.queue.enqueue(batch);
    summary.alerts = alertJobs.length;
    for (const job of alertJobs) {
      // One structured event per alert, for a Sentinel or Log Analytics rule (README: KQL).
      deps.log.warn('quarantine alert', {
        rule: job.rule,
        account: job.account,
        releases: job.items.reduce((n, i) => n + i.totalReleases, 0),
        networkMessageIds: [...new Set(job.items.flatMap((i) => i.releases.map((r) => r.networkMessageId)))],
        quarantineTypes: [
          ...new Set(job.items.flatMap((i) => i.releases.map((r) => r.quarantineType)).filter((t) => t !== '')),
        ],
        jobId: job.jobId,
      });
    }
  }
  await forEachLimited(toSettle, LOOKUP_CONCURRENCY, (s) => deps.releases.settle(s.recordId, s.status, s.reason, now));

  // 3. Hand the jobs over in batches, settling each batch's releases as soon as it is enqueued: a
  // timeout mid-run repeats nothing already handed over. A crash between the two re-enqueues one
  // batch on the next run, and the ledger in the sending stage turns the repeat into a no-op.
  const jobs = [...toNotify.entries()].flatMap(([sender, entries]) =>
    jobsFor(
      sender,
      entries.map((e) => e.facts),
    ),
  );
  const recordsOf = new Map<string, string[]>([...seenPairs.entries()].map(([key, entry]) => [key, entry.recordIds]));
  // A record can be reported by more than one job (released to all recipients of a message cut in
  // two): it is settled once the last of them is handed over.
  const jobsLeft = new Map<string, number>();
  const recordIdsOf = (job: NotificationJob): string[] => [
    ...new Set(job.releases.flatMap((f) => recordsOf.get(ledgerKey(f)) ?? [])),
  ];
  for (const job of jobs) for (const id of recordIdsOf(job)) jobsLeft.set(id, (jobsLeft.get(id) ?? 0) + 1);
  for (const batch of chunk(jobs, ENQUEUE_BATCH)) {
    await deps.queue.enqueue(batch);
    summary.jobs += batch.length;
    const done: string[] = [];
    for (const job of batch) {
      for (const id of recordIdsOf(job)) {
        const left = (jobsLeft.get(id) ?? 1) - 1;
        jobsLeft.set(id, left);
        if (left === 0) done.push(id);
      }
    }
    await deps.releases.settleMany(done, 'queued', now);
    deps.log.info('handed over', { jobs: batch.length, releases: done.length });
  }

  const lastPurge = state.lastPurgeAt ? Date.parse(state.lastPurgeAt) : Number.NaN;
  if (Number.isNaN(lastPurge) || now.getTime() - lastPurge >= DAY_MS) {
    await deps.releases.purge(new Date(now.getTime() - REMEMBER_MS));
    await deps.origins.purge(new Date(now.getTime() - REMEMBER_ORIGIN_MS));
    for (const clean of deps.housekeeping ?? []) await clean(now);
    state.lastPurgeAt = now.toISOString();
    await save();
  }
  return summary;
}

async function acceptedDomainsCached(
  deps: DetectDeps,
  state: DetectState,
  now: Date,
  save: () => Promise<void>,
): Promise<string[]> {
  const fetchedAt = state.acceptedDomainsAt ? Date.parse(state.acceptedDomainsAt) : Number.NaN;
  if (state.acceptedDomains && state.acceptedDomains.length > 0 && now.getTime() - fetchedAt < ACCEPTED_DOMAINS_TTL_MS)
    return state.acceptedDomains;
  const domains = await listAcceptedDomains(deps.exchange);
  if (domains.length === 0)
    throw new Error(
      'Get-AcceptedDomain returned no domains; cannot tell internal senders from external ones, so nobody is notified this run.',
    );
  state.acceptedDomains = domains;
  state.acceptedDomainsAt = now.toISOString();
  await save();
  return domains;
}

/** What the alert email says about the message: the snapshot's facts and where it came from. */
function messageView(
  rows: readonly QuarantinedMessage[],
  origin: MessageOrigin | undefined,
  acceptedDomains: readonly string[],
): MessageView | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const sender = rows.map((r) => r.senderAddress).find((s) => s !== '') ?? '';
  const recipients = [...new Set(rows.flatMap((r) => r.recipients.map((a) => a.toLowerCase())))];
  const came = origin
    ? `${origin.verdict === 'internal' ? 'inside the organisation' : 'outside the organisation'} (${origin.source}: ${origin.rule})`
    : sender && isAcceptedDomain(sender, acceptedDomains)
      ? `not checked (sender in an accepted domain; Direction says ${first.direction || 'nothing'})`
      : `outside the organisation (sender domain not accepted; Direction says ${first.direction || 'nothing'})`;
  return {
    sender,
    recipients,
    subject: first.subject,
    receivedAt: first.receivedAt.toISOString(),
    quarantineType: first.quarantineType,
    policyName: first.policyName,
    origin: came,
  };
}

/** Bursts by the accounts that released something this run, over their releases around it (any type, any status). */
async function burstsAmong(
  decided: readonly ReleaseView[],
  threshold: number,
  releases: ReleaseStore,
): Promise<AlertFinding[]> {
  if (threshold <= 0) return [];
  const byAccount = new Map<string, ReleaseView[]>();
  for (const view of decided) {
    const account = view.release.releasedBy;
    if (account) byAccount.set(account, [...(byAccount.get(account) ?? []), view]);
  }
  const findings: AlertFinding[] = [];
  for (const [account, views] of byAccount) {
    const times = views.map((v) => v.release.releasedAt.getTime());
    const around = await releases.releasedBy(
      account,
      new Date(Math.min(...times) - BURST_WINDOW_MS),
      new Date(Math.max(...times) + BURST_WINDOW_MS),
    );
    const known = new Map(views.map((v) => [v.release.recordId, v]));
    const all = around.map((r) => known.get(r.recordId) ?? { release: r, message: undefined });
    for (const v of views) if (!around.some((r) => r.recordId === v.release.recordId)) all.push(v);
    findings.push(...burstFindings(account, all, threshold));
  }
  return findings;
}
