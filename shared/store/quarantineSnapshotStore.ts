import { odata, type TableClient, type TableTransaction } from '@azure/data-tables';
import type { QuarantinedMessage } from '../domain/types';
import type { QuarantineSnapshotStore } from '../snapshot/ports';
import { deleteRows, forEachLimited } from './tables';

/**
 * Release audit records can only be fetched up to 7 days after they are published, and a message
 * cannot be released after it expires: 7 days past Expires no release of it can still arrive.
 */
export const KEEP_AFTER_EXPIRY_DAYS = 7;
const DAY_MS = 86_400_000;
/** Rows without Expires are kept as long as the longest quarantine lifetime (30 days) plus the margin. */
const FALLBACK_LIFETIME_DAYS = 30;

/** A string property holds 64 KiB of UTF-16: 32K characters, kept under with room to spare. */
export const MAX_TEXT_CHARS = 30_000;
const WRITE_CONCURRENCY = 16;

// A type alias, not an interface: the tables SDK wants an index-signature-compatible record.
type SnapshotEntity = {
  partitionKey: string;
  rowKey: string;
  Sender: string;
  Recipients: string;
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

/** Cuts to at most `max` UTF-16 units without leaving half a surrogate pair behind. */
export function cutText(value: string, max: number): string {
  if (value.length <= max) return value;
  const end = /[\ud800-\udbff]/.test(value[max - 1]) ? max - 1 : max;
  return value.slice(0, end);
}

/** Recipients as JSON within one property; the count of those that did not fit is kept beside it. */
function fitRecipients(recipients: readonly string[]): { json: string; omitted: number } {
  let kept = recipients.length;
  let json = JSON.stringify(recipients);
  while (json.length > MAX_TEXT_CHARS && kept > 0) {
    kept = Math.floor(kept * 0.9);
    json = JSON.stringify(recipients.slice(0, kept));
  }
  return { json, omitted: recipients.length - kept };
}

export function toEntity(m: QuarantinedMessage): SnapshotEntity {
  const recipients = fitRecipients(m.recipients);
  const lifetimeEnd = m.expiresAt ?? new Date(m.receivedAt.getTime() + FALLBACK_LIFETIME_DAYS * DAY_MS);
  const entity: SnapshotEntity = {
    partitionKey: m.networkMessageId,
    rowKey: m.copyId,
    Sender: cutText(m.senderAddress, 1000),
    Recipients: recipients.json,
    RecipientsOmitted: recipients.omitted,
    Subject: cutText(m.subject, MAX_TEXT_CHARS),
    SubjectTruncated: m.subject.length > MAX_TEXT_CHARS,
    ReceivedTime: m.receivedAt,
    PurgeAfter: new Date(lifetimeEnd.getTime() + KEEP_AFTER_EXPIRY_DAYS * DAY_MS),
    QuarantineType: cutText(m.quarantineType, 1000),
    PolicyType: cutText(m.policyType, 1000),
    PolicyName: cutText(m.policyName, 2000),
    Direction: cutText(m.direction, 100),
    ReleaseStatus: cutText(m.releaseStatus, 100),
    MessageId: cutText(m.internetMessageId, 2000),
  };
  if (m.expiresAt) entity.Expires = m.expiresAt;
  if (m.size !== undefined) entity.Size = m.size;
  return entity;
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

  async upsert(messages: readonly QuarantinedMessage[]): Promise<void> {
    // One transaction per partition (a NetworkMessageId's recipient copies), at most 100 entities each;
    // the last copy of a duplicated key wins, since a transaction may not touch one entity twice.
    const partitions = new Map<string, Map<string, SnapshotEntity>>();
    for (const message of messages) {
      const entity = toEntity(message);
      let rows = partitions.get(entity.partitionKey);
      if (!rows) partitions.set(entity.partitionKey, (rows = new Map()));
      rows.set(entity.rowKey, entity);
    }
    const chunks: SnapshotEntity[][] = [];
    for (const rows of partitions.values()) {
      const list = [...rows.values()];
      for (let i = 0; i < list.length; i += 100) chunks.push(list.slice(i, i + 100));
    }
    await forEachLimited(chunks, WRITE_CONCURRENCY, async (chunk) => {
      if (chunk.length === 1) {
        await this.table.upsertEntity(chunk[0], 'Replace');
        return;
      }
      const actions: TableTransaction['actions'] = chunk.map((entity) => ['upsert', entity, 'Replace']);
      await this.table.submitTransaction(actions);
    });
  }

  async findByNetworkMessageId(networkMessageId: string): Promise<QuarantinedMessage[]> {
    const found: QuarantinedMessage[] = [];
    const key = networkMessageId.toLowerCase();
    for await (const entity of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${key}` } })) {
      found.push(fromEntity(entity));
    }
    return found;
  }

  async purge(now: Date): Promise<number> {
    return deleteRows(this.table, odata`PurgeAfter lt ${now}`);
  }

}
