import { odata, type TableClient, type TableTransaction } from '@azure/data-tables';
import type { QuarantinedMessage } from '../domain/types';
import type { QuarantineSnapshotStore, UpsertResult } from '../snapshot/ports';
import { messageOf, statusOf } from '../log/errors';
import { deleteRows, forEachLimited } from './tables';
import { FIELD_CAPS, MAX_RECIPIENTS_IN_JOB } from '../jobs/budget';
import { cutText } from '../text/clean';

/**
 * Release audit records can only be fetched up to 7 days after they are published, and a message
 * cannot be released after it expires: 7 days past Expires no release of it can still arrive.
 */
export const KEEP_AFTER_EXPIRY_DAYS = 7;
const DAY_MS = 86_400_000;
/** Rows without Expires are kept as long as the longest quarantine lifetime (30 days) plus the margin. */
const FALLBACK_LIFETIME_DAYS = 30;

/**
 * What a notice needs of outside text, and no more: a subject is shown cut well before this, and a
 * notice lists the first recipients plus a count. Bounding them keeps one hostile message's 100
 * copies (each with a 15,000-character subject) far inside the 4 MiB a transaction may carry.
 */
export const MAX_SUBJECT_CHARS = FIELD_CAPS.subject;
export const MAX_RECIPIENTS = MAX_RECIPIENTS_IN_JOB;
export const MAX_RECIPIENTS_CHARS = 8_000;
/** A transaction's budget (Table Storage takes 4 MiB), measured as the JSON the SDK sends. */
export const MAX_TRANSACTION_BYTES = 2 * 1024 * 1024;
/** Table Storage takes at most 100 operations per transaction. */
export const MAX_TRANSACTION_ROWS = 100;
/** What each operation adds around its entity JSON in the multipart body: boundary, headers, URL. */
const OPERATION_OVERHEAD_BYTES = 1_024;
const WRITE_CONCURRENCY = 16;

// A type alias, not an interface: the tables SDK wants an index-signature-compatible record.
type SnapshotEntity = {
  partitionKey: string;
  rowKey: string;
  Sender: string;
  Recipients: string;
  /** How many recipients the message had; RecipientsOmitted of them did not fit in Recipients. */
  RecipientCount: number;
  RecipientsOmitted: number;
  Subject: string;
  SubjectTruncated: boolean;
  ReceivedTime: Date;
  Expires?: Date;
  PurgeAfter: Date;
  QuarantineType: string;
  PolicyType: string;
  PolicyName: string;
  Direction: string;
  ReleaseStatus: string;
  MessageId: string;
  Size?: number;
};

export { cutText };

/** Recipients as JSON within MAX_RECIPIENTS and MAX_RECIPIENTS_CHARS; the count of those left out is kept beside it. */
function fitRecipients(recipients: readonly string[]): { json: string; omitted: number } {
  const kept: string[] = [];
  let chars = 2; // the brackets
  for (const address of recipients) {
    if (kept.length >= MAX_RECIPIENTS) break;
    const cost = JSON.stringify(address).length + 1;
    if (chars + cost > MAX_RECIPIENTS_CHARS) break;
    kept.push(address);
    chars += cost;
  }
  return { json: JSON.stringify(kept), omitted: recipients.length - kept.length };
}

export function toEntity(m: QuarantinedMessage): SnapshotEntity {
  const recipients = fitRecipients(m.recipients);
  const lifetimeEnd = m.expiresAt ?? new Date(m.receivedAt.getTime() + FALLBACK_LIFETIME_DAYS * DAY_MS);
  const entity: SnapshotEntity = {
    partitionKey: m.networkMessageId,
    rowKey: m.copyId,
    Sender: cutText(m.senderAddress, FIELD_CAPS.address),
    Recipients: recipients.json,
    RecipientCount: m.recipients.length,
    RecipientsOmitted: recipients.omitted,
    Subject: cutText(m.subject, MAX_SUBJECT_CHARS),
    SubjectTruncated: m.subject.length > MAX_SUBJECT_CHARS,
    ReceivedTime: m.receivedAt,
    PurgeAfter: new Date(lifetimeEnd.getTime() + KEEP_AFTER_EXPIRY_DAYS * DAY_MS),
    QuarantineType: cutText(m.quarantineType, FIELD_CAPS.quarantineType),
    PolicyType: cutText(m.policyType, 1000),
    PolicyName: cutText(m.policyName, FIELD_CAPS.policyName),
    Direction: cutText(m.direction, 100),
    ReleaseStatus: cutText(m.releaseStatus, 100),
    MessageId: cutText(m.internetMessageId, 2000),
  };
  if (m.expiresAt) entity.Expires = m.expiresAt;
  if (m.size !== undefined) entity.Size = m.size;
  return entity;
}

/**
 * An upper bound of what one entity adds to a transaction's body. The body is UTF-8 JSON, while
 * Table Storage counts strings in UTF-16: each string is charged the larger of the two, so
 * neither the 4 MiB body nor the service's own accounting can be exceeded by text of any script.
 */
