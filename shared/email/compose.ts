/**
 * What the release notification says: a pure function from a NotificationJob to an email. No I/O
 * here; the mailer (graph/) turns what this returns into a sendMail request.
 *
 * Every value in the job is untrusted. Subjects, addresses, policy names and dates come from Exchange
 * and the audit log (a quarantined message's subject is written by whoever sent it), and the job itself
 * comes off a queue. So: the subject line and header values are cleaned to one line (no CR/LF, no
 * control, zero-width or bidi characters) and bounded; network message ids must be GUIDs; and every
 * value in the HTML goes through escapeHtml. No value is ever put into an attribute, a link or a URL.
 */
import { isGuid, isMailboxAddress, type NotifyTemplateSettings } from '../config/settings';
import type { ReleasedMessageFacts } from '../domain/types';
import { MalformedJobError, type NotificationJob } from '../jobs/notificationJob';
import { escapeHtml, textToHtmlParagraphs } from './html';
import { cleanInline, cleanMultiline, codeUnitLength, displayText, sanitizeSubject, truncate } from './sanitize';
import { DATE_LOCALES, fillPlaceholders, KNOWN_QUARANTINE_TYPES, type KnownQuarantineType, type NotificationStrings, type NotifyLanguage, resolveLanguage, STRINGS } from './strings';

export interface ComposedEmail {
  /** The original sender: job.sender. */
  to: string;
  /** One line, at most 255 characters. */
  subject: string;
  /** A complete HTML document. */
  html: string;
  /** Plain-text alternative with the same facts, lines separated by "\n". */
  text: string;
  /** Custom headers, names starting with `x-`; values are single lines. */
  headers: Array<{ name: string; value: string }>;
}

export interface ComposeOptions {
  /** IANA time zone the dates are shown in; default UTC. */
  timeZone?: string;
}

export const NETWORK_MESSAGE_IDS_HEADER = 'x-qrn-network-message-ids';
export const MAX_SUBJECT_LINE_LENGTH = 255;
export const MAX_RECIPIENTS_SHOWN = 20;

/** ISO-8601 instant with an explicit zone; anything else is shown as given rather than guessed at. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Builds the notification for one sender. Throws MalformedJobError for a malformed job. */
export function composeNotification(
  job: NotificationJob,
  template: NotifyTemplateSettings,
  options: ComposeOptions = {},
): ComposedEmail {
  const language = resolveLanguage(template.language);
  const strings = STRINGS[language];
  const formatDate = dateFormatter(language, options.timeZone ?? 'UTC');

  const to = senderAddress(job);
  const networkMessageIds = validNetworkMessageIds(job);
  const messages = groupByMessage(orderByReleaseTime(job.releases.map(normaliseFacts)));

  const subject = subjectLine(messages, template.subject, strings);
  const intro = adminText(template.intro) ?? defaultIntro(messages, strings);
  const footer = adminText(template.footer) ?? strings.footer;
  const views = messages.map((message) => describeMessage(message, strings, formatDate));

  return {
    to,
    subject,
    html: renderHtml({ language, subject, intro, footer, views, strings }),
    text: renderText({ intro, footer, views, strings }),
    headers: [header(NETWORK_MESSAGE_IDS_HEADER, networkMessageIds.join(','))],
  };
}

// ---------------------------------------------------------------------------------------------------
// The job: validation and grouping

/** One release with every field a clean string, whatever the queue delivered. */
type Release = ReleasedMessageFacts;

/** One released message (one NetworkMessageId) and its releases, earliest first. */
interface Message {
  networkMessageId: string;
  subject: string;
  receivedAt: string;
  recipients: string[];
  quarantineType: string;
  policyName: string;
  releases: Release[];
}

function senderAddress(job: NotificationJob): string {
  const sender: unknown = job.sender;
  if (typeof sender !== 'string' || !isMailboxAddress(sender)) {
    throw new MalformedJobError(`Notification job ${quote(job.jobId)} has no valid sender address (got ${quote(sender)}).`);
  }
  return sender;
}

