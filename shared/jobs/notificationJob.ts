/**
 * The contract between detection and sending: what a notification job is, its stable id, and how
 * a queued job is checked before anything is sent. Queue messages are outside input.
 */
import { createHash } from 'node:crypto';
import { PermanentJobError } from './delivery';
import { isGuid, isMailboxAddress } from '../config/settings';
import type { ReleasedMessageFacts } from '../domain/types';
import { isRecord } from '../http/json';
import { cutText } from '../text/clean';
import {
  FIELD_CAPS,
  fitJob,
  halves,
  MAX_JOB_TEXT_BYTES,
  MAX_RECIPIENTS_IN_JOB,
  MAX_RECIPIENTS_SHOWN,
  MAX_RELEASES_PER_JOB,
  type JobCodec,
} from './budget';
import { isNoticeEvent, noticeItem } from '../domain/events';

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

function field(record: Record<string, unknown>, key: string, where: string, max: number): string {
  const value = record[key];
  if (typeof value !== 'string' || value.length > max)
    throw new MalformedJobError(`${where}.${key} is not a string of at most ${max} characters`);
  return value;
}

/** Queue messages are outside input too: a job is checked field by field before anything is sent. */
export function parseJob(body: unknown): NotificationJob {
  const value = typeof body === 'string' ? safeJson(body) : body;
  if (!isRecord(value)) throw new MalformedJobError('job is not a JSON object');
  const sender = field(value, 'sender', 'job', FIELD_CAPS.address);
  if (value.v === 2) return makeJob(sender.toLowerCase(), wireReleases(value));
  if (!isMailboxAddress(sender)) throw new MalformedJobError('job.sender is not a mailbox address');
  if (!Array.isArray(value.releases) || value.releases.length === 0 || value.releases.length > 500) {
    throw new MalformedJobError('job.releases must list 1 to 500 releases');
  }
  return makeJob(sender.toLowerCase(), checkReleases(value.releases));
}

function optionalCount(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new MalformedJobError(`${where} is not a count`);
  return value;
}

