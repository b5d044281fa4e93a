/** Plan: where this run starts reading Get-QuarantineMessage, and the windows it reads, oldest first. */
import type { ReceivedWindow } from '../../exchange/quarantineSource';
import type { SnapshotState } from './watermark';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Get-QuarantineMessage never returns rows received more than 30 days ago. */
export const FIRST_RUN_LOOKBACK_MS = 30 * DAY_MS;
/** Rows can show up in Get-QuarantineMessage a while after their ReceivedTime: re-read this much. */
export const OVERLAP_MS = 2 * 60 * MINUTE_MS;
/** Windows are fetched a day at a time, oldest first, and the watermark follows each one. */
export const WINDOW_MS = DAY_MS;

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