/** The job's NetworkMessageIds: lower-case, de-duplicated, in job order. Each must be a GUID. */
function validNetworkMessageIds(job: NotificationJob): string[] {
  const releases: unknown = job.releases;
  if (!Array.isArray(releases) || releases.length === 0) {
    throw new MalformedJobError(`Notification job ${quote(job.jobId)} has no releases to report.`);
  }
  const ids: string[] = [];
  for (const release of job.releases) {
    const id: unknown = release?.networkMessageId;
    if (typeof id !== 'string' || !isGuid(id)) {
      throw new MalformedJobError(
        `Notification job ${quote(job.jobId)} has a NetworkMessageId that is not a GUID: ${quote(id)}. ` +
          'Jobs must carry the GUID from the quarantine snapshot; this is a bug upstream.',
      );
    }
    const lower = id.toLowerCase();
    if (!ids.includes(lower)) ids.push(lower);
  }
  return ids;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function normaliseFacts(facts: ReleasedMessageFacts): Release {
  const releasedBy: unknown = facts.releasedBy;
  const recipients: unknown = facts.recipients;
  return {
    networkMessageId: str(facts.networkMessageId).toLowerCase(),
    subject: str(facts.subject),
    receivedAt: str(facts.receivedAt),
    recipients: Array.isArray(recipients) ? recipients.map(str) : [],
    releasedTo: str(facts.releasedTo),
    // A queue round-trip turns undefined into a missing property; null is treated the same.
    releasedBy: typeof releasedBy === 'string' ? releasedBy : undefined,
    releasedAt: str(facts.releasedAt),
    quarantineType: str(facts.quarantineType),
    policyName: str(facts.policyName),
  };
}

function instant(value: string): number | undefined {
  const trimmed = value.trim();
  if (!ISO_INSTANT.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Earliest release first; releases with an unreadable time last, in job order (the sort is stable). */
function orderByReleaseTime(releases: Release[]): Release[] {
  const key = (r: Release): number => instant(r.releasedAt) ?? Number.POSITIVE_INFINITY;
  const unique = new Map<string, Release>();
  for (const r of releases) {
    const identity = [r.networkMessageId, r.releasedTo.toLowerCase(), r.releasedBy?.toLowerCase() ?? '', r.releasedAt].join('\u0000');
    if (!unique.has(identity)) unique.set(identity, r);
  }
  return [...unique.values()].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka === kb ? 0 : ka < kb ? -1 : 1;
  });
}

/** One entry per NetworkMessageId, ordered by its first release; recipients united across copies. */
function groupByMessage(releases: Release[]): Message[] {
  const messages = new Map<string, Message>();
  for (const release of releases) {
    const existing = messages.get(release.networkMessageId);
    if (existing) {
      existing.releases.push(release);
      existing.recipients.push(...release.recipients);
      continue;
    }
    messages.set(release.networkMessageId, {
      networkMessageId: release.networkMessageId,
      subject: release.subject,
      receivedAt: release.receivedAt,
      recipients: [...release.recipients],
      quarantineType: release.quarantineType,
      policyName: release.policyName,
      releases: [release],
    });
  }
  return [...messages.values()];
}

// ---------------------------------------------------------------------------------------------------
// Wording

function subjectLine(messages: Message[], adminTemplate: string | undefined, strings: NotificationStrings): string {
  const count = messages.length;
  const first = sanitizeSubject(messages[0].subject) || strings.noSubject;
  const subject = count === 1 ? first : fillPlaceholders(strings.subjectAndMore, { subject: first, more: String(count - 1) });
  const template = cleanInline(adminTemplate ?? '') || (count === 1 ? strings.subjectOne : strings.subjectMany);
  const line = cleanInline(fillPlaceholders(template, { subject, count: String(count) }));
  return truncate(line, MAX_SUBJECT_LINE_LENGTH, codeUnitLength);
}

function adminText(value: string | undefined): string | undefined {
  const cleaned = cleanMultiline(value ?? '');
  return cleaned === '' ? undefined : cleaned;
}

function defaultIntro(messages: Message[], strings: NotificationStrings): string {
  const releases = messages.flatMap((m) => m.releases);
  const automatic = releases.filter((r) => r.releasedBy === undefined).length;
  const one = messages.length === 1;
  if (automatic === 0) return one ? strings.introAdminOne : strings.introAdminMany;
  if (automatic === releases.length) return one ? strings.introSystemOne : strings.introSystemMany;
  return one ? strings.introMixedOne : strings.introMixedMany;
}

type DateFormatter = (value: string) => string;

function dateFormatter(language: NotifyLanguage, timeZone: string): DateFormatter {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(DATE_LOCALES[language], {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'short',
    });
  } catch {
    throw new RangeError(`Unknown time zone ${quote(timeZone)}: expected an IANA name such as UTC or Europe/Berlin.`);
  }
  // An unreadable date is shown as given (cleaned); it never stops the notification.
  return (value) => {
    const ms = instant(value);
    return ms === undefined ? displayText(value, 64) : format.format(ms);
  };
}

