/**
 * One release, two witnesses: the audit feed's record and the quarantine listing's row. Pure: which
 * pending releases detection decides now, which wait, and which the other source already covers.
 * Both sources produce the same ledger key (NetworkMessageId + released-to address), so whichever is
 * told first, the other's notice is a no-op in the sending stage; this only saves that work and
 * lets the audit record, which names who released it and when, win when both are at hand.
 */
import type { StoredRelease } from '../detect/ports';
import type { NoticeEvent } from '../domain/types';

export interface SourcesVerdict {
  /** Decide these now. */
  ready: StoredRelease[];
  /** Listing releases still inside RELEASE_AUDIT_WAIT_MINUTES with no audit record yet. */
  waiting: StoredRelease[];
  /** Listing releases whose audit record is also pending: settled, the audit record tells it. */
  covered: StoredRelease[];
  /** Held, deleted or expired events stored while on, whose event NOTIFY_ON no longer lists: settled untold. */
  off: StoredRelease[];
}

const pairOf = (r: Pick<StoredRelease, 'networkMessageId' | 'releasedTo'>): string =>
  `${r.networkMessageId.toLowerCase()}|${r.releasedTo.toLowerCase()}`;

/**
 * Whether an audit record among `releases` witnesses the same release as a listing row: one for the
 * same message and recipient, or one "to all recipients" (empty ReleaseTo) of its message.
 */
function auditedAmong(
  releases: readonly Pick<StoredRelease, 'networkMessageId' | 'releasedTo' | 'source'>[],
): (r: Pick<StoredRelease, 'networkMessageId' | 'releasedTo'>) => boolean {
  const audited = new Set<string>();
  const auditedToAll = new Set<string>();
  for (const r of releases) {
    if (r.source === 'listing') continue;
    if (r.releasedTo === '') auditedToAll.add(r.networkMessageId.toLowerCase());
    else audited.add(pairOf(r));
  }
  return (r) => audited.has(pairOf(r)) || auditedToAll.has(r.networkMessageId.toLowerCase());
}

export function sortReleaseSources(
  pending: readonly StoredRelease[],
  now: Date,
  waitMs: number,
  notifyOn: readonly NoticeEvent[] = ['released', 'held', 'deleted', 'expired'],
): SourcesVerdict {
  const audited = auditedAmong(pending);
  const verdict: SourcesVerdict = { ready: [], waiting: [], covered: [], off: [] };
  for (const r of pending) {
    if (r.event && !notifyOn.includes(r.event)) verdict.off.push(r);
    else if (r.source !== 'listing') verdict.ready.push(r);
    else if (audited(r)) verdict.covered.push(r);
    // 0 tells at once (detection rounds its clock down to whole seconds: a release a moment "ahead" is not waiting).
    else if (waitMs > 0 && now.getTime() - r.releasedAt.getTime() < waitMs) verdict.waiting.push(r);
    else verdict.ready.push(r);
  }
  return verdict;
}

/**
 * The releases among `releases` counted once each: a listing row whose audit record is also there
 * (same message and recipient, or an audit record "to all recipients" of its message) is the same
 * release seen twice, so only the audit record stays. What the burst rule counts.
 */
export function oneWitnessEach<T extends Pick<StoredRelease, 'networkMessageId' | 'releasedTo' | 'source'>>(
  releases: readonly T[],
): T[] {
  const audited = auditedAmong(releases);
  return releases.filter((r) => r.source !== 'listing' || !audited(r));
}
