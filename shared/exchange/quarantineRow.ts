import { isGuid, isMailboxAddress } from '../config/settings';
import type { QuarantinedMessage } from '../domain/types';
import { isRecord } from '../http/json';
import { printable } from '../log/logger';
import { cleanText } from '../text/clean';

export type RowParse = { ok: true; message: QuarantinedMessage } | { ok: false; reason: string; identity: string };

/** Every text field cleaned here, where the row enters (text/clean.ts): renderers and keys rely on it. */
function str(row: Record<string, unknown>, key: string): string {
  return cleanText(row[key]);
}

function date(row: Record<string, unknown>, key: string): Date | undefined {
  const value = row[key];
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function addresses(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list
    .filter((a): a is string => typeof a === 'string')
    .map((a) => cleanText(a).trim())
    .filter((a) => a !== '');
}

/**
 * Maps one Get-QuarantineMessage row to the product's shape. Rows are untrusted: an unusable row is
 * reported with its reason instead of failing the run. Odd but usable values (an empty or malformed
 * sender, no recipients) are kept as they are: the decision about whom to tell is made later, where
 * a skipped notification is logged with the release it belongs to.
 */
export function parseQuarantineRow(raw: unknown): RowParse {
  if (!isRecord(raw)) return { ok: false, reason: 'row is not an object', identity: '' };
  const identity = str(raw, 'Identity');
  const parts = identity.split('\\');
  if (parts.length !== 2 || !isGuid(parts[0]) || !/^[0-9a-z-]{1,64}$/i.test(parts[1])) {
    return { ok: false, reason: 'Identity is not "<NetworkMessageId>\\<id>"', identity: printable(identity) };
  }
  const receivedAt = date(raw, 'ReceivedTime');
  if (!receivedAt) return { ok: false, reason: 'ReceivedTime is missing or not a date', identity };
  const size = raw.Size;
  const sender = str(raw, 'SenderAddress').trim();
  return {
    ok: true,
    message: {
      networkMessageId: parts[0].toLowerCase(),
      copyId: parts[1].toLowerCase(),
      senderAddress: isMailboxAddress(sender) ? sender.toLowerCase() : sender,
      recipients: addresses(raw.RecipientAddress),
      subject: str(raw, 'Subject'),
      receivedAt,
      expiresAt: date(raw, 'Expires'),
      quarantineType: str(raw, 'QuarantineTypes') || str(raw, 'Type'),
      policyType: str(raw, 'PolicyType'),
      policyName: str(raw, 'PolicyName'),
      direction: str(raw, 'Direction'),
      releaseStatus: str(raw, 'ReleaseStatus'),
      internetMessageId: str(raw, 'MessageId'),
      size: typeof size === 'number' && Number.isFinite(size) ? size : undefined,
    },
  };
}