/** Each release checked field by field, within the caps the snapshot stores (FIELD_CAPS). */
function checkReleases(items: readonly unknown[]): ReleasedMessageFacts[] {
  return items.map((item: unknown, i): ReleasedMessageFacts => {
    const where = `job.releases[${i}]`;
    if (!isRecord(item)) throw new MalformedJobError(`${where} is not an object`);
    const networkMessageId = field(item, 'networkMessageId', where, 36).toLowerCase();
    if (!isGuid(networkMessageId)) throw new MalformedJobError(`${where}.networkMessageId is not a GUID`);
    const recipients = item.recipients;
    if (
      !Array.isArray(recipients) ||
      recipients.length > MAX_RECIPIENTS_IN_JOB ||
      !recipients.every((r) => typeof r === 'string' && r.length <= FIELD_CAPS.address)
    )
      throw new MalformedJobError(`${where}.recipients is not a list of at most ${MAX_RECIPIENTS_IN_JOB} addresses`);
    const releasedBy = item.releasedBy;
    if (releasedBy !== undefined && releasedBy !== null && typeof releasedBy !== 'string')
      throw new MalformedJobError(`${where}.releasedBy is not a string`);
    if (typeof releasedBy === 'string' && releasedBy.length > FIELD_CAPS.address)
      throw new MalformedJobError(`${where}.releasedBy is longer than ${FIELD_CAPS.address} characters`);
    const recipientCount = optionalCount(item.recipientCount, `${where}.recipientCount`);
    const facts: ReleasedMessageFacts = {
      networkMessageId,
      subject: field(item, 'subject', where, FIELD_CAPS.subject),
      receivedAt: field(item, 'receivedAt', where, FIELD_CAPS.instant),
      recipients: recipients as string[],
      releasedTo: field(item, 'releasedTo', where, FIELD_CAPS.address),
      releasedBy: typeof releasedBy === 'string' ? releasedBy : undefined,
      releasedAt: field(item, 'releasedAt', where, FIELD_CAPS.instant),
      quarantineType: field(item, 'quarantineType', where, FIELD_CAPS.quarantineType),
      policyName: field(item, 'policyName', where, FIELD_CAPS.policyName),
      // [story] Optional: absent means a release (every job before issue 22).
      ...storyFields(item, where),
    };
    if (recipientCount !== undefined && recipientCount > recipients.length) facts.recipientCount = recipientCount;
    return facts;
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
    // Counted before anything is done per release: the work per message is bounded up front.
    if (releases.length + message.releases.length > MAX_RELEASES_PER_JOB)
      throw new MalformedJobError(`job lists more than ${MAX_RELEASES_PER_JOB} releases`);
    const { releases: perRelease, ...facts } = message;
    for (const r of perRelease as unknown[]) {
      if (!isRecord(r)) throw new MalformedJobError(`${where}.releases holds a non-object`);
      releases.push({ ...facts, releasedTo: r.releasedTo, releasedBy: r.releasedBy, releasedAt: r.releasedAt });
    }
  });
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

/** Kept for callers that size jobs themselves; the queue's budget is MAX_JOB_TEXT_BYTES (jobs/budget.ts). */
export const MAX_JOB_BYTES = MAX_JOB_TEXT_BYTES;
export { MAX_RECIPIENTS_IN_JOB };

type WireMessage = Omit<ReleasedMessageFacts, 'releasedTo' | 'releasedBy' | 'releasedAt'> & {
  recipientCount?: number;
  releases: Array<Pick<ReleasedMessageFacts, 'releasedTo' | 'releasedBy' | 'releasedAt'>>;
};

/** What a message had in all: the list it carries, or the count of a list cut before. */
const countOf = (r: ReleasedMessageFacts): number => Math.max(r.recipientCount ?? 0, r.recipients.length);

/**
 * The job as queue text: each message's facts once, and only what differs per release. Fields are cut
 * to FIELD_CAPS here (where bytes are made), so what parseJob accepts is exactly what this writes.
 * The text is not checked against the queue's budget: encodeJobMessages is.
 */
export function encodeJob(job: NotificationJob): string {
  const messages = new Map<string, WireMessage & { seen: Set<string> }>();
  for (const r of job.releases) {
    // [story] One wire message per message and event: the event and expiry are the message's facts.
    const id = `${r.networkMessageId.toLowerCase()}|${r.event ?? ''}`;
    let message = messages.get(id);
    if (!message) {
      message = {
        networkMessageId: r.networkMessageId,
        subject: cutText(r.subject, FIELD_CAPS.subject),
        receivedAt: cutText(r.receivedAt, FIELD_CAPS.instant),
        recipients: [],
        quarantineType: cutText(r.quarantineType, FIELD_CAPS.quarantineType),
        policyName: cutText(r.policyName, FIELD_CAPS.policyName),
        ...(r.event ? { event: r.event } : {}),
        ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
        releases: [],
        seen: new Set<string>(),
      };
      messages.set(id, message);
    }
    // Recipients united across the message's releases (as compose does), each once, within the cap.
    let count = Math.max(message.recipientCount ?? 0, countOf(r));
    for (const a of r.recipients) {
      const address = cutText(a, FIELD_CAPS.address);
      if (message.seen.has(address.toLowerCase())) continue;
      message.seen.add(address.toLowerCase());
      if (message.recipients.length < MAX_RECIPIENTS_IN_JOB) message.recipients.push(address);
      count = Math.max(count, message.seen.size);
    }
    if (count > message.recipients.length) message.recipientCount = count;
    message.releases.push({
      releasedTo: cutText(r.releasedTo, FIELD_CAPS.address),
      releasedBy: r.releasedBy === undefined ? undefined : cutText(r.releasedBy, FIELD_CAPS.address),
      releasedAt: cutText(r.releasedAt, FIELD_CAPS.instant),
    });
  }
  const wire = [...messages.values()].map(({ seen: _seen, ...m }) => m);
  return JSON.stringify({ v: 2, jobId: job.jobId, sender: job.sender, messages: wire });
}

/** Recipients a notice keeps listing when a job must shrink: what the email shows; the rest is a count. */
const RECIPIENTS_KEPT_FIRST = MAX_RECIPIENTS_SHOWN;

/**
 * How a notice is made smaller: first its recipient lists down to what the email shows (the same
 * email), then its releases in halves (more emails to the same sender), then a single release's
 * recipient list in halves (counted as cut: the email says "and N more").
 */
export const noticeCodec: JobCodec<NotificationJob> = {
  encode: encodeJob,
  ids: (job) => new Set(job.releases.map((r) => r.networkMessageId.toLowerCase())).size,
  shrink(job) {
    const keep = (r: ReleasedMessageFacts, n: number): ReleasedMessageFacts => ({
      ...r,
      recipients: r.recipients.slice(0, n),
      recipientCount: countOf(r),
    });
    if (job.releases.some((r) => r.recipients.length > RECIPIENTS_KEPT_FIRST))
      return [
        makeJob(
          job.sender,
          job.releases.map((r) => keep(r, RECIPIENTS_KEPT_FIRST)),
        ),
      ];
    if (job.releases.length > 1) return halves(job.releases).map((part) => makeJob(job.sender, part));
    const [only] = job.releases;
    if (only && only.recipients.length > 0)
      return [makeJob(job.sender, [keep(only, Math.floor(only.recipients.length / 2))])];
    return undefined;
  },
};

/** The job as queue texts, each within the queue's budget (jobs/budget.ts). */
export function encodeJobMessages(
  job: NotificationJob,
  maxBytes: number = MAX_JOB_TEXT_BYTES,
): Array<{ job: NotificationJob; text: string }> {
  return fitJob(job, noticeCodec, maxBytes);
}

/**
 * The jobs that tell `sender` about `releases`: one per message, so one release never waits for
 * another message's, and one mass release is one email; a message whose releases do not fit one
 * queue message is cut into as few jobs as fit (each still one email), and a single release whose
 * recipient list does not fit carries the first of them and the count.
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
  // A job still over the budget (one release with a long recipient list) is fitted by the encoder.
  return jobs.flatMap((job) => encodeJobMessages(job, maxBytes).map((m) => m.job));
}
