/**
 * The snapshot use case: copies new Get-QuarantineMessage rows into the snapshot, in phases (phases/):
 * plan the windows, copy each window's pages and move the watermark after it, purge once a day.
 */
import type { Clock } from '../domain/clock';
import type { StateStore } from '../domain/state';
import type { QuarantinedMessage } from '../domain/types';
import type { CmdletRunner } from '../exchange/ports';
import type { Logger } from '../log/logger';
import { copyWindow, emptyCopyTally } from './phases/copyWindow';
import { snapshotStart, WINDOW_MS, windowsBetween } from './phases/plan';
import { purgeWhenDue } from './phases/purge';
import { skipCounter } from './phases/skips';
import { openWatermark } from './phases/watermark';
import type { QuarantineSnapshotStore } from './ports';

export { FIRST_RUN_LOOKBACK_MS, OVERLAP_MS, WINDOW_MS, snapshotStart, windowsBetween } from './phases/plan';
export { SNAPSHOT_STATE_KEY, type SnapshotState } from './phases/watermark';

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

/**
 * Copies new Get-QuarantineMessage rows into the snapshot. The watermark moves only after the rows
 * of the window it covers are stored, so a crash anywhere repeats work instead of losing it.
 */
export async function snapshotQuarantine(deps: SnapshotDeps): Promise<SnapshotSummary> {
  const now = deps.clock.now();
  const watermark = await openWatermark(deps.state);
  const from = snapshotStart(watermark.saved, now);
  const skips = skipCounter(deps.log);
  const copied = emptyCopyTally();
  const copy = { exchange: deps.exchange, store: deps.store, log: deps.log, onStored: deps.onStored, skips, now };
  for (const window of windowsBetween(from, now, WINDOW_MS)) {
    await copyWindow(copy, window, copied);
    await watermark.moveTo(window.end);
  }
  const purged = await purgeWhenDue(deps.store, watermark, now);
  skips.logTotal();
  const { rowsSkipped, skippedByReason } = skips.tally;
  // The fields in the order the summary has always been logged and printed in.
  const { calls, rowsRead, rowsStored, windowsSplit, windowsIncomplete } = copied;
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    calls,
    rowsRead,
    rowsStored,
    rowsSkipped,
    skippedByReason,
    windowsSplit,
    windowsIncomplete,
    purged,
  };
}