const QUARANTINE_TYPE_ALIASES: ReadonlyMap<string, KnownQuarantineType> = new Map([
  ...KNOWN_QUARANTINE_TYPES.map((t): [string, KnownQuarantineType] => [t.toLowerCase(), t]),
  ['dlp', 'DataLossPrevention'],
]);

function heldBecause(quarantineType: string, policyName: string, strings: NotificationStrings): string {
  const types = cleanInline(quarantineType)
    .split(/\s*,\s*/)
    .filter((t) => t !== '')
    .map((t) => {
      const known = QUARANTINE_TYPE_ALIASES.get(t.toLowerCase());
      return known ? strings.quarantineTypes[known] : displayText(t, 64);
    });
  const type = [...new Set(types)].join(', ');
  const policy = displayText(policyName);
  if (type && policy) return fillPlaceholders(strings.typeAndPolicy, { type, policy });
  return type || policy || strings.unknown;
}

/** Recipients shown: de-duplicated case-insensitively, at most 20, the rest counted. */
function recipientList(recipients: string[], strings: NotificationStrings): { shown: string[]; more: string | undefined } {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const recipient of recipients) {
    const clean = displayText(recipient, 320);
    if (clean === '' || seen.has(clean.toLowerCase())) continue;
    seen.add(clean.toLowerCase());
    unique.push(clean);
  }
  if (unique.length === 0) return { shown: [strings.unknown], more: undefined };
  const hidden = unique.length - MAX_RECIPIENTS_SHOWN;
  return {
    shown: unique.slice(0, MAX_RECIPIENTS_SHOWN),
    more: hidden > 0 ? fillPlaceholders(strings.andMore, { count: String(hidden) }) : undefined,
  };
}

/** A label and its value, as plain text lines (several lines only for the recipient list). */
interface Fact {
  label: string;
  lines: string[];
  /** How the lines read when joined on one text line. */
  inline: string;
}

interface MessageView {
  facts: Fact[];
}

function fact(label: string, value: string): Fact {
  return { label, lines: [value], inline: value };
}

function describeMessage(message: Message, strings: NotificationStrings, formatDate: DateFormatter): MessageView {
  const recipients = recipientList(message.recipients, strings);
  const facts: Fact[] = [
    // The body has room for more of the subject than the subject line.
    fact(strings.labelSubject, displayText(message.subject, 255) || strings.noSubject),
    fact(strings.labelSent, formatDate(message.receivedAt) || strings.unknown),
    {
      label: strings.labelRecipients,
      lines: recipients.more ? [...recipients.shown, recipients.more] : recipients.shown,
      inline: recipients.shown.join(', ') + (recipients.more ? ` ${recipients.more}` : ''),
    },
  ];
  for (const release of message.releases) {
    const releasedBy = release.releasedBy === undefined ? strings.releasedAutomatically : displayText(release.releasedBy, 320) || strings.unknown;
    facts.push(
      fact(strings.labelReleasedTo, displayText(release.releasedTo, 320) || strings.unknown),
      fact(strings.labelReleasedBy, releasedBy),
      fact(strings.labelReleasedAt, formatDate(release.releasedAt) || strings.unknown),
    );
  }
  facts.push(fact(strings.labelHeldBecause, heldBecause(message.quarantineType, message.policyName, strings)));
  return { facts };
}

// ---------------------------------------------------------------------------------------------------
// Rendering

