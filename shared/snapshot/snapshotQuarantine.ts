import type { Clock } from '../domain/clock';
import type { QuarantinedMessage } from '../domain/types';
import type { CmdletRunner } from '../exchange/ports';
import { parseQuarantineRow } from '../exchange/quarantineRow';
import { listQuarantinePage, type ReceivedWindow } from '../exchange/quarantineSource';
import type { Logger } from '../log/logger';
import type { QuarantineSnapshotStore } from './ports';
import type { StateStore } from '../domain/state';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Get-QuarantineMessage never returns rows received more than 30 days ago. */
export const FIRST_RUN_LOOKBACK_MS = 30 * DAY_MS;
/** Rows can show up in Get-QuarantineMessage a while after their ReceivedTime: re-read this much. */
export const OVERLAP_MS = 2 * 60 * MINUTE_MS;
/** Windows are fetched a day at a time, oldest first, and the watermark follows each one. */
export const WINDOW_MS = DAY_MS;
/** A window this narrow that still overflows cannot be split further; it is reported, not dropped silently. */
const MIN_WINDOW_MS = 1000;
const MAX_PAGE = 1000;
const PURGE_EVERY_MS = DAY_MS;
const LOGGED_SKIPS = 20;

export const SNAPSHOT_STATE_KEY = 'snapshot';

export interface SnapshotState {
  /** Every row received before this instant (less the overlap) is stored. */
  watermark: string;
  lastPurgeAt?: string;
}

export interface SnapshotSummary {
  from: string;
  to: string;
  calls: number;
  rowsRead: number;
  rowsStored: number;
  rowsSkipped: number;
  skippedByReason: Record<string, number>;
  windowsSplit: number;
  windowsIncomplete: number;
  purged: number;
}

export interface SnapshotDeps {
  exchange: CmdletRunner;
  store: QuarantineSnapshotStore;
  state: StateStore;
  log: Logger;
  /** Also given each page of rows once stored, before the watermark moves (the activity report's arrival counts); must be idempotent. */
  onStored?: (messages: readonly QuarantinedMessage[], now: Date) => Promise<unknown>;
  clock: Clock;
}

/** Splits [start, end) into consecutive windows of at most `width`, oldest first. */
export function windowsBetween(start: Date, end: Date, width: number): ReceivedWindow[] {
  const windows: ReceivedWindow[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += width) {
    windows.push({ start: new Date(t), end: new Date(Math.min(t + width, end.getTime())) });
  }
  return windows;
}

/** Where this run starts: 30 days back on the first run, else the watermark less the overlap. */
export function snapshotStart(state: SnapshotState | undefined, now: Date): Date {
  const earliest = now.getTime() - FIRST_RUN_LOOKBACK_MS;
  if (!state) return new Date(earliest);
  const watermark = Date.parse(state.watermark);
  if (Number.isNaN(watermark)) return new Date(earliest);
  return new Date(Math.max(earliest, Math.min(watermark, now.getTime()) - OVERLAP_MS));
}

/**
 * Copies new Get-QuarantineMessage rows into the snapshot. The watermark moves only after the rows
 * of the window it covers are stored, so a crash anywhere repeats work instead of losing it.
 */
export async function snapshotQuarantine(deps: SnapshotDeps): Promise<SnapshotSummary> {
  const now = deps.clock.now();
  const saved = await deps.state.get<SnapshotState>(SNAPSHOT_STATE_KEY);
  let etag = saved?.etag;
  const from = snapshotStart(saved?.value, now);
  const summary: SnapshotSummary = {
    from: from.toISOString(),
    to: now.toISOString(),
    calls: 0,
    rowsRead: 0,
    rowsStored: 0,
    rowsSkipped: 0,
    skippedByReason: {},
    windowsSplit: 0,
    windowsIncomplete: 0,
    purged: 0,
  };

  const skip = (reason: string, identity: string, detail?: string): void => {
    summary.rowsSkipped++;
    summary.skippedByReason[reason] = (summary.skippedByReason[reason] ?? 0) + 1;
    if (summary.rowsSkipped <= LOGGED_SKIPS)
      deps.log.warn(`Skipped quarantine row "${identity}": ${reason}${detail ? `: ${detail}` : ''}`);
  };

  const copyWindow = async (window: ReceivedWindow): Promise<void> => {
    let fetching = listQuarantinePage(deps.exchange, window, 1);
    for (let page = 1; page <= MAX_PAGE; page++) {
      const result = await fetching;
      summary.calls++;
      const width = window.end.getTime() - window.start.getTime();
      if ((result.truncated || (page === MAX_PAGE && !result.last)) && width > MIN_WINDOW_MS) {
        // Exchange holds more in this window than it will page through: halve it and start over.
        summary.windowsSplit++;
        const middle = new Date(window.start.getTime() + Math.floor(width / 2));
        await copyWindow({ start: window.start, end: middle });
        await copyWindow({ start: middle, end: window.end });
        return;
      }
      if (result.truncated && page === 1) {
        summary.windowsIncomplete++;
        deps.log.error(
          `Exchange reports more quarantine rows received between ${window.start.toISOString()} and ${window.end.toISOString()} ` +
            'than it returns, and the window cannot be split further; storing what it returned.',
        );
      }
      summary.rowsRead += result.rows.length;
      const messages: QuarantinedMessage[] = [];
      for (const raw of result.rows) {
        const parsed = parseQuarantineRow(raw);
        if (parsed.ok) messages.push(parsed.message);
        else skip(parsed.reason, parsed.identity);
      }
      // Ask Exchange for the next page while this one is written: the two waits overlap.
      const more = !result.last && page < MAX_PAGE;
      if (more) {
        fetching = listQuarantinePage(deps.exchange, window, page + 1);
        fetching.catch(() => undefined); // awaited below; this only keeps a failed write from leaving it unhandled
      }
      // A row Table Storage refuses is skipped with its reason: the window, and the watermark, move on.
      // The arrival count runs beside the write; both are idempotent and finish before the watermark moves.
      const [written] = await Promise.all([
        deps.store.upsert(messages),
        deps.onStored && messages.length > 0 ? deps.onStored(messages, now) : undefined,
      ]);
      summary.rowsStored += written.stored;
      for (const row of written.rejected) skip(row.reason, `${row.networkMessageId}\\${row.copyId}`, row.detail);
      if (!more) return;
    }
  };

  for (const window of windowsBetween(from, now, WINDOW_MS)) {
    await copyWindow(window);
    etag = await deps.state.put<SnapshotState>(
      SNAPSHOT_STATE_KEY,
      { ...saved?.value, watermark: window.end.toISOString() },
      etag,
    );
  }

  const lastPurge = saved?.value.lastPurgeAt ? Date.parse(saved.value.lastPurgeAt) : Number.NaN;
  if (Number.isNaN(lastPurge) || now.getTime() - lastPurge >= PURGE_EVERY_MS) {
    summary.purged = await deps.store.purge(now);
    await deps.state.put<SnapshotState>(
      SNAPSHOT_STATE_KEY,
      { watermark: now.toISOString(), lastPurgeAt: now.toISOString() },
      etag,
    );
  }
  if (summary.rowsSkipped > LOGGED_SKIPS)
    deps.log.warn(`Skipped ${summary.rowsSkipped} quarantine rows in all: ${JSON.stringify(summary.skippedByReason)}`);
  return summary;
}
