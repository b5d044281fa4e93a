/** Which stretch of the audit feed this run reads, and since when releases are told. */
import type { RunState } from './runState';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Content can be listed at most 7 days back; stay a little inside so a slow run is not refused. */
const FEED_REACH_MS = 7 * 24 * HOUR_MS - 10 * MINUTE_MS;
/** Every run re-reads this much before its checkpoint: blobs are listed late and out of order. */
export const OVERLAP_MS = 3 * HOUR_MS;
/** The whole 7 days are swept this often, for records published days late. */
export const SWEEP_EVERY_MS = 6 * HOUR_MS;

export interface RunWindow {
  from: Date;
  /** This run's instant, in whole seconds: the feed takes whole seconds, so a window ending mid-second would be cut short. */
  to: Date;
  sweep: boolean;
  notifySince: Date;
}

export async function planWindow(run: RunState, at: Date, notifyReleasesSince: Date | undefined): Promise<RunWindow> {
  const now = new Date(Math.floor(at.getTime() / 1000) * 1000);
  const state = run.value;
  // Without NOTIFY_RELEASES_SINCE a fresh deployment starts now: it does not mail about old releases.
  if (!state.notifySince) {
    state.notifySince = now.toISOString();
    await run.save();
  }
  const notifySince = notifyReleasesSince ?? new Date(state.notifySince);
  const earliest = now.getTime() - FEED_REACH_MS;
  const lastSweep = state.lastSweepAt ? Date.parse(state.lastSweepAt) : Number.NaN;
  const sweep = !state.checkpoint || Number.isNaN(lastSweep) || now.getTime() - lastSweep >= SWEEP_EVERY_MS;
  const checkpoint = state.checkpoint ? Date.parse(state.checkpoint) : Number.NaN;
  const fromMs =
    sweep || Number.isNaN(checkpoint) ? earliest : Math.max(earliest, Math.min(checkpoint, now.getTime()) - OVERLAP_MS);
  return { from: new Date(fromMs), to: now, sweep, notifySince };
}
