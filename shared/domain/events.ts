/**
 * How the story's events (held, deleted, expired) ride the release machinery: the ledger item that
 * makes each event happen at most once per message and recipient, and the facts a notice carries.
 * A release keeps its item as it always was (the recipient), so a release told before this change,
 * or by the other source, is still the same release.
 */
import { addressKey } from '../text/clean';
import type { NoticeEvent, QuarantinedMessage, ReleasedMessageFacts, ReleaseEvent } from './types';

export const NOTICE_EVENTS: readonly NoticeEvent[] = ['released', 'held', 'deleted', 'expired'];
export const EVENT_HEADER = 'x-qrn-event';

/** The ledger item of one notice: the recipient for a release, "<event>:<recipient>" for the others. */
export function noticeItem(facts: Pick<ReleasedMessageFacts, 'releasedTo' | 'event'>): string {
  // The recipient as every ledger key spells it (text/clean.ts): NFKC look-alikes keyed apart.
  const to = addressKey(facts.releasedTo);
  return facts.event ? `${facts.event}:${to}` : to;
}

export function eventOf(facts: Pick<ReleasedMessageFacts, 'event'>): NoticeEvent {
  return facts.event ?? 'released';
}

export function isNoticeEvent(value: unknown): value is Exclude<NoticeEvent, 'released'> {
  return value === 'held' || value === 'deleted' || value === 'expired';
}

/** The stable id of an event row in the release store: one per event, message and recipient (or copy). */
export function eventRecordId(event: Exclude<NoticeEvent, 'released'>, networkMessageId: string, key: string): string {
  return `${event}|${networkMessageId.toLowerCase()}|${key.toLowerCase()}`;
}

/**
 * The facts detection decided for a stored release or event, completed with the event and, for a
 * hold, the copy's expiry. A deletion is told only for recipients whose copy was never released.
 */
export function factsForEvent(
  release: Pick<ReleaseEvent, 'event'>,
  facts: readonly ReleasedMessageFacts[],
  rows: readonly QuarantinedMessage[],
): ReleasedMessageFacts[] {
  if (!release.event) return [...facts];
  const copyOf = (to: string): QuarantinedMessage | undefined =>
    rows.find((r) => r.recipients.some((a) => a.toLowerCase() === to.toLowerCase()));
  const released = (to: string): boolean => /^released$/i.test(copyOf(to)?.releaseStatus ?? '');
  return facts
    .filter((f) => release.event === 'held' || !released(f.releasedTo))
    .map((f) => {
      const expires = copyOf(f.releasedTo)?.expiresAt;
      return { ...f, event: release.event, ...(expires ? { expiresAt: expires.toISOString() } : {}) };
    });
}
