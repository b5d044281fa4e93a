/**
 * Sources: one release, two witnesses (the audit feed's record and the quarantine listing's row).
 * Which pending releases are decided this run, which wait for their audit record
 * (RELEASE_AUDIT_WAIT_MINUTES), and which the other source or a switched-off event closes untold.
 * The decision is pure (detect/releaseSources.ts); this phase settles what it closes.
 */
import type { NoticeEvent } from '../../domain/types';
import type { ReleaseStore, StoredRelease } from '../ports';
import { sortReleaseSources } from '../releaseSources';

export interface SourcesOptions {
  /** RELEASE_AUDIT_WAIT_MINUTES in ms. */
  releaseAuditWaitMs: number;
  /** NOTIFY_ON: a held, deleted or expired event stored while it was on is not told once it is off. */
  notifyOn: readonly NoticeEvent[] | undefined;
}

export interface SourcesSummary {
  /** Listing releases still waiting for their audit record, and those an audit record covered. */
  listing: { waiting: number; covered: number };
}

export async function sortSources(
  releases: Pick<ReleaseStore, 'settleMany'>,
  pending: readonly StoredRelease[],
  now: Date,
  options: SourcesOptions,
): Promise<{ ready: StoredRelease[]; covered: StoredRelease[]; summary: SourcesSummary }> {
  const sources = sortReleaseSources(pending, now, options.releaseAuditWaitMs, options.notifyOn);
  const closed = [...sources.covered, ...sources.off].map((r) => r.recordId);
  if (closed.length > 0) await releases.settleMany(closed, 'skipped', now);
  return {
    ready: sources.ready,
    // The listing releases an audit record covered: the activity report counts their notices as seen by both.
    covered: sources.covered,
    summary: { listing: { waiting: sources.waiting.length, covered: sources.covered.length } },
  };
}
