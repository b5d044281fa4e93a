/**
 * The quarantine listing as a second witness of releases (issue 22). A released copy stays listed
 * until it expires with `Released: True`, `ReleaseStatus: RELEASED` and `ReleasedUser` (reference,
 * section 7), so each run asks Exchange for the released rows only and stores one release per
 * (message, released-to address) in the same release store as the audit feed's records. Detection
 * then decides and tells them the same way, under the same ledger key, so a release seen by both
 * sources is told once.
 *
 * Cost, at 10,000 released rows a month: released rows stay listed for up to 30 days, so about
 * 10,000 are listed at any time; `-ReleaseStatus Released` over the 30 days Exchange keeps returns
 * them in ceil(10,000 / 1,000) = 10 pages, 10 calls a run (96 runs a day at the snapshot's 15
 * minutes: 960 calls a day). Re-listing every held row instead costs at least as many calls (every
 * released row is also a held row) and grows with the rows nobody releases; asking row by row
 * (`-Identity`) costs one call per held copy per run. Direction is not filtered: it is the cmdlet's
 * guess, and origin is decided later from the header as for every release.
 */
import { isMailboxAddress } from '../config/settings';
import type { ReleaseEvent } from '../domain/types';
import type { Clock } from '../domain/clock';
import type { StateStore } from '../domain/state';
import type { CmdletRunner } from '../exchange/exchangeClient';
import { parseQuarantineRow } from '../exchange/quarantineRow';
import { PAGE_SIZE, type ReceivedWindow } from '../exchange/quarantineSource';
import { isRecord } from '../http/json';
import type { Logger } from '../log/logger';
import type { ReleaseStore } from '../detect/ports';
import type { QuarantinedMessage } from '../domain/types';
import type { QuarantineSnapshotStore } from '../snapshot/ports';

const DAY_MS = 86_400_000;
/** Get-QuarantineMessage never returns rows received more than 30 days ago. */
const LOOKBACK_MS = 30 * DAY_MS;
const MAX_PAGE = 1000;
const MIN_WINDOW_MS = 1000;
const LOGGED_SKIPS = 20;
const SYSTEM_RELEASE = 'system release';

export const LISTING_STATE_KEY = 'listing-releases';

export interface ListingState {
  /** The first run's time: releases already listed then are the backlog, never told as new. */
  firstRunAt: string;
}

export interface ListingSummary {
  calls: number;
  releasedRows: number;
  releases: number;
  newReleases: number;
  rowsSkipped: number;
  /** True on the first run: what it found is the backlog. */
  backlog: boolean;
}

/** The stable id of a listing release: one per message and released-to address, whatever the run. */
export function listingRecordId(networkMessageId: string, releasedTo: string): string {
  return `listing|${networkMessageId.toLowerCase()}|${releasedTo.toLowerCase()}`;
}

function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list
    .filter((a): a is string => typeof a === 'string')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/**
 * The releases one listed row shows, or none when it is not released. `seenAt` is when the listing
 * first showed it (the listing carries no release time). The releasing account is taken from
 * `ReleasedBy` only when it names one mailbox; otherwise it is '' ("an administrator"), or undefined
 * for a release the row marks as Microsoft 365's own (`SystemReleased`).
 */
export function listingReleases(raw: unknown, seenAt: Date): ReleaseEvent[] {
  if (!isRecord(raw)) return [];
  const released =
    raw.Released === true || (typeof raw.ReleaseStatus === 'string' && /^released$/i.test(raw.ReleaseStatus));
  if (!released) return [];
  const parsed = parseQuarantineRow(raw);
  if (!parsed.ok) return [];
  const row = parsed.message;
  const to = strings(raw.ReleasedUser);
  // Released with nobody named: the copy went to its own recipients.
  const releasedTo = (to.length > 0 ? to : row.recipients).map((a) => a.toLowerCase());
  const by = strings(raw.ReleasedBy).filter((a) => a.toLowerCase() !== SYSTEM_RELEASE);
  const releasedBy =
    by.length === 1 && isMailboxAddress(by[0])
      ? by[0].toLowerCase()
      : raw.SystemReleased === true && by.length === 0
        ? undefined
        : '';
  // A ReleasedUser that is no mailbox (a line break, a header smuggled in) is not trusted, as in an audit record.
  return [...new Set(releasedTo)]
    .filter((address) => isMailboxAddress(address))
    .map((address) => ({
      recordId: listingRecordId(row.networkMessageId, address),
      networkMessageId: row.networkMessageId,
      releasedTo: address,
      releasedBy,
      releasedAt: seenAt,
      source: 'listing' as const,
    }));
}

