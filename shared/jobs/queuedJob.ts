/** What a message of the release-notifications queue holds: a notice for a sender, or an alert for the security team. */
import { isRecord } from '../http/json';
import { parseAlertJob, type AlertJob } from './alertJob';
import { encodeJob, MalformedJobError, parseJob, type NotificationJob } from './notificationJob';

export type QueuedJob = NotificationJob | AlertJob;

export function isAlertJob(job: QueuedJob): job is AlertJob {
  return (job as AlertJob).kind === 'alert';
}

/** The job as queue text. */
export function encodeQueuedJob(job: QueuedJob): string {
  return isAlertJob(job) ? JSON.stringify(job) : encodeJob(job);
}

/** A queue message's body (text, or JSON the host already parsed), checked field by field. */
export function parseQueuedJob(body: unknown): QueuedJob {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      throw new MalformedJobError('job is not valid JSON');
    }
  }
  if (isRecord(value) && value.kind === 'alert') return parseAlertJob(value);
  if (isRecord(value) && value.kind !== undefined) throw new MalformedJobError('job.kind is not a known kind');
  return parseJob(value);
}