export function encodedSize(entity: Readonly<Record<string, unknown>>): number {
  let bytes = OPERATION_OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(entity), 'utf8');
  for (const [name, value] of Object.entries(entity)) {
    // A typed property (dates, numbers) carries an "@odata.type" annotation beside it.
    if (typeof value !== 'string') bytes += name.length + 40;
    else bytes += Math.max(0, value.length * 2 - Buffer.byteLength(value, 'utf8'));
  }
  return bytes;
}

/** Splits one partition's rows into transactions of at most MAX_TRANSACTION_ROWS rows and maxBytes. */
export function splitBySize<T extends Readonly<Record<string, unknown>>>(
  rows: readonly T[],
  maxBytes = MAX_TRANSACTION_BYTES,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = encodedSize(row);
    if (current.length > 0 && (current.length >= MAX_TRANSACTION_ROWS || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A write Table Storage refused for the data itself (too large, malformed): retrying it unchanged cannot help. */
export function isRefusedWrite(error: unknown): boolean {
  const status = statusOf(error);
  return status === 400 || status === 413;
}

function asDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
  return undefined;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function fromEntity(e: Record<string, unknown>): QuarantinedMessage {
  let recipients: string[] = [];
  try {
    const parsed: unknown = JSON.parse(asString(e.Recipients) || '[]');
    if (Array.isArray(parsed)) recipients = parsed.filter((r): r is string => typeof r === 'string');
  } catch {
    recipients = [];
  }
  return {
    networkMessageId: asString(e.partitionKey),
    copyId: asString(e.rowKey),
    senderAddress: asString(e.Sender),
    recipients,
    subject: asString(e.Subject),
    receivedAt: asDate(e.ReceivedTime) ?? new Date(0),
    expiresAt: asDate(e.Expires),
    quarantineType: asString(e.QuarantineType),
    policyType: asString(e.PolicyType),
    policyName: asString(e.PolicyName),
    direction: asString(e.Direction),
    releaseStatus: asString(e.ReleaseStatus),
    internetMessageId: asString(e.MessageId),
    size: typeof e.Size === 'number' ? e.Size : undefined,
  };
}

export class TableQuarantineSnapshotStore implements QuarantineSnapshotStore {
  constructor(private readonly table: TableClient) {}

  /**
   * One transaction per partition (a NetworkMessageId's recipient copies), split by count and by
   * encoded size. A transaction Table Storage refuses (400/413) is retried row by row, and a row
   * refused on its own is returned with its reason instead of failing the rest.
   */
  async upsert(messages: readonly QuarantinedMessage[]): Promise<UpsertResult> {
    // The last copy of a duplicated key wins, since a transaction may not touch one entity twice.
    const partitions = new Map<string, Map<string, SnapshotEntity>>();
    for (const message of messages) {
      const entity = toEntity(message);
      let rows = partitions.get(entity.partitionKey);
      if (!rows) partitions.set(entity.partitionKey, (rows = new Map()));
      rows.set(entity.rowKey, entity);
    }
    const chunks: SnapshotEntity[][] = [];
    for (const rows of partitions.values()) chunks.push(...splitBySize([...rows.values()]));
    const result: UpsertResult = { stored: 0, rejected: [] };
    await forEachLimited(chunks, WRITE_CONCURRENCY, async (chunk) => {
      if (chunk.length > 1) {
        try {
          const actions: TableTransaction['actions'] = chunk.map((entity) => ['upsert', entity, 'Replace']);
          await this.table.submitTransaction(actions);
          result.stored += chunk.length;
          return;
        } catch (error) {
          if (!isRefusedWrite(error)) throw error;
        }
      }
      for (const entity of chunk) {
        try {
          await this.table.upsertEntity(entity, 'Replace');
          result.stored++;
        } catch (error) {
          if (!isRefusedWrite(error)) throw error;
          result.rejected.push({
            networkMessageId: entity.partitionKey,
            copyId: entity.rowKey,
            reason: `refused by Table Storage (${statusOf(error)})`,
            detail: messageOf(error).slice(0, 300),
          });
        }
      }
    });
    return result;
  }

  async findByNetworkMessageId(networkMessageId: string): Promise<QuarantinedMessage[]> {
    const found: QuarantinedMessage[] = [];
    const key = networkMessageId.toLowerCase();
    for await (const entity of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${key}` },
    })) {
      found.push(fromEntity(entity));
    }
    return found;
  }

  async purge(now: Date): Promise<number> {
    return deleteRows(this.table, odata`PurgeAfter lt ${now}`);
  }

  /** [story] Copies whose Expires lies in [from, to): the expiry notices' candidates (a scan, run at most hourly). */
  async expiredBetween(from: Date, to: Date): Promise<QuarantinedMessage[]> {
    const found: QuarantinedMessage[] = [];
    for await (const entity of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`Expires ge ${from} and Expires lt ${to}` },
    })) {
      found.push(fromEntity(entity));
    }
    return found;
  }
}