/**
 * One page of released rows: its releases (on the first run stamped with their message's receipt
 * time) and the copies to write back to the snapshot; an unusable row is counted and skipped.
 */
function releasesOfPage(
  rows: readonly unknown[],
  run: { now: Date; backlog: boolean; summary: ListingSummary; log: Logger },
): { events: ReleaseEvent[]; copies: QuarantinedMessage[] } {
  const { summary } = run;
  const events: ReleaseEvent[] = [];
  const copies: QuarantinedMessage[] = [];
  for (const raw of rows) {
    const found = listingReleases(raw, run.now);
    if (found.length === 0) {
      summary.rowsSkipped++;
      if (summary.rowsSkipped <= LOGGED_SKIPS)
        run.log.warn('Skipped a released quarantine row: not a usable released row', {
          identity: isRecord(raw) && typeof raw.Identity === 'string' ? raw.Identity.slice(0, 120) : '',
        });
      continue;
    }
    summary.releasedRows++;
    const parsed = parseQuarantineRow(raw);
    if (parsed.ok) copies.push(parsed.message);
    for (const event of found) {
      if (run.backlog && parsed.ok) event.releasedAt = parsed.message.receivedAt;
      events.push(event);
    }
  }
  return { events, copies };
}

export interface ListingDeps {
  exchange: CmdletRunner;
  releases: Pick<ReleaseStore, 'addMany'>;
  /** The snapshot: released rows are written back so it knows which copies were released (deletion and expiry notices skip them). */
  snapshot?: Pick<QuarantineSnapshotStore, 'upsert'>;
  state: StateStore;
  log: Logger;
  clock: Clock;
}

/**
 * Reads every released row still listed and stores its releases; a release stored before is a
 * duplicate and changes nothing, so a rerun after a crash repeats work but loses and doubles none.
 * On the first run the releases found are stamped with their message's receipt time, which lies
 * before detection's cut-off: a new deployment does not tell the backlog.
 */
export async function trackListingReleases(deps: ListingDeps): Promise<ListingSummary> {
  const now = deps.clock.now();
  const saved = await deps.state.get<ListingState>(LISTING_STATE_KEY);
  const backlog = !saved;
  const summary: ListingSummary = { calls: 0, releasedRows: 0, releases: 0, newReleases: 0, rowsSkipped: 0, backlog };

  const copyWindow = async (window: ReceivedWindow): Promise<void> => {
    for (let page = 1; page <= MAX_PAGE; page++) {
      const result = await deps.exchange.invoke('Get-QuarantineMessage', {
        StartReceivedDate: window.start.toISOString(),
        EndReceivedDate: window.end.toISOString(),
        ReleaseStatus: 'Released',
        Page: page,
        PageSize: PAGE_SIZE,
      });
      summary.calls++;
      const last = result.rows.length < PAGE_SIZE;
      const width = window.end.getTime() - window.start.getTime();
      if ((result.truncated || (page === MAX_PAGE && !last)) && width > MIN_WINDOW_MS) {
        // More released rows than Exchange pages through: halve the window, never drop rows.
        const middle = new Date(window.start.getTime() + Math.floor(width / 2));
        await copyWindow({ start: window.start, end: middle });
        await copyWindow({ start: middle, end: window.end });
        return;
      }
      const { events, copies } = releasesOfPage(result.rows, { now, backlog, summary, log: deps.log });
      if (deps.snapshot && copies.length > 0) await deps.snapshot.upsert(copies);
      summary.releases += events.length;
      if (events.length > 0) {
        const stored = await deps.releases.addMany(events, now);
        summary.newReleases += stored.added;
        for (const refused of stored.rejected)
          deps.log.warn('Skipped a listing release the store refused', {
            recordId: refused.recordId.slice(0, 200),
            reason: refused.reason,
          });
      }
      if (last) return;
    }
  };

  await copyWindow({ start: new Date(now.getTime() - LOOKBACK_MS), end: now });
  // Only once the backlog is stored does a later run count as "after the first": a crash before
  // this line makes the next run a first run again, which re-stamps nothing already stored.
  if (backlog) await deps.state.put<ListingState>(LISTING_STATE_KEY, { firstRunAt: now.toISOString() }, undefined);
  return summary;
}
