/**
 * The contract between detection and sending: what a notification job is, its stable id, and how
 * a queued job is checked before anything is sent. Queue messages are outside input.
 */
import { createHash } from 'node:crypto';
import { PermanentJobError } from './delivery';
import { isGuid, isMailboxAddress } from '../config/settings';
import type { ReleasedMessageFacts } from '../domain/types';
import { isRecord } from '../http/json';

/** The key that makes a notification happen once: one message released to one recipient. */
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

export function ledgerKey(facts: Pick<ReleasedMessageFacts, 'networkMessageId' | 'releasedTo'>): string {
  return `${facts.networkMessageId.toLowerCase()}|${facts.releasedTo.toLowerCase()}`;
}

/** A job's id follows from what it reports, so the same releases always make the same id. */
export function jobIdFor(releases: readonly ReleasedMessageFacts[]): string {
  const keys = [...new Set(releases.map(ledgerKey))].sort();
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32);
}

export function makeJob(sender: string, releases: ReleasedMessageFacts[]): NotificationJob {
  const ordered = [...releases].sort((a, b) => a.releasedAt.localeCompare(b.releasedAt) || ledgerKey(a).localeCompare(ledgerKey(b)));
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
  if (!isMailboxAddress(sender)) throw new MalformedJobError('job.sender is not a mailbox address');
  if (!Array.isArray(value.releases) || value.releases.length === 0 || value.releases.length > 500) {
    throw new MalformedJobError('job.releases must list 1 to 500 releases');
  }
  const releases = value.releases.map((item: unknown, i): ReleasedMessageFacts => {
    const where = `job.releases[${i}]`;
    if (!isRecord(item)) throw new MalformedJobError(`${where} is not an object`);
    const networkMessageId = field(item, 'networkMessageId', where).toLowerCase();
    if (!isGuid(networkMessageId)) throw new MalformedJobError(`${where}.networkMessageId is not a GUID`);
    const recipients = item.recipients;
    if (!Array.isArray(recipients) || !recipients.every((r) => typeof r === 'string')) throw new MalformedJobError(`${where}.recipients is not a list of strings`);
    const releasedBy = item.releasedBy;
    if (releasedBy !== undefined && releasedBy !== null && typeof releasedBy !== 'string') throw new MalformedJobError(`${where}.releasedBy is not a string`);
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
    };
  });
  return makeJob(sender.toLowerCase(), releases);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedJobError('job is not valid JSON');
  }
}

