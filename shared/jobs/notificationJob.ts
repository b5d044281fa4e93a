/**
 * The contract between detection and sending: what a notification job is, its stable id, and how
 * a queued job is checked before anything is sent. Queue messages are outside input.
 */
import { createHash } from 'node:crypto';
import { PermanentJobError } from './delivery';
import { isGuid, isMailboxAddress } from '../config/settings';
import type { ReleasedMessageFacts } from '../domain/types';
import { isRecord } from '../http/json';
import { isNoticeEvent, noticeItem } from '../story/events';

/**
 * What the notification stage needs to tell one sender about one or more releases. Timestamps are
 * ISO strings so the job survives a queue round-trip unchanged.
 */
export interface NotificationJob {
  /** Stable id of the job: derived from its ledger keys, so a duplicate job has the same id. */
  jobId: string;
  sender: string;
  releases: ReleasedMessageFacts[];
}

/** The key that makes a notification happen once: one message released to one recipient. */
export function ledgerKey(facts: Pick<ReleasedMessageFacts, 'networkMessageId' | 'releasedTo' | 'event'>): string {
  // [story] A release keeps "<id>|<recipient>"; held, deleted and expired notices add their event (story/events.ts).
  return `${facts.networkMessageId.toLowerCase()}|${noticeItem(facts)}`;
}

/** A job's id follows from what it reports, so the same releases always make the same id. */
export function jobIdFor(releases: readonly ReleasedMessageFacts[]): string {
  const keys = [...new Set(releases.map(ledgerKey))].sort();
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32);
}

export function makeJob(sender: string, releases: ReleasedMessageFacts[]): NotificationJob {
  const ordered = [...releases].sort(
    (a, b) => a.releasedAt.localeCompare(b.releasedAt) || ledgerKey(a).localeCompare(ledgerKey(b)),
  );
  return { jobId: jobIdFor(ordered), sender, releases: ordered };
}

/** A job no retry can fix: it goes to the poison queue at once, with this message as the reason. */
export class MalformedJobError extends PermanentJobError {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedJobError';
  }
}

function field(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new MalformedJobError(`${where}.${key} is not a string`);
  return value;
}

/** Queue messages are outside input too: a job is checked field by field before anything is sent. */
export function parseJob(body: unknown): NotificationJob {
  const value = typeof body === 'string' ? safeJson(body) : body;
  if (!isRecord(value)) throw new MalformedJobError('job is not a JSON object');
  const sender = field(value, 'sender', 'job');
  if (value.v === 2) return makeJob(sender.toLowerCase(), wireReleases(value));
  if (!isMailboxAddress(sender)) throw new MalformedJobError('job.sender is not a mailbox address');
  if (!Array.isArray(value.releases) || value.releases.length === 0 || value.releases.length > 500) {
    throw new MalformedJobError('job.releases must list 1 to 500 releases');
  }
  return makeJob(sender.toLowerCase(), checkReleases(value.releases));
}

/** Each release checked field by field. */
function checkReleases(items: readonly unknown[]): ReleasedMessageFacts[] {
  return items.map((item: unknown, i): ReleasedMessageFacts => {
    const where = `job.releases[${i}]`;
    if (!isRecord(item)) throw new MalformedJobError(`${where} is not an object`);
    const networkMessageId = field(item, 'networkMessageId', where).toLowerCase();
    if (!isGuid(networkMessageId)) throw new MalformedJobError(`${where}.networkMessageId is not a GUID`);
    const recipients = item.recipients;
    if (!Array.isArray(recipients) || !recipients.every((r) => typeof r === 'string'))
      throw new MalformedJobError(`${where}.recipients is not a list of strings`);
    const releasedBy = item.releasedBy;
    if (releasedBy !== undefined && releasedBy !== null && typeof releasedBy !== 'string')
      throw new MalformedJobError(`${where}.releasedBy is not a string`);
    return {
      networkMessageId,
      subject: field(item, 'subject', where),
      receivedAt: field(item, 'receivedAt', where),
      recipients: recipients as string[],
      releasedTo: field(item, 'releasedTo', where),
      releasedBy: typeof releasedBy === 'string' ? releasedBy : undefined,
      releasedAt: field(item, 'releasedAt', where),
      quarantineType: field(item, 'quarantineType', where),
      policyName: field(item, 'policyName', where),
      // [story] Optional: absent means a release (every job before issue 22).
      ...storyFields(item, where),
    };
  });
}

/** The releases of a v2 job, each with its message's facts; checked like the older form. */
function wireReleases(value: Record<string, unknown>): ReleasedMessageFacts[] {
  if (!isMailboxAddress(String(value.sender))) throw new MalformedJobError('job.sender is not a mailbox address');
  if (!Array.isArray(value.messages) || value.messages.length === 0 || value.messages.length > 500)
    throw new MalformedJobError('job.messages must list 1 to 500 messages');
  const releases: unknown[] = [];
  value.messages.forEach((message: unknown, i) => {
    const where = `job.messages[${i}]`;
    if (!isRecord(message) || !Array.isArray(message.releases) || message.releases.length === 0)
      throw new MalformedJobError(`${where} has no releases`);
    const { releases: perRelease, recipientCount: _count, ...facts } = message;
    for (const r of perRelease as unknown[]) {
      if (!isRecord(r)) throw new MalformedJobError(`${where}.releases holds a non-object`);
      releases.push({ ...facts, releasedTo: r.releasedTo, releasedBy: r.releasedBy, releasedAt: r.releasedAt });
    }
  });
  if (releases.length > 2000) throw new MalformedJobError('job lists more than 2000 releases');
  return checkReleases(releases);
}

