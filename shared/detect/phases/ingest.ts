/**
 * Ingest: store every new release record, then mark its blob done, then move the checkpoint. Every
 * step is stored before the state that covers it moves, so a crash and a rerun repeat work but never
 * lose or double it: records dedupe on Id, and blobs are marked done after their records are stored.
 */
import type { ReleaseEvent } from '../../domain/types';
import type { Logger } from '../../log/logger';
import { windowsBetween } from '../../snapshot/snapshotQuarantine';
import type { AuditFeed, ContentBlob, ReleaseStore } from '../ports';
import { classifyAuditRecord, type IgnoreReason, type RecordVerdict } from '../releaseRecords';
import { messageOf } from '../../log/errors';
import type { RunState } from './runState';
import type { RunWindow } from './window';

/** At most 24 hours per content listing, as the API requires. */
const LISTING_WINDOW_MS = 12 * 60 * 60_000;

export interface IngestDeps {
  feed: AuditFeed;
  releases: ReleaseStore;
  log: Logger;
}

export interface IngestSummary {
  blobsListed: number;
  blobsRead: number;
  recordsRead: number;
  releases: number;
  newReleases: number;
  duplicateReleases: number;
  /** Release records the store refused (too large, malformed keys): logged and skipped. */
  rejectedReleases: number;
  ignoredByReason: Partial<Record<IgnoreReason, number>>;
}

export function count<K extends string>(map: Partial<Record<K, number>>, key: K): void {
  map[key] = (map[key] ?? 0) + 1;
}

export async function ingest(deps: IngestDeps, run: RunState, window: RunWindow): Promise<IngestSummary> {
  const summary: IngestSummary = {
    blobsListed: 0,
    blobsRead: 0,
    recordsRead: 0,
    releases: 0,
    newReleases: 0,
    duplicateReleases: 0,
    rejectedReleases: 0,
    ignoredByReason: {},
  };
  await deps.feed.ensureSubscription();
  const state = run.value;
  for (const listing of windowsBetween(window.from, window.to, LISTING_WINDOW_MS)) {
    const blobs = await deps.feed.listContent(listing.start, listing.end);
    summary.blobsListed += blobs.length;
    for (const blob of blobs) await ingestBlob(deps, blob, { now: window.to, summary });
    if (!state.checkpoint || Date.parse(state.checkpoint) < listing.end.getTime()) {
      state.checkpoint = listing.end.toISOString();
      await run.save();
    }
  }
  if (window.sweep) {
    state.lastSweepAt = window.to.toISOString();
    await run.save();
  }
  return summary;
}

/** This run's instant and the counts every blob adds to. */
interface BlobRun {
  now: Date;
  summary: IngestSummary;
}

async function ingestBlob(deps: IngestDeps, blob: ContentBlob, { now, summary }: BlobRun): Promise<void> {
  if (await deps.releases.isBlobDone(blob.contentId)) return;
  const records = await deps.feed.fetchContent(blob);
  summary.blobsRead++;
  summary.recordsRead += records.length;
  const events = releasesIn(records, { blob, log: deps.log, ignored: summary.ignoredByReason });
  // A blob's releases go in as transactions of up to 100 (a mass release is thousands of records).
  summary.releases += events.length;
  const stored = await deps.releases.addMany(events, now);
  summary.newReleases += stored.added;
  summary.duplicateReleases += stored.duplicates;
  // A record Table Storage will not take is logged and moved past: it cannot stop the checkpoint.
  for (const refused of stored.rejected) {
    summary.rejectedReleases++;
    deps.log.warn('Skipped release record', {
      recordId: refused.recordId.slice(0, 200),
      blob: blob.contentId,
      reason: refused.reason,
      detail: refused.detail,
    });
  }
  await deps.releases.markBlobDone(blob.contentId, blob.contentCreated, now);
}

/** The release events among a blob's records; the others counted in `ignored` by reason. */
function releasesIn(
  records: readonly unknown[],
  { blob, log, ignored }: { blob: ContentBlob; log: Logger; ignored: IngestSummary['ignoredByReason'] },
): ReleaseEvent[] {
  const events: ReleaseEvent[] = [];
  for (const raw of records) {
    const verdict = classifySafely(raw, log, blob);
    if (verdict.kind === 'release') {
      events.push(verdict.event);
      continue;
    }
    count(ignored, verdict.reason);
    if (verdict.reason === 'malformed')
      log.warn(
        `Skipped a malformed QuarantineReleaseMessage record (Id "${verdict.recordId}") in audit blob ${blob.contentId}`,
      );
    if (verdict.reason === 'failed')
      log.info('ignored', {
        recordId: verdict.recordId,
        reason: verdict.reason,
        resultStatus: verdict.resultStatus ?? '',
      });
  }
  return events;
}

/** The classifier is total; should one record still crash it, that record is counted malformed, not the blob lost. */
function classifySafely(raw: unknown, log: Logger, blob: ContentBlob): RecordVerdict {
  try {
    return classifyAuditRecord(raw);
  } catch (error) {
    log.error('audit record set aside: the classifier failed on it', {
      blob: blob.contentId,
      reason: messageOf(error).slice(0, 300),
    });
    return { kind: 'ignored', reason: 'malformed', recordId: '' };
  }
}
