/** What a message of the release-notifications queue holds: a notice for a sender, or an alert for the security team. */
import { isRecord } from '../http/json';
import { encodeAlertJob, encodeAlertMessages, parseAlertJob, type AlertJob } from './alertJob';
import { encodeJob, encodeJobMessages, MalformedJobError, parseJob, type NotificationJob } from './notificationJob';

export type QueuedJob = NotificationJob | AlertJob;

export function isAlertJob(job: QueuedJob): job is AlertJob {
  return (job as AlertJob).kind === 'alert';
}

/** The job as one queue text, as it is (a job read from the queue, handed back for later: it fitted then). */
export function encodeQueuedJob(job: QueuedJob): string {
  return isAlertJob(job) ? encodeAlertJob(job) : encodeJob(job);
}

/**
 * The one encoder every job kind goes through on its way to the queue: as many texts as the job's
 * content needs, none over the budget (MAX_JOB_TEXT_BYTES in jobs/budget.ts). A new kind adds its codec.
 */
export function encodeQueuedJobMessages(job: QueuedJob): string[] {
  const parts = isAlertJob(job) ? encodeAlertMessages(job) : encodeJobMessages(job);
  return parts.map((p) => p.text);
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
