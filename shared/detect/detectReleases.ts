/**
 * Release detection, as a sequence of named phases (each in phases/, with only the ports it needs):
 * window -> ingest -> match -> alerts -> hand-over. Every step is stored before the state that covers
 * it moves, so a crash and a rerun repeat work but never lose or double it. The daily purge
 * (dailyPurge.ts) and the activity report's counting of every record (the feed it is given) are the
 * composition root's: see app/runtime.ts.
 */
import type { AlertSettings } from '../alerts/rules';
import type { Clock } from '../domain/clock';
import type { StateStore } from '../domain/state';
import type { CmdletRunner } from '../exchange/ports';
import type { Logger } from '../log/logger';
import { SNAPSHOT_STATE_KEY, type SnapshotState } from '../snapshot/snapshotQuarantine';
import type { QuarantineSnapshotStore } from '../snapshot/ports';
import type { AuditFeed, MessageOriginStore, NotificationQueue, ReleaseStore } from './ports';
import { acceptedDomainsCached } from './phases/acceptedDomains';
import { raiseAlerts, type AlertSummary } from './phases/alerts';
import { handOver, settleDecided, type HandOverSummary } from './phases/handOver';
import { ingest, type IngestSummary } from './phases/ingest';
import { matchPending, type MatchSummary } from './phases/match';
import { openRunState } from './phases/runState';
import { sortSources, type SourcesSummary } from './phases/sources';
import { planWindow } from './phases/window';
import { DEFAULT_RELEASE_AUDIT_WAIT_MINUTES } from '../config/storySettings';
import type { NoticeEvent } from '../domain/types';
import type { ToldNotice } from '../report/ports';
import { withListingWitness } from '../report/counting';

export { ENQUEUE_BATCH } from './phases/chunk';
export { DETECT_STATE_KEY, type DetectState } from './phases/runState';
export { OVERLAP_MS, SWEEP_EVERY_MS } from './phases/window';

/** The stores detection reads and writes. */
export interface DetectStores {
  snapshot: QuarantineSnapshotStore;
  releases: ReleaseStore;
  state: StateStore;
  /** Each released message's origin verdict, kept so its header is read once. */
  origins: MessageOriginStore;
}

/** What the settings say about this run. */
export interface DetectOptions {
  notifyReleasesSince: Date | undefined;
  /** NOTIFY_SENDER_MAILBOX: its own messages are never reported. */
  senderMailbox?: string;
  /** Header reads per run (default MAX_HEADER_READS_PER_RUN). */
  maxHeaderReads?: number;
  /** The security team's alert rules; undefined or no recipients: alerts are off. */
  alerts?: AlertSettings;
  /** RELEASE_AUDIT_WAIT_MINUTES in ms: how long a listing-only release waits for its audit record. */
  releaseAuditWaitMs?: number;
  /** NOTIFY_ON: a held, deleted or expired event stored while it was on is not told once it is off. */
  notifyOn?: readonly NoticeEvent[];
}

export interface DetectDeps {
  /** The audit feed; every record it returns is also counted for the report when the runtime wires it so. */
  feed: AuditFeed;
  exchange: CmdletRunner;
  stores: DetectStores;
  queue: NotificationQueue;
  log: Logger;
  clock: Clock;
  options: DetectOptions;
  /** The activity report's count of the notices handed over (the runtime wires it; absent: not counted). */
  countTold?: (notices: readonly ToldNotice[], now: Date) => Promise<void>;
}

export type DetectSummary = { from: string; to: string; sweep: boolean } & IngestSummary &
  MatchSummary &
  HandOverSummary &
  AlertSummary &
  SourcesSummary & {
    notifySince: string;
    /** Items this run set aside rather than fail on: undecidable releases, refused notice and alert jobs. */
    setAside: number;
  };

/** Reads new release records and turns the ones that match the snapshot into notification (and alert) jobs. */
export async function detectReleases(deps: DetectDeps): Promise<DetectSummary> {
  const { stores, options, log } = deps;
  const run = await openRunState(stores.state);
  const window = await planWindow(run, deps.clock.now(), options.notifyReleasesSince);
  const now = window.to;

  const ingested = await ingest({ feed: deps.feed, releases: stores.releases, log }, run, window);

  const sorted = await sortSources(stores.releases, await stores.releases.pending(), now, {
    releaseAuditWaitMs: options.releaseAuditWaitMs ?? DEFAULT_RELEASE_AUDIT_WAIT_MINUTES * 60_000,
    notifyOn: options.notifyOn,
  });
  const pending = sorted.ready;
  const snapshotState = await stores.state.get<SnapshotState>(SNAPSHOT_STATE_KEY);
  const acceptedDomains = pending.length > 0 ? await acceptedDomainsCached(deps.exchange, run, now) : [];
  const matched = await matchPending(
    {
      exchange: deps.exchange,
      snapshot: stores.snapshot,
      origins: stores.origins,
      log,
      maxHeaderReads: options.maxHeaderReads,
    },
    pending,
    {
      now,
      notifySince: window.notifySince,
      acceptedDomains,
      snapshotWatermark: snapshotState ? new Date(snapshotState.value.watermark) : undefined,
      senderMailbox: options.senderMailbox,
    },
  );

  const alerted = await raiseAlerts(
    { queue: deps.queue, releases: stores.releases, log, alerts: options.alerts },
    matched.decided,
  );
  await settleDecided(stores.releases, matched.toSettle, now);
  const countTold = deps.countTold && withListingWitness(deps.countTold, sorted.covered);
  const handed = await handOver(
    { queue: deps.queue, releases: stores.releases, log, countTold },
    matched.toNotify,
    now,
  );

  return {
    from: window.from.toISOString(),
    to: now.toISOString(),
    sweep: window.sweep,
    ...ingested,
    ...matched.summary,
    ...handed,
    ...alerted,
    ...sorted.summary,
    notifySince: window.notifySince.toISOString(),
    setAside: matched.summary.undecidable + handed.setAsideJobs + alerted.setAsideAlerts,
  };
}
