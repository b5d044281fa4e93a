/**
 * The rest of a held message's life (issue 22), opt-in by NOTIFY_ON: held by a listed policy, deleted
 * unreleased (a QuarantineDeleteMessage audit record), expired unreleased (Expires passed). Each
 * becomes a row in the release store with its event, so detection decides it like a release (match,
 * sender, origin, cut-off) and the ledger tells it at most once per message and recipient.
 *
 * Switching an event on never reaches back: the first run that sees it on records the time, and only
 * holds received, deletions made and expiries passed after that time are told.
 */
import { isGuid, isMailboxAddress } from '../config/settings';
import { parseAuditTime, RELEASED_TO_ALL } from '../detect/releaseRecords';
import type { NoticeEvent, QuarantinedMessage, ReleaseEvent } from '../domain/types';
import type { StateStore } from '../domain/state';
import { isRecord } from '../http/json';
import type { ReleaseStore } from '../detect/ports';
import { eventRecordId } from '../domain/events';
import type { StorySettings } from '../config/storySettings';

type OtherEvent = Exclude<NoticeEvent, 'released'>;

export const STORY_STATE_KEY = 'story-events';

export interface StoryState {
  /** When each event was switched on (first seen on); an event switched off is forgotten. */
  since: Partial<Record<OtherEvent, string>>;
  /** Expiries up to here have been looked at. */
  expiredCheckedTo?: string;
}

/** When each event that is on was switched on; records the time for those switched on now. */
export async function storyClock(
  state: StateStore,
  notifyOn: readonly NoticeEvent[],
  now: Date,
): Promise<{ since: Partial<Record<OtherEvent, Date>>; saved: StoryState; etag: string | undefined }> {
  const stored = await state.get<StoryState>(STORY_STATE_KEY);
  const before = stored?.value.since ?? {};
  const next: StoryState = { ...stored?.value, since: {} };
  for (const event of ['held', 'deleted', 'expired'] as const)
    if (notifyOn.includes(event)) next.since[event] = before[event] ?? now.toISOString();
  let etag = stored?.etag;
  if (JSON.stringify(next.since) !== JSON.stringify(before)) etag = await state.put(STORY_STATE_KEY, next, etag);
  const since: Partial<Record<OtherEvent, Date>> = {};
  for (const [event, at] of Object.entries(next.since) as Array<[OtherEvent, string]>) since[event] = new Date(at);
  return { since, saved: next, etag };
}

const isReleased = (row: QuarantinedMessage): boolean => /^released$/i.test(row.releaseStatus);

/** Does NOTIFY_HOLD_POLICIES name this copy's quarantine type or policy? */
export function heldByListedPolicy(row: QuarantinedMessage, policies: readonly string[]): boolean {
  const names = [row.quarantineType, row.policyType, row.policyName].map((n) => n.trim().toLowerCase());
  return policies.some((p) => names.includes(p));
}

/** Holds to tell: copies held by a listed policy, unreleased, received after `held` was switched on. */
export function holdEvents(
  rows: readonly QuarantinedMessage[],
  settings: Pick<StorySettings, 'holdPolicies'>,
  since: Date,
): ReleaseEvent[] {
  return rows
    .filter((row) => !isReleased(row) && row.receivedAt >= since && heldByListedPolicy(row, settings.holdPolicies))
    .flatMap((row) =>
      row.recipients
        .filter((to) => isMailboxAddress(to))
        .map((to) => ({
          recordId: eventRecordId('held', row.networkMessageId, to),
          networkMessageId: row.networkMessageId,
          releasedTo: to.toLowerCase(),
          releasedBy: undefined,
          releasedAt: row.receivedAt,
          event: 'held' as const,
        })),
    );
}

/** Expiries to tell: copies whose Expires passed unreleased, after `expired` was switched on. */
export function expiryEvents(rows: readonly QuarantinedMessage[], since: Date, now: Date): ReleaseEvent[] {
  return rows
    .filter((row) => !isReleased(row) && row.expiresAt && row.expiresAt >= since && row.expiresAt <= now)
    .flatMap((row) =>
      row.recipients
        .filter((to) => isMailboxAddress(to))
        .map((to) => ({
          recordId: eventRecordId('expired', row.networkMessageId, to),
          networkMessageId: row.networkMessageId,
          releasedTo: to.toLowerCase(),
          releasedBy: undefined,
          releasedAt: row.expiresAt as Date,
          event: 'expired' as const,
        })),
    );
}

