import type { QuarantinedMessage } from '../domain/types';
import { isAcceptedDomain } from './domains';
import { singleValue, type ParsedHeader } from './messageHeader';

/**
 * Where a quarantined message really came from. Pure.
 *
 * `Direction` in Get-QuarantineMessage is a guess (seen "Outbound" on inbound phish) and the From
 * domain is whatever the sender typed. Exchange's organisation headers are better evidence: its
 * header firewall strips `X-MS-Exchange-Organization-*` from mail arriving from outside and stamps
 * its own, so in a copy held in this tenant they were written by this tenant.
 */

/** internal: an authenticated user of the tenant sent it. external: it came from outside. */
export type OriginVerdict = 'internal' | 'external';
export type OriginSource = 'header' | 'fallback';
/** What became of reading the header: the fallback is used for every status but 'read'. */
export type HeaderStatus = 'read' | 'undecided' | 'unparseable' | 'forbidden' | 'not-found' | 'failed' | 'not-tried';

export interface MessageOrigin {
  verdict: OriginVerdict;
  source: OriginSource;
  /** Which evidence decided, e.g. "DIR:INB" or "policy-hold": logged and stored, never prose. */
  rule: string;
  header: HeaderStatus;
  /** The message is one of the product's own notices (it carries an `x-qrn-` header). */
  ownNotice: boolean;
}

export type HeaderDecision = { verdict: OriginVerdict | 'unknown'; rule: string };

const INTERNAL_AUTH = /^internal$/i;
const EXTERNAL_AUTH = /^(anonymous|partner)$/i;
const DIR_TOKEN = /(?:^|;)\s*DIR\s*:\s*([A-Z]+)\s*(?=;|$)/gi;

/** The DIR token of X-Forefront-Antispam-Report: INB, OUT or INT; 'conflict' when it disagrees with itself. */
function antispamDirection(header: ParsedHeader): 'INB' | 'OUT' | 'INT' | 'absent' | 'conflict' | 'other' {
  const report = singleValue(header, 'x-forefront-antispam-report');
  if (report.kind !== 'value') return report.kind;
  const found = new Set([...report.value.matchAll(DIR_TOKEN)].map((m) => m[1].toUpperCase()));
  if (found.size === 0) return 'absent';
  if (found.size > 1) return 'conflict';
  const [dir] = found;
  return dir === 'INB' || dir === 'OUT' || dir === 'INT' ? dir : 'other';
}

/**
 * Origin from the header alone, or 'unknown' with why.
 * - The organisation headers (MessageDirectionality, AuthAs) cannot be forged from outside, so when
 *   they say the mail came in (Incoming, Anonymous or Partner) that decides 'external', whatever else
 *   the header claims.
 * - Originating with AuthAs Internal, or DIR:OUT / DIR:INT, is 'internal' unless other evidence says
 *   the mail came in (DIR:INB, compauth=fail): contradictions decide nothing.
 * - A field given twice with different values decides nothing (a sender may have added one).
 */
export function originFromHeader(header: ParsedHeader): HeaderDecision {
  if (header.fieldCount === 0) return { verdict: 'unknown', rule: 'unparseable' };
  const directionality = singleValue(header, 'x-ms-exchange-organization-messagedirectionality');
  const authAs = singleValue(header, 'x-ms-exchange-organization-authas');
  const dir = antispamDirection(header);
  const spoofed = (header.fields['authentication-results'] ?? []).some((v) => /\bcompauth\s*=\s*fail\b/i.test(v));

  const incoming = directionality.kind === 'value' && /^incoming$/i.test(directionality.value);
  const originating = directionality.kind === 'value' && /^originating$/i.test(directionality.value);
  const authExternal = authAs.kind === 'value' && EXTERNAL_AUTH.test(authAs.value);
  const authInternal = authAs.kind === 'value' && INTERNAL_AUTH.test(authAs.value);

  if (incoming || authExternal) {
    const rule = [
      incoming ? 'Incoming' : '',
      authExternal && authAs.kind === 'value' ? `AuthAs:${authAs.value}` : '',
      dir === 'INB' ? 'DIR:INB' : '',
      spoofed ? 'compauth=fail' : '',
    ]
      .filter((p) => p !== '')
      .join('+');
    return { verdict: 'external', rule };
  }
  if (directionality.kind === 'conflict' || authAs.kind === 'conflict' || dir === 'conflict')
    return { verdict: 'unknown', rule: 'conflicting-duplicates' };
  const dirInternal = dir === 'OUT' || dir === 'INT';
  const saysIncoming = dir === 'INB' || spoofed;
  if (originating && authInternal) {
    if (saysIncoming) return { verdict: 'unknown', rule: 'contradictory' };
    return { verdict: 'internal', rule: `Originating+AuthAs:Internal${dirInternal ? `+DIR:${dir}` : ''}` };
  }
  if (dirInternal) {
    if (spoofed) return { verdict: 'unknown', rule: 'contradictory' };
    return { verdict: 'internal', rule: `DIR:${dir}` };
  }
  if (saysIncoming) {
    // Originating or AuthAs Internal alone, next to an inbound stamp, is a contradiction.
    if (originating || authInternal) return { verdict: 'unknown', rule: 'contradictory' };
    return { verdict: 'external', rule: dir === 'INB' ? 'DIR:INB' : 'compauth=fail' };
  }
  if (originating || authInternal) return { verdict: 'unknown', rule: 'incomplete' };
  return { verdict: 'unknown', rule: 'no-origin-fields' };
}

