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

type Field = Parameters<typeof singleValue>[1];

/** A field's one value in lower case, '' when absent, undefined when given twice with different values. */
function one(header: ParsedHeader, field: Field): string | undefined {
  const v = singleValue(header, field);
  return v.kind === 'value' ? v.value.trim().toLowerCase() : v.kind === 'absent' ? '' : undefined;
}

/**
 * The evidence origin is decided from, each as Exchange stamps it. `authAs` merges the
 * organisation's AuthAs with X-MS-Exchange-CrossTenant-AuthAs: in every real header where both were
 * visible they agreed, so a disagreement is a contradiction, not a choice.
 */
interface Evidence {
  directionality: string;
  authAs: string;
  authMechanism: string;
  fromEntity: string;
  dir: 'INB' | 'OUT' | 'INT' | 'absent' | 'other';
  spoofed: boolean;
}

function evidenceOf(header: ParsedHeader): Evidence | 'conflict' {
  const directionality = one(header, 'x-ms-exchange-organization-messagedirectionality');
  const orgAuthAs = one(header, 'x-ms-exchange-organization-authas');
  const crossAuthAs = one(header, 'x-ms-exchange-crosstenant-authas');
  const authMechanism = one(header, 'x-ms-exchange-organization-authmechanism');
  const fromEntity = one(header, 'x-ms-exchange-crosstenant-fromentityheader');
  const dir = antispamDirection(header);
  if (
    directionality === undefined ||
    orgAuthAs === undefined ||
    crossAuthAs === undefined ||
    authMechanism === undefined ||
    fromEntity === undefined ||
    dir === 'conflict'
  )
    return 'conflict';
  if (orgAuthAs !== '' && crossAuthAs !== '' && orgAuthAs !== crossAuthAs) return 'conflict';
  // compauth is Exchange's composite authentication, stamped on mail that came in from outside only;
  // a fail on a list server's or a forwarder's copy still means the copy came in.
  const spoofed = (header.fields['authentication-results'] ?? []).some((v) => /\bcompauth\s*=\s*fail\b/i.test(v));
  return { directionality, authAs: orgAuthAs || crossAuthAs, authMechanism, fromEntity, dir, spoofed };
}

/**
 * What in the evidence says the mail came in from outside; each of these is written by Exchange on
 * inbound mail only (or by a sender against their own interest: it never makes a notice go out).
 * - MessageDirectionality Incoming, AuthAs Anonymous or External (Microsoft docs; Anonymous on every
 *   internet message seen, e.g. Message Header Analyzer's outlook.com test header), FromEntityHeader
 *   Internet, DIR:INB, compauth=fail.
 * Partner is not here: on-premises Exchange stamps it on internal mail on its way to a DLP gateway
 * (seen on samba-technical posts from inno.tech, relayed through "SEC-DLP-QRNT").
 */
function outsideSigns(e: Evidence): string[] {
  return [
    e.directionality === 'incoming' ? 'Incoming' : '',
    e.authAs === 'anonymous' ? 'AuthAs:Anonymous' : '',
    e.authAs === 'external' ? 'AuthAs:External' : '',
    e.fromEntity === 'internet' ? 'FromEntity:Internet' : '',
    e.dir === 'INB' ? 'DIR:INB' : '',
    e.spoofed ? 'compauth=fail' : '',
  ].filter((s) => s !== '');
}