const SUCCESS_RESULTS = /^(successful|succeeded|success|true)$/i;

/**
 * A successful QuarantineDeleteMessage record (RequestType 1) after `deleted` was switched on, as a
 * deletion of every recipient copy of its message (the record names none); decided like a release
 * to all, and told only for copies the snapshot does not show released.
 */
export function deletionEvent(raw: unknown, since: Date): ReleaseEvent | undefined {
  if (!isRecord(raw) || raw.Operation !== 'QuarantineDeleteMessage' || Number(raw.RequestType) !== 1) return undefined;
  if (typeof raw.ResultStatus !== 'string' || !SUCCESS_RESULTS.test(raw.ResultStatus.trim())) return undefined;
  const id = typeof raw.Id === 'string' ? raw.Id.trim().toLowerCase() : '';
  const networkMessageId = typeof raw.NetworkMessageId === 'string' ? raw.NetworkMessageId.trim().toLowerCase() : '';
  const at = parseAuditTime(raw.CreationTime);
  // Audit times are whole seconds: a deletion in the second the event was switched on counts.
  const sinceSecond = Math.floor(since.getTime() / 1000) * 1000;
  if (!/^[\w-]{8,100}$/.test(id) || !isGuid(networkMessageId) || !at || at.getTime() < sinceSecond) return undefined;
  const user = typeof raw.UserId === 'string' ? raw.UserId.trim().toLowerCase() : '';
  return {
    recordId: eventRecordId('deleted', networkMessageId, id),
    networkMessageId,
    releasedTo: RELEASED_TO_ALL,
    // Who deleted it when the record names a mailbox; '' reads "An administrator".
    releasedBy: isMailboxAddress(user) ? user : '',
    releasedAt: at,
    event: 'deleted',
  };
}

export interface StoryDeps {
  releases: Pick<ReleaseStore, 'addMany'>;
  state: StateStore;
  settings: Pick<StorySettings, 'notifyOn' | 'holdPolicies'>;
  /** The snapshot's copies whose Expires lies in [from, to). */
  expiredBetween?: (from: Date, to: Date) => Promise<QuarantinedMessage[]>;
}

const HOUR_MS = 3_600_000;

/** The snapshot's hook: holds among the copies it just stored (idempotent: events dedupe on their id). */
export function holdTracker(deps: StoryDeps): (rows: readonly QuarantinedMessage[], now: Date) => Promise<void> {
  return async (rows, now) => {
    if (!deps.settings.notifyOn.includes('held') || deps.settings.holdPolicies.length === 0) return;
    const { since } = await storyClock(deps.state, deps.settings.notifyOn, now);
    if (!since.held) return;
    const events = holdEvents(rows, deps.settings, since.held);
    if (events.length > 0) await deps.releases.addMany(events, now);
  };
}

/** Detection's record reader: deletions among each audit blob's records (idempotent by record Id). */
export function deletionReader(deps: StoryDeps, now: () => Date): (records: readonly unknown[]) => Promise<void> {
  return async (records) => {
    if (!deps.settings.notifyOn.includes('deleted')) return;
    const at = now();
    const { since } = await storyClock(deps.state, deps.settings.notifyOn, at);
    if (!since.deleted) return;
    const deleted = since.deleted;
    const events = records.map((r) => deletionEvent(r, deleted)).filter((e): e is ReleaseEvent => e !== undefined);
    if (events.length > 0) await deps.releases.addMany(events, at);
  };
}

/** Expiries since the last look, at most hourly; the mark moves only after their events are stored. */
export async function trackExpiries(deps: StoryDeps, now: Date): Promise<number> {
  if (!deps.settings.notifyOn.includes('expired') || !deps.expiredBetween) return 0;
  const clock = await storyClock(deps.state, deps.settings.notifyOn, now);
  const since = clock.since.expired;
  if (!since) return 0;
  const checked = clock.saved.expiredCheckedTo ? new Date(clock.saved.expiredCheckedTo) : since;
  if (now.getTime() - checked.getTime() < HOUR_MS && clock.saved.expiredCheckedTo) return 0;
  const from = checked > since ? checked : since;
  const events = expiryEvents(await deps.expiredBetween(from, now), since, now);
  if (events.length > 0) await deps.releases.addMany(events, now);
  await deps.state.put<StoryState>(
    STORY_STATE_KEY,
    { ...clock.saved, expiredCheckedTo: now.toISOString() },
    clock.etag,
  );
  return events.length;
}