/** Held by the organisation's own policy: an internal sender's mail is held this way. */
const POLICY_HOLDS = new Set(['transportrule', 'datalossprevention', 'filetypeblock']);
/** Filtering verdicts: what inbound mail from the internet is held for. */
const FILTERING_VERDICTS = new Set(['phish', 'highconfphish', 'malware', 'spam', 'bulk']);

function quarantineTypes(rows: readonly QuarantinedMessage[]): Set<string> {
  return new Set(rows.flatMap((r) => r.quarantineType.toLowerCase().split(/[\s,;]+/)).filter((t) => t !== ''));
}

/**
 * The fallback when the header cannot be read or decides nothing. It trusts neither Direction nor
 * the From domain alone: the sender is told only if
 *   the sender's domain is accepted, AND
 *   (some original recipient is outside the accepted domains OR the hold is a policy hold:
 *    TransportRule, DataLossPrevention, FileTypeBlock), AND
 *   it is not a filtering verdict (Phish, HighConfPhish, Malware, Spam, Bulk) on mail addressed only inside.
 * A spoof of the tenant's own domain on inbound phish addressed to its users fails the last test.
 */
export function fallbackOrigin(
  rows: readonly QuarantinedMessage[],
  sender: string,
  acceptedDomains: readonly string[],
): { verdict: OriginVerdict; rule: string } {
  if (!isAcceptedDomain(sender, acceptedDomains)) return { verdict: 'external', rule: 'sender-domain-not-accepted' };
  const recipients = rows.flatMap((r) => r.recipients);
  const outside = recipients.some((a) => !isAcceptedDomain(a, acceptedDomains));
  const types = quarantineTypes(rows);
  const filtering = [...types].some((t) => FILTERING_VERDICTS.has(t));
  const policy = [...types].some((t) => POLICY_HOLDS.has(t));
  if (filtering && !outside) return { verdict: 'external', rule: 'filtering-verdict-inside-only' };
  if (outside) return { verdict: 'internal', rule: 'recipient-outside' };
  if (policy) return { verdict: 'internal', rule: 'policy-hold' };
  return { verdict: 'external', rule: 'inside-only-not-policy-hold' };
}

/** The header's answer when it gives one, else the fallback's; the header status says which and why. */
export function decideOrigin(
  header:
    { status: 'read'; parsed: ParsedHeader } | { status: Exclude<HeaderStatus, 'read' | 'undecided' | 'unparseable'> },
  rows: readonly QuarantinedMessage[],
  sender: string,
  acceptedDomains: readonly string[],
): MessageOrigin {
  let status: HeaderStatus = header.status;
  let ownNotice = false;
  if (header.status === 'read') {
    ownNotice = header.parsed.productHeader;
    const decided = originFromHeader(header.parsed);
    if (decided.verdict !== 'unknown')
      return { verdict: decided.verdict, source: 'header', rule: decided.rule, header: 'read', ownNotice };
    status = decided.rule === 'unparseable' || decided.rule === 'conflicting-duplicates' ? 'unparseable' : 'undecided';
  }
  const fallback = fallbackOrigin(rows, sender, acceptedDomains);
  return { verdict: fallback.verdict, source: 'fallback', rule: fallback.rule, header: status, ownNotice };
}
