/**
 * Deterministic synthetic workloads for the benchmark. The same seed and `nowMs` give the same rows
 * in every process, so the simulator child and the benchmark can build identical data without
 * shipping it across a pipe.
 */
import type { QuarantinedMessage } from '../../shared/domain/types';
import { parseQuarantineRow } from '../../shared/exchange/quarantineRow';
import { quarantineRow } from '../../simulator/fixtures';
import type { AuditRecord, QuarantineRow } from '../../simulator/tenant';
import { releaseRecord } from '../../simulator/fixtures';

const DAY_MS = 86_400_000;

/** mulberry32: tiny, fast, good enough to spread test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

export function seededGuid(random: () => number): string {
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

export const SENDER_COUNT = 300;
/** The benchmark's internal senders; `domain` is the tenant's (contoso.com, the simulator's home tenant, by default). */
export const senderAddress = (i: number, domain = 'contoso.com'): string =>
  `sender${String(i).padStart(3, '0')}@${domain}`;

interface Kind {
  type: string;
  policyType: string;
  policy: string;
  weight: number;
}

const OUTBOUND_TYPES: readonly Kind[] = [
  {
    type: 'TransportRule',
    policyType: 'ExchangeTransportRule',
    policy: 'Quarantine outbound attachments to external',
    weight: 0.6,
  },
  { type: 'DataLossPrevention', policyType: 'DataLossPrevention', policy: 'Block card numbers', weight: 0.25 },
  { type: 'OutboundSpam', policyType: 'HostedOutboundSpamFilterPolicy', policy: 'Default', weight: 0.15 },
];
const INBOUND_TYPES: readonly Kind[] = [
  { type: 'Spam', policyType: 'HostedContentFilterPolicy', policy: 'Default', weight: 0.5 },
  { type: 'Phish', policyType: 'AntiPhishPolicy', policy: 'Office365 AntiPhish Default', weight: 0.3 },
  { type: 'Malware', policyType: 'MalwareFilterPolicy', policy: 'Default', weight: 0.2 },
];
const WORDS = [
  'Q3',
  'pricing',
  'sheet',
  'invoice',
  'contract',
  'draft',
  'RE:',
  'FW:',
  'payroll',
  'export',
  'report',
  'customer',
  'list',
  'update',
  'urgent',
  'review',
];

function weighted<T extends { weight: number }>(random: () => number, items: readonly T[]): T {
  let r = random();
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1];
}

/** One message and its recipient copies: each copy is one Get-QuarantineMessage row. */
export interface MessagePlan {
  networkMessageId: string;
  copyIds: string[];
  recipients: string[];
  sender: string;
  outbound: boolean;
  receivedAt: number;
  subject: string;
  type: string;
  policyType: string;
  policyName: string;
  messageId: string;
  size: number;
}

/**
 * Messages whose copies add up to exactly `rowCount` rows: 1 copy 75 %, 2 copies 20 %, 3 copies 5 %
 * (about 1.3 copies per NetworkMessageId), received over the last 25 days, two thirds outbound from
 * 300 internal senders (of `senderDomain`), one third inbound from outside.
 */
export function planMessages(
  rowCount: number,
  seed: number,
  nowMs: number,
  senderDomain = 'contoso.com',
): MessagePlan[] {
  const random = prng(seed);
  const plans: MessagePlan[] = [];
  let rows = 0;
  while (rows < rowCount) {
    const r = random();
    const copies = Math.min(rowCount - rows, r < 0.75 ? 1 : r < 0.95 ? 2 : 3);
    const outbound = random() < 2 / 3;
    const kind = weighted(random, outbound ? OUTBOUND_TYPES : INBOUND_TYPES);
    const sender = outbound
      ? senderAddress(Math.floor(random() * SENDER_COUNT), senderDomain)
      : `news${Math.floor(random() * 50)}@fabrikam.example`;
    const recipients = Array.from({ length: copies }, (_, i) =>
      outbound
        ? `partner${Math.floor(random() * 5000)}.${i}@fabrikam.example`
        : senderAddress(Math.floor(random() * SENDER_COUNT), senderDomain),
    );
    const wordCount = 2 + Math.floor(random() * 10);
    const subject = Array.from({ length: wordCount }, () => pick(random, WORDS)).join(' ');
    const domain = sender.split('@')[1];
    plans.push({
      networkMessageId: seededGuid(random),
      copyIds: Array.from({ length: copies }, () => seededGuid(random)),
      recipients,
      sender,
      outbound,
      // 25 days back, at least 5 minutes ago; whole milliseconds.
      receivedAt: Math.floor(nowMs - 5 * 60_000 - random() * 25 * DAY_MS),
      subject,
      type: kind.type,
      policyType: kind.policyType,
      policyName: kind.policy,
      messageId: `<${hex(random, 16).toUpperCase()}.${domain}@${domain}>`,
      size: 2_000 + Math.floor(random() * 5_000_000),
    });
    rows += copies;
  }
  return plans;
}

