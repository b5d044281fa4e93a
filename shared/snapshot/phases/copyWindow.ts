/**
 * Copy one window: read its pages of Get-QuarantineMessage and store their rows, halving the window when
 * Exchange holds more in it than it will page through.
 */
import type { QuarantinedMessage } from '../../domain/types';
import type { CmdletRunner } from '../../exchange/ports';
import { parseQuarantineRow } from '../../exchange/quarantineRow';
import { listQuarantinePage, type QuarantinePage, type ReceivedWindow } from '../../exchange/quarantineSource';
import type { Logger } from '../../log/logger';
import type { QuarantineSnapshotStore } from '../ports';
import type { Skips } from './skips';

/** A window this narrow that still overflows cannot be split further; it is reported, not dropped silently. */
const MIN_WINDOW_MS = 1000;
const MAX_PAGE = 1000;

export interface CopyDeps {
  exchange: CmdletRunner;
  store: QuarantineSnapshotStore;
  log: Logger;
  /** Also given each page of rows once stored (see SnapshotDeps.onStored). */
  onStored?: (messages: readonly QuarantinedMessage[], now: Date) => Promise<unknown>;
  skips: Skips;
  /** The run's instant, handed to onStored. */
  now: Date;
}

/** This phase's part of the run summary, added to over every window. */
export interface CopyTally {
  calls: number;
  rowsRead: number;
  rowsStored: number;
  windowsSplit: number;
  windowsIncomplete: number;
}

export const emptyCopyTally = (): CopyTally => ({
  calls: 0,
  rowsRead: 0,
  rowsStored: 0,
  windowsSplit: 0,
  windowsIncomplete: 0,
});

export async function copyWindow(deps: CopyDeps, window: ReceivedWindow, tally: CopyTally): Promise<void> {
  let fetching = listQuarantinePage(deps.exchange, window, 1);
  for (let page = 1; page <= MAX_PAGE; page++) {
    const result = await fetching;
    tally.calls++;
    const width = window.end.getTime() - window.start.getTime();
    if ((result.truncated || (page === MAX_PAGE && !result.last)) && width > MIN_WINDOW_MS) {
      // Exchange holds more in this window than it will page through: halve it and start over.
      tally.windowsSplit++;
      const middle = new Date(window.start.getTime() + Math.floor(width / 2));
      await copyWindow(deps, { start: window.start, end: middle }, tally);
      await copyWindow(deps, { start: middle, end: window.end }, tally);
      return;
    }
    if (result.truncated && page === 1) reportIncomplete(deps.log, window, tally);
    const messages = parseRows(result, deps.skips, tally);
    // Ask Exchange for the next page while this one is written: the two waits overlap.
    const more = !result.last && page < MAX_PAGE;
    if (more) {
      fetching = listQuarantinePage(deps.exchange, window, page + 1);
      fetching.catch(() => undefined); // awaited on the next turn; this only keeps a failed write from leaving it unhandled
    }
    await storePage(deps, messages, tally);
    if (!more) return;
  }
}

function reportIncomplete(log: Logger, window: ReceivedWindow, tally: CopyTally): void {
  tally.windowsIncomplete++;
  log.error(
    `Exchange reports more quarantine rows received between ${window.start.toISOString()} and ${window.end.toISOString()} ` +
      'than it returns, and the window cannot be split further; storing what it returned.',
  );
}

function parseRows(page: QuarantinePage, skips: Skips, tally: CopyTally): QuarantinedMessage[] {
  tally.rowsRead += page.rows.length;
  const messages: QuarantinedMessage[] = [];
  for (const raw of page.rows) {
    const parsed = parseQuarantineRow(raw);
    if (parsed.ok) messages.push(parsed.message);
    else skips.skip(parsed.reason, parsed.identity);
  }
  return messages;
}

/**
 * A row Table Storage refuses is skipped with its reason: the window, and the watermark, move on.
 * The arrival count runs beside the write; both are idempotent and finish before the watermark moves.
 */
async function storePage(deps: CopyDeps, messages: QuarantinedMessage[], tally: CopyTally): Promise<void> {
  const [written] = await Promise.all([
    deps.store.upsert(messages),
    deps.onStored && messages.length > 0 ? deps.onStored(messages, deps.now) : undefined,
  ]);
  tally.rowsStored += written.stored;
  for (const row of written.rejected) deps.skips.skip(row.reason, `${row.networkMessageId}\\${row.copyId}`, row.detail);
}