// Layout for Outlook desktop (Word engine), OWA and phones: nested presentation tables, inline styles
// only, one column at most 600px wide (a fluid table capped by max-width; Outlook desktop ignores
// max-width, so an Outlook-only conditional table fixes the width there). No images, no links, no
// scripts, no classes. Values are rendered as plain escaped text; note that mail clients (Outlook,
// OWA, Gmail, iOS Mail) may still auto-link text that looks like a URL or an address, such as a
// subject containing "www.example.com". We do not try to defeat that; we only never create links.
const FONT = 'font-family:Segoe UI,Helvetica,Arial,sans-serif;';
const STYLE = {
  body: 'margin:0;padding:0;background-color:#f3f4f6;',
  outer: 'background-color:#f3f4f6;',
  outerCell: 'padding:24px 12px;',
  card: 'width:100%;max-width:600px;background-color:#ffffff;border:1px solid #e5e7eb;',
  section: 'padding:24px 24px 8px 24px;',
  messageCell: 'padding:8px 24px 16px 24px;',
  footerCell: 'padding:8px 24px 24px 24px;',
  intro: `margin:0 0 12px 0;${FONT}font-size:15px;line-height:22px;color:#111827;`,
  heading: `margin:0 0 8px 0;${FONT}font-size:15px;line-height:22px;color:#111827;`,
  footer: `margin:0 0 8px 0;${FONT}font-size:13px;line-height:19px;color:#6b7280;`,
  facts: 'border-collapse:collapse;border:1px solid #e5e7eb;',
  label: `padding:8px 12px;border-bottom:1px solid #e5e7eb;background-color:#f9fafb;${FONT}font-size:14px;line-height:20px;color:#374151;font-weight:bold;text-align:left;vertical-align:top;`,
  value: `padding:8px 12px;border-bottom:1px solid #e5e7eb;${FONT}font-size:14px;line-height:20px;color:#111827;vertical-align:top;word-break:break-word;`,
} as const;

const PRESENTATION = 'role="presentation" cellpadding="0" cellspacing="0" border="0"';

function renderHtml(input: {
  language: NotifyLanguage;
  subject: string;
  intro: string;
  footer: string;
  views: MessageView[];
  strings: NotificationStrings;
}): string {
  const { language, subject, intro, footer, views, strings } = input;
  const messageRows = views.map((view, index) => {
    const heading =
      views.length > 1
        ? `<p style="${STYLE.heading}"><strong>${escapeHtml(
            fillPlaceholders(strings.messageHeading, { index: String(index + 1), count: String(views.length) }),
          )}</strong></p>\n`
        : '';
    const rows = view.facts
      .map(
        (f) =>
          `<tr><th align="left" valign="top" width="35%" style="${STYLE.label}">${escapeHtml(f.label)}</th>` +
          `<td valign="top" style="${STYLE.value}">${f.lines.map(escapeHtml).join('<br>')}</td></tr>`,
      )
      .join('\n');
    return (
      `<tr><td style="${STYLE.messageCell}">\n${heading}` +
      `<table ${PRESENTATION} width="100%" style="${STYLE.facts}">\n${rows}\n</table>\n</td></tr>`
    );
  });
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(language)}" dir="ltr">`,
    '<head>',
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    `<body style="${STYLE.body}">`,
    `<table ${PRESENTATION} width="100%" style="${STYLE.outer}">`,
    `<tr><td align="center" style="${STYLE.outerCell}">`,
    `<!--[if mso]><table ${PRESENTATION} width="600" align="center"><tr><td><![endif]-->`,
    `<table ${PRESENTATION} width="100%" style="${STYLE.card}">`,
    `<tr><td style="${STYLE.section}">`,
    textToHtmlParagraphs(intro, STYLE.intro),
    '</td></tr>',
    ...messageRows,
    `<tr><td style="${STYLE.footerCell}">`,
    textToHtmlParagraphs(footer, STYLE.footer),
    '</td></tr>',
    '</table>',
    '<!--[if mso]></td></tr></table><![endif]-->',
    '</td></tr>',
    '</table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderText(input: { intro: string; footer: string; views: MessageView[]; strings: NotificationStrings }): string {
  const { intro, footer, views, strings } = input;
  const blocks = views.map((view, index) => {
    const lines = view.facts.map((f) => fillPlaceholders(strings.textLine, { label: f.label, value: f.inline }));
    if (views.length > 1) {
      lines.unshift(fillPlaceholders(strings.messageHeading, { index: String(index + 1), count: String(views.length) }));
    }
    return lines.join('\n');
  });
  return [intro, ...blocks, footer].join('\n\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// Headers

function header(name: string, value: string): { name: string; value: string } {
  if (!/^x-[a-z0-9-]+$/i.test(name)) throw new MalformedJobError(`Header name ${quote(name)} is not a custom x- header.`);
  if (/[\r\n\u0000-\u001f\u007f]/.test(value)) throw new MalformedJobError(`Header ${name} has a control character or line break in its value.`);
  return { name, value };
}

/** A value for an error message: JSON-quoted (so control characters show as escapes) and short. */
function quote(value: unknown): string {
  const json = JSON.stringify(typeof value === 'string' ? value : value === undefined ? 'undefined' : String(value)) ?? '""';
  return json.length > 80 ? `${json.slice(0, 77)}..."` : json;
}
