/**
 * The watermark: every row received before it (less the overlap) is stored. It moves only after the rows
 * of the window it covers are stored, so a crash anywhere repeats work instead of losing it.
 */
import type { StateStore } from '../../domain/state';

export const SNAPSHOT_STATE_KEY = 'snapshot';

export interface SnapshotState {
  /** Every row received before this instant (less the overlap) is stored. */
  watermark: string;
  lastPurgeAt?: string;
}

export interface Watermark {
  /** What the last run left; undefined on the first run. */
  readonly saved: SnapshotState | undefined;
  /** Every row received before `end` is stored: the next run starts there (less the overlap). */
  moveTo(end: Date): Promise<void>;
  /** The purge ran at `now`, after every window up to `now` was stored. */
  purgedAt(now: Date): Promise<void>;
}

/** Reads the watermark once; each write goes under the ETag of the one before, so two runs at once stop one. */
export async function openWatermark(state: StateStore): Promise<Watermark> {
  const saved = await state.get<SnapshotState>(SNAPSHOT_STATE_KEY);
  let etag = saved?.etag;
  return {
    saved: saved?.value,
    moveTo: async (end) => {
      etag = await state.put<SnapshotState>(
        SNAPSHOT_STATE_KEY,
        { ...saved?.value, watermark: end.toISOString() },
        etag,
      );
    },
    purgedAt: async (now) => {
      const at = now.toISOString();
      etag = await state.put<SnapshotState>(SNAPSHOT_STATE_KEY, { watermark: at, lastPurgeAt: at }, etag);
    },
  };
}