/** The Get-QuarantineMessage rows of some messages, one per recipient copy. */
export function rowsOf(plans: readonly MessagePlan[]): QuarantineRow[] {
  const rows: QuarantineRow[] = [];
  for (const plan of plans) {
    plan.copyIds.forEach((copyId, i) => {
      rows.push(
        quarantineRow({
          Identity: `${plan.networkMessageId}\\${copyId}`,
          receivedAt: new Date(plan.receivedAt),
          MessageId: plan.messageId,
          SenderAddress: plan.sender,
          RecipientAddress: [plan.recipients[i]],
          Subject: plan.subject,
          Size: plan.size,
          Type: plan.type,
          QuarantineTypes: plan.type,
          PolicyType: plan.policyType,
          PolicyName: plan.policyName,
          Direction: plan.outbound ? 'Outbound' : 'Inbound',
        }),
      );
    });
  }
  return rows;
}

/** What the snapshot makes of those rows: the product's own parser, so shapes are identical. */
export function messagesOf(rows: readonly QuarantineRow[]): QuarantinedMessage[] {
  return rows.map((row) => {
    const parsed = parseQuarantineRow(row);
    if (!parsed.ok) throw new Error(`workload row ${row.Identity} does not parse: ${parsed.reason}`);
    return parsed.message;
  });
}

export interface ReleaseMix {
  /** Releases of outbound messages from internal senders: each becomes a notice. */
  matched: number;
  /** Releases of inbound messages (external senders): skipped. */
  external: number;
  /** Releases of NetworkMessageIds the snapshot does not hold (yet): left pending. */
  unknown: number;
}

/**
 * `total` QuarantineReleaseMessage records over messages of the plan: 85 % outbound (notify),
 * 10 % inbound (skipped, external sender), 5 % NetworkMessageIds not in the snapshot (wait).
 * Each record releases one copy of a distinct message to that copy's recipient, within the last hour,
 * by `releasedBy` (an admin of the tenant).
 */
export function releaseRecords(
  plans: readonly MessagePlan[],
  total: number,
  seed: number,
  nowMs: number,
  releasedBy = 'secadmin@contoso.com',
): { records: AuditRecord[]; mix: ReleaseMix } {
  const random = prng(seed);
  const outbound = plans.filter((p) => p.outbound);
  const inbound = plans.filter((p) => !p.outbound);
  const wantUnknown = Math.round(total * 0.05);
  const wantExternal = Math.round(total * 0.1);
  const wantMatched = total - wantUnknown - wantExternal;
  if (outbound.length < wantMatched || inbound.length < wantExternal)
    throw new Error('releaseRecords: the plan holds too few messages');
  const take = (from: readonly MessagePlan[], count: number): MessagePlan[] => {
    // A partial Fisher-Yates over indices: distinct messages, spread over the whole snapshot.
    const index = from.map((_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (index.length - i));
      [index[i], index[j]] = [index[j], index[i]];
    }
    return index.slice(0, count).map((i) => from[i]);
  };
  const at = (): Date => new Date(nowMs - 60_000 - Math.floor(random() * 55 * 60_000));
  const records: AuditRecord[] = [];
  for (const plan of [...take(outbound, wantMatched), ...take(inbound, wantExternal)]) {
    const copy = Math.floor(random() * plan.copyIds.length);
    records.push(
      releaseRecord({
        NetworkMessageId: plan.networkMessageId,
        ReleaseTo: plan.recipients[copy],
        UserId: releasedBy,
        at: at(),
      }),
    );
  }
  for (let i = 0; i < wantUnknown; i++) {
    records.push(
      releaseRecord({
        NetworkMessageId: seededGuid(random),
        ReleaseTo: 'someone@fabrikam.example',
        UserId: releasedBy,
        at: at(),
      }),
    );
  }
  // Interleave the kinds the way a real feed would.
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [records[i], records[j]] = [records[j], records[i]];
  }
  return { records, mix: { matched: wantMatched, external: wantExternal, unknown: wantUnknown } };
}

/**
 * A mass release: `messages` outbound messages of `recipients` copies each (one Get-QuarantineMessage
 * row per recipient copy, as Exchange lists them), every one released to all its recipients.
 */
export function massPlans(messages: number, recipients: number, seed: number, nowMs: number): MessagePlan[] {
  const random = prng(seed);
  return Array.from({ length: messages }, (_, m) => {
    const sender = senderAddress(m % SENDER_COUNT);
    return {
      networkMessageId: seededGuid(random),
      copyIds: Array.from({ length: recipients }, () => seededGuid(random)),
      recipients: Array.from(
        { length: recipients },
        (_, i) => `member${String(i).padStart(3, '0')}.m${m}@fabrikam.example`,
      ),
      sender,
      outbound: true,
      receivedAt: Math.floor(nowMs - 3 * 3_600_000 - random() * 3_600_000),
      subject: `Partner newsletter ${m}: autumn price list`,
      type: 'TransportRule',
      policyType: 'ExchangeTransportRule',
      policyName: 'Quarantine outbound attachments to external',
      messageId: `<${hex(random, 16).toUpperCase()}.contoso.com@contoso.com>`,
      size: 48_000,
    };
  });
}

/** One QuarantineReleaseMessage record per recipient copy, as Microsoft writes a release to all. */
export function massReleaseRecords(plans: readonly MessagePlan[], nowMs: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  plans.forEach((plan, m) => {
    const at = new Date(nowMs - 40 * 60_000 + m * 1000);
    for (const recipient of plan.recipients)
      records.push(
        releaseRecord({
          NetworkMessageId: plan.networkMessageId,
          ReleaseTo: recipient,
          UserId: 'secadmin@contoso.com',
          at,
        }),
      );
  });
  return records;
}
