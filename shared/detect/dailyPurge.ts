/**
 * The daily clean-up that rides on detection's timer: each store forgets what can no longer come
 * back. Called by the composition root after detection (app/runtime.ts), with every purge in sight.
 */
import type { Clock } from '../domain/clock';
import type { StateStore } from '../domain/state';
import { openRunState } from './phases/runState';

const DAY_MS = 24 * 60 * 60_000;

export interface DailyPurgeDeps {
  /** Detection's state, which remembers when the purge last ran. */
  state: StateStore;
  clock: Clock;
  /** Each purge gets this run's instant and returns rows deleted. */
  purges: ReadonlyArray<(now: Date) => Promise<number>>;
}

/** Runs every purge once a day; true when they ran. */
export async function dailyPurge(deps: DailyPurgeDeps): Promise<boolean> {
  const now = deps.clock.now();
  const run = await openRunState(deps.state);
  const lastPurge = run.value.lastPurgeAt ? Date.parse(run.value.lastPurgeAt) : Number.NaN;
  if (!Number.isNaN(lastPurge) && now.getTime() - lastPurge < DAY_MS) return false;
  for (const purge of deps.purges) await purge(now);
  run.value.lastPurgeAt = now.toISOString();
  await run.save();
  return true;
}

/** Seen records and done blobs are remembered past the 7 days the feed can return them. */
export const REMEMBER_RELEASES_MS = 10 * DAY_MS;
/** Origin verdicts outlive any release of their message: 30 days in quarantine plus 7 of audit delay, and a margin. */
export const REMEMBER_ORIGINS_MS = 40 * DAY_MS;
