/** Purge: once a day, the snapshot rows whose purge time has passed. */
import type { QuarantineSnapshotStore } from '../ports';
import type { Watermark } from './watermark';

const PURGE_EVERY_MS = 86_400_000;

/** Returns how many rows were purged: 0 when the last purge is less than a day old. */
export async function purgeWhenDue(store: QuarantineSnapshotStore, watermark: Watermark, now: Date): Promise<number> {
  const lastPurgeAt = watermark.saved?.lastPurgeAt;
  const lastPurge = lastPurgeAt ? Date.parse(lastPurgeAt) : Number.NaN;
  if (!Number.isNaN(lastPurge) && now.getTime() - lastPurge < PURGE_EVERY_MS) return 0;
  const purged = await store.purge(now);
  await watermark.purgedAt(now);
  return purged;
}
