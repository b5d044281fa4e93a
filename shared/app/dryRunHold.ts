import type { NotificationJob } from '../jobs/notificationJob';

/**
 * DRY_RUN_RELEASES_AFTER=tell: while NOTIFY_DRY_RUN is on, a notice is not recorded as told by the
 * dry run; its job waits in the queue, looked at again every hour, and is sent once sending is
 * switched on. A job whose newest release is older than 7 days is not held (the dry run records it as
 * told, as with `drop`): a notice about a release of weeks ago would confuse more than help.
 */
export const HOLD_RECHECK_MS = 3_600_000;
export const HOLD_MAX_AGE_MS = 7 * 86_400_000;

export function holdDuringDryRun(
  job: Pick<NotificationJob, 'releases'>,
  settings: { notifyDryRun: boolean; dryRunReleasesAfter: 'drop' | 'tell' },
  now: Date,
): boolean {
  if (!settings.notifyDryRun || settings.dryRunReleasesAfter !== 'tell') return false;
  const newest = Math.max(...job.releases.map((r) => Date.parse(r.releasedAt)).filter((t) => !Number.isNaN(t)));
  return Number.isFinite(newest) && now.getTime() - newest < HOLD_MAX_AGE_MS;
}
