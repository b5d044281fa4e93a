/**
 * What `npm run told` says about the story (issue 22): which event a ledger item told, and which
 * source saw each release (the audit feed, the quarantine listing, or both). Pure.
 */
import type { NoticeEvent } from '../domain/types';
import { isNoticeEvent } from '../domain/events';

export type ReleaseSource = 'audit' | 'listing' | 'both';

/** A ledger item is "<recipient>" for a release, "<event>:<recipient>" for the other events. */
export function splitNoticeItem(item: string): { event: NoticeEvent; recipient: string } {
  const colon = item.indexOf(':');
  const prefix = colon > 0 ? item.slice(0, colon) : '';
  return isNoticeEvent(prefix)
    ? { event: prefix, recipient: item.slice(colon + 1) }
    : { event: 'released', recipient: item };
}

/** The sources that saw a release of `recipient`, from the release store's rows of its message. */
export function releaseSource(
  rows: ReadonlyArray<{ releasedTo: string; source?: 'listing'; event?: string }>,
  recipient: string,
): ReleaseSource | undefined {
  const to = recipient.toLowerCase();
  // An audit record to all recipients (empty ReleaseTo) covers each of them.
  const mine = rows.filter((r) => !r.event && (r.releasedTo.toLowerCase() === to || r.releasedTo === ''));
  const listing = mine.some((r) => r.source === 'listing');
  const audit = mine.some((r) => r.source !== 'listing');
  return listing && audit ? 'both' : listing ? 'listing' : audit ? 'audit' : undefined;
}