/**
 * Origin from the header alone, or 'unknown' with why. The rules, first match wins; each names the
 * real header that justifies it (sources in test/detect/corpus.ts):
 *
 * 1. A header cut short (size, field count, repeats, or a blank line with text after it) decides
 *    only 'external', from outside signs it reached, else nothing. Exchange appends its stamps after
 *    the sender's fields, so everything a cut header shows may be the sender's own copies: a
 *    sender-written "DIR:OUT" ahead of 300 KB of filler must not read as internal.
 * 2. A field given twice with different values, or the two AuthAs fields disagreeing, decides nothing.
 * 3. Hybrid: Originating + AuthAs Internal + FromEntityHeader HybridOnPrem is internal even with
 *    DIR:INB. Seen on mail from an on-premises mailbox over the hybrid connector (hpe.com, linux-acpi
 *    2021-05-21: AuthMechanism 10, SFV:SKI, DIR:INB, CrossTenant-AuthAs Internal). The on-premises
 *    hop is EOP's inbound leg, hence DIR:INB; HybridOnPrem says the tenant's own connector.
 * 4. Connector-routed outbound: DIR:OUT + FromEntityHeader HybridOnPrem + AuthAs Anonymous, not
 *    Incoming, is internal. Seen on every amd.com, xilinx.com, nvidia.com and ti.com post that left
 *    through the on-premises hop (CrossTenant-AuthAs Anonymous there; the organisation AuthAs of
 *    such a copy is inferred to agree). DIR:OUT is EOP's own outbound verdict.
 * 5. Any other outside sign with no internal stamp: external (internet mail, spoofs of the own
 *    domain: compauth=fail). Incoming decides external even next to DIR:OUT, as before: the tenant's
 *    own directionality stamp is not overridden by a lone antispam token.
 * 6. Originating + AuthAs Internal (cloud mailboxes: Hosted, DIR:OUT or DIR:INT; Intel's hybrid
 *    posts with AuthMechanism 10 and DIR:INT) is internal.
 * 7. DIR:OUT / DIR:INT with no organisation stamps (a copy whose Organization-* fields were
 *    stripped: oracle.com, nvidia.com posts show CrossTenant-AuthAs Internal, Hosted, DIR:OUT) is internal.
 * 8. Anything else where internal and outside signs meet: 'contradictory'; nothing: 'incomplete' or
 *    'no-origin-fields'. Both go to the fallback, never to a guess that tells.
 */
export function originFromHeader(header: ParsedHeader): HeaderDecision {
  if (header.fieldCount === 0) return { verdict: 'unknown', rule: 'unparseable' };
  const e = evidenceOf(header);
  if (header.truncated) {
    // Rule 1: only outside signs count, and only those on which the parts agree.
    const signs = e === 'conflict' ? [] : outsideSigns(e);
    return signs.length > 0
      ? { verdict: 'external', rule: `cut:${signs.join('+')}` }
      : { verdict: 'unknown', rule: `truncated:${header.cut}` };
  }
  if (e === 'conflict') return { verdict: 'unknown', rule: 'conflicting-duplicates' };

  const outside = outsideSigns(e);
  const originating = e.directionality === 'originating';
  const authInternal = e.authAs === 'internal';
  const hybridOnPrem = e.fromEntity === 'hybridonprem';
  const mechanism = e.authMechanism !== '' ? `+AuthMechanism:${e.authMechanism}` : '';

  // Rule 3: hybrid.
  if (originating && authInternal && hybridOnPrem && !e.spoofed && e.dir !== 'other')
    return {
      verdict: 'internal',
      rule: `hybrid:Originating+AuthAs:Internal${mechanism}+HybridOnPrem${e.dir === 'absent' ? '' : `+DIR:${e.dir}`}`,
    };
  // Rule 4: outbound routed through the organisation's own on-premises or third-party hop.
  if (e.dir === 'OUT' && hybridOnPrem && e.authAs === 'anonymous' && e.directionality !== 'incoming' && !e.spoofed)
    return { verdict: 'internal', rule: 'connector:DIR:OUT+HybridOnPrem+AuthAs:Anonymous' };

  const dirInternal = e.dir === 'OUT' || e.dir === 'INT';
  const insideSigns = originating || authInternal || e.fromEntity === 'hosted' || hybridOnPrem;
  // Rule 5: outside signs alone, or Incoming (the tenant's own word) beside a lone antispam token.
  if (outside.length > 0) {
    if (!insideSigns && (!dirInternal || e.directionality === 'incoming'))
      return { verdict: 'external', rule: outside.join('+') };
    return { verdict: 'unknown', rule: 'contradictory' };
  }
  // Rule 6.
  if (originating && authInternal)
    return {
      verdict: 'internal',
      rule: `Originating+AuthAs:Internal${dirInternal ? `+DIR:${e.dir}` : ''}`,
    };
  // Rule 7: EOP's own outbound or internal verdict, with whatever organisation stamps agree.
  if (dirInternal)
    return {
      verdict: 'internal',
      rule: [`DIR:${e.dir}`, originating ? 'Originating' : '', e.authAs !== '' ? `AuthAs:${e.authAs}` : '']
        .filter((p) => p !== '')
        .join('+'),
    };
  if (originating || e.authAs !== '' || e.fromEntity !== '') return { verdict: 'unknown', rule: 'incomplete' };
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