/** [story] The event and the copy's expiry, when the job carries them; anything else is a malformed job. */
function storyFields(item: Record<string, unknown>, where: string): Pick<ReleasedMessageFacts, 'event' | 'expiresAt'> {
  const out: Pick<ReleasedMessageFacts, 'event' | 'expiresAt'> = {};
  if (item.event !== undefined && item.event !== null) {
    if (!isNoticeEvent(item.event)) throw new MalformedJobError(`${where}.event is not held, deleted or expired`);
    out.event = item.event;
  }
  if (item.expiresAt !== undefined && item.expiresAt !== null) {
    if (typeof item.expiresAt !== 'string') throw new MalformedJobError(`${where}.expiresAt is not a string`);
    out.expiresAt = item.expiresAt;
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedJobError('job is not valid JSON');
  }
}

/**
 * A queue message holds at most 64 KiB of base64, so 48 KiB of text; jobs stay well under that.
 * The wire form names each message's facts once and lists only what differs per release, so one
 * notice can report hundreds of recipients of one message.
 */
export const MAX_JOB_BYTES = 40_000;
/** Recipients of one message carried in a job: the email shows the first few and a count. */
export const MAX_RECIPIENTS_IN_JOB = 200;

type WireMessage = Omit<ReleasedMessageFacts, 'releasedTo' | 'releasedBy' | 'releasedAt'> & {
  recipientCount?: number;
  releases: Array<Pick<ReleasedMessageFacts, 'releasedTo' | 'releasedBy' | 'releasedAt'>>;
};

/** The job as queue text (compact: see MAX_JOB_BYTES). parseJob reads it back, and the older form too. */
export function encodeJob(job: NotificationJob): string {
  const messages = new Map<string, WireMessage>();
  for (const r of job.releases) {
    // [story] One wire message per message and event: the event and expiry are the message's facts.
    const id = `${r.networkMessageId.toLowerCase()}|${r.event ?? ''}`;
    let message = messages.get(id);
    if (!message) {
      const recipients = r.recipients.slice(0, MAX_RECIPIENTS_IN_JOB);
      message = {
        networkMessageId: r.networkMessageId,
        subject: r.subject,
        receivedAt: r.receivedAt,
        recipients,
        quarantineType: r.quarantineType,
        policyName: r.policyName,
        ...(r.event ? { event: r.event } : {}),
        ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
        releases: [],
      };
      if (r.recipients.length > recipients.length) message.recipientCount = r.recipients.length;
      messages.set(id, message);
    }
    message.releases.push({ releasedTo: r.releasedTo, releasedBy: r.releasedBy, releasedAt: r.releasedAt });
  }
  return JSON.stringify({ v: 2, jobId: job.jobId, sender: job.sender, messages: [...messages.values()] });
}

/**
 * The jobs that tell `sender` about `releases`: one per message, so one release never waits for
 * another message's, and one mass release is one email; a message whose releases do not fit one
 * queue message is cut into as few jobs as fit (each still one email).
 */
export function jobsFor(
  sender: string,
  releases: readonly ReleasedMessageFacts[],
  maxBytes: number = MAX_JOB_BYTES,
): NotificationJob[] {
  const byMessage = new Map<string, ReleasedMessageFacts[]>();
  for (const r of releases) {
    // [story] A job tells one event: a hold and a release of one message are two notices.
    const id = `${r.networkMessageId.toLowerCase()}|${r.event ?? ''}`;
    const group = byMessage.get(id);
    if (group) group.push(r);
    else byMessage.set(id, [r]);
  }
  // Sizes are added up, not re-encoded per release: a job's wire size is its first release's
  // encoding (the message's facts, a fixed-length id) plus each further release's entry and comma.
  // Re-encoding each candidate made a release to all of 100 recipients cost 12 ms, quadratic in them.
  const entryBytes = (r: ReleasedMessageFacts): number =>
    Buffer.byteLength(
      JSON.stringify({ releasedTo: r.releasedTo, releasedBy: r.releasedBy, releasedAt: r.releasedAt }),
    ) + 1;
  const jobs: NotificationJob[] = [];
  for (const group of byMessage.values()) {
    let part: ReleasedMessageFacts[] = [];
    let bytes = 0;
    for (const release of group) {
      if (part.length > 0 && bytes + entryBytes(release) > maxBytes) {
        jobs.push(makeJob(sender, part));
        part = [];
      }
      bytes =
        part.length === 0 ? Buffer.byteLength(encodeJob(makeJob(sender, [release]))) : bytes + entryBytes(release);
      part.push(release);
    }
    if (part.length > 0) jobs.push(makeJob(sender, part));
  }
  return jobs;
}
