/** What a message of the release-notifications queue holds: a notice for a sender, or an alert for the security team. */
import { isGuid } from '../config/validators';
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

/**
 * Every job message names its tenant as its first field, `{"tenant":"<guid>",...}`: one queue serves
 * every tenant of a deployment, and the sending function picks the tenant's settings, tables and
 * tokens from it. The job codecs never see it (their budget leaves 1 KiB for this).
 */
export function stampTenant(text: string, tenantId: string): string {
  if (text.trimStart().startsWith('{"tenant":"')) return text;
  const rest = text.trimStart().slice(1).trimStart();
  return `{"tenant":"${tenantId}"${rest.startsWith('}') ? '' : ','}${rest}`;
}

/** The tenant a job message names; undefined (the deployment's own tenant) for messages queued before tenants. */
export function tenantOfJob(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    const stamped = /^\s*\{"tenant":"([^"]{0,64})"/.exec(body);
    if (stamped) value = { tenant: stamped[1] };
    else
      try {
        value = JSON.parse(body) as unknown;
      } catch {
        throw new MalformedJobError('job is not valid JSON');
      }
  }
  if (!isRecord(value) || value.tenant === undefined) return undefined;
  if (typeof value.tenant !== 'string' || !isGuid(value.tenant))
    throw new MalformedJobError('job.tenant is not a tenant id');
  return value.tenant.toLowerCase();
}
