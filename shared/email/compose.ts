/**
 * What the release notification says: a pure function from a NotificationJob to an email. No I/O
 * here; the mailer (graph/) turns what this returns into a sendMail request.
 *
 * Every value in the job is untrusted. Subjects, addresses, policy names and dates come from Exchange
 * and the audit log (a quarantined message's subject is written by whoever sent it), and the job itself
 * comes off a queue. So: every value is cleaned to one line (no CR/LF, controls or invisible
 * characters) and bounded; outside text a client would make clickable (subject, policy name) is
 * defanged; addresses are shown with <wbr> wrap points, never as links; network message ids must be
 * GUIDs; and every value in the HTML goes through escapeHtml. No value is ever put into an attribute,
 * a link or a URL.
 */
import { isGuid, isMailboxAddress, type NotifyTemplateSettings } from '../config/settings';
import type { ReleasedMessageFacts } from '../domain/types';
import { MalformedJobError, type NotificationJob } from '../jobs/notificationJob';
import { MAX_HEADER_VALUE_CHARS, MAX_RECIPIENTS_SHOWN } from '../jobs/budget';
import { EVENT_HEADER, eventOf } from '../domain/events';
import { addressHtml, breakableHtml, escapeHtml, textToHtmlParagraphs } from './html';
import {
  cleanInline,
  cleanMultiline,
  codeUnitLength,
  defang,
  displayDefanged,
  displayText,
  MAX_SUBJECT_CHARS,
  truncate,
} from './sanitize';
import {
  DATE_LOCALES,
  EVENT_STRINGS,
  type EventWords,
  fillPlaceholders,
  KNOWN_QUARANTINE_TYPES,
  type KnownQuarantineType,
  type NotificationStrings,
  type NotifyLanguage,
  resolveLanguage,
  STRINGS,
} from './strings';

export interface ComposedEmail {
  /** The original sender: job.sender (for alerts, the first of ALERT_RECIPIENTS). */
  to: string;
  /** One line, at most 255 characters. */
  subject: string;
  /** A complete HTML document. */
  html: string;
  /** Plain-text alternative with the same facts, lines separated by "\n". */
  text: string;
  /** Custom headers, names starting with `x-`; values are single lines. */
  headers: Array<{ name: string; value: string }>;
  /** Further To recipients (the activity report goes to several admins in one email); notices have none. */
  moreTo?: string[];
  /** Images the HTML shows as `<img src="cid:<contentId>">` (the report's charts); notices have none. */
  inlineImages?: InlineImage[];
}

/** An inline attachment (Graph fileAttachment with isInline), referenced from the HTML by its contentId. */
export interface InlineImage {
  name: string;
  contentId: string;
  contentType: 'image/png';
  bytes: Buffer;
}

export interface ComposeOptions {
  /** IANA time zone the dates are shown in; default the template's (NOTIFY_TIME_ZONE), else UTC. */
  timeZone?: string;
}

export const NETWORK_MESSAGE_IDS_HEADER = 'x-qrn-network-message-ids';
export const MAX_SUBJECT_LINE_LENGTH = 255;
export { MAX_RECIPIENTS_SHOWN };

/** ISO-8601 instant with an explicit zone; anything else is shown as given rather than guessed at. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Builds the notification for one sender. Throws MalformedJobError for a malformed job. */
export function composeNotification(
  job: NotificationJob,
  template: NotifyTemplateSettings,
  options: ComposeOptions = {},
): ComposedEmail {
  const language = resolveLanguage(template.language);
  const dates = dateFormatter(language, options.timeZone ?? template.timeZone ?? 'UTC');

  const to = senderAddress(job);
  const networkMessageIds = validNetworkMessageIds(job);
  const messages = groupByMessage(orderByReleaseTime(job.releases.map(normaliseFacts)));

  // [story] Held, deleted and expired notices: their own words over the same layout (issue 22).
  const event = eventOf(job.releases[0] ?? {});
  const story =
    event === 'released'
      ? undefined
      : eventWording(EVENT_STRINGS[language][event], messages.length, {
          until: dates.one(str(job.releases[0].expiresAt)),
          contact: template.reviewContact,
        });
  const strings: NotificationStrings = story ? { ...STRINGS[language], ...story.strings } : STRINGS[language];
  const subject = subjectLine(messages, story ? undefined : template.subject, strings);
  const intro = story?.intro ?? adminText(template.intro) ?? defaultIntro(messages, strings);
  const footer = story?.footer ?? adminText(template.footer) ?? strings.footer;
  const describe: DescribeOptions = {
    strings,
    dates,
    showReleaser: template.showReleaser ?? true,
    showPolicy: template.showPolicy ?? true,
  };
  const views = messages.map((message) => describeMessage(message, describe));

  return {
    to,
    subject,
    html: renderHtml({ language, subject, intro, footer, views, strings }),
    text: renderText({ intro, footer, views, strings }),
    headers: [header(NETWORK_MESSAGE_IDS_HEADER, idsHeaderValue(networkMessageIds)), header(EVENT_HEADER, event)],
  };
}

/** [story] The parts of the notice an event other than a release words its own way. */
function eventWording(
  words: EventWords,
  count: number,
  values: { until: string; contact: string | undefined },
): { strings: Partial<NotificationStrings>; intro: string; footer: string } {
  const until = values.until || STRINGS.en.unknown;
  // The contact is shown as written (one line, escaped by the renderers), never made a link.
  const contact = values.contact ? cleanInline(values.contact).slice(0, 500) : '';
  return {
    strings: {
      subjectOne: words.subjectOne,
      subjectMany: words.subjectMany,
      labelReleasedTo: words.labelTo,
      labelReleasedBy: words.labelBy,
      labelReleasedAt: words.labelAt,
      releasedAutomatically: words.byNobody,
    },
    intro: fillPlaceholders(count === 1 ? words.introOne : words.introMany, { until }),
    footer: contact ? `${words.whatNow}\n\n${fillPlaceholders(words.review, { contact })}` : words.whatNow,
  };
}

/**
 * The x-qrn-network-message-ids value: whole ids only, never cut inside one. The queue encoder splits
 * a job whose ids would not fit (MAX_IDS_PER_EMAIL), so within a fitted job every id is listed.
 */
export function idsHeaderValue(ids: readonly string[]): string {
  let value = '';
  for (const id of ids) {
    const next = value === '' ? id : `${value},${id}`;
    if (next.length > MAX_HEADER_VALUE_CHARS) break;
    value = next;
  }
  return value;
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
  /** How many recipients it had in all, when a queue budget cut the list (else the list's length). */
  recipientCount: number;
  quarantineType: string;
  policyName: string;
  releases: Release[];
}

function senderAddress(job: NotificationJob): string {
  const sender: unknown = job.sender;
  if (typeof sender !== 'string' || !isMailboxAddress(sender)) {
    throw new MalformedJobError(
      `Notification job ${quote(job.jobId)} has no valid sender address (got ${quote(sender)}).`,
    );
  }
  return sender;
}

/** The job's NetworkMessageIds: lower-case, de-duplicated, in job order. Each must be a GUID. */
function validNetworkMessageIds(job: NotificationJob): string[] {
  const releases: unknown = job.releases;
  if (!Array.isArray(releases) || releases.length === 0) {
    throw new MalformedJobError(`Notification job ${quote(job.jobId)} has no releases to report.`);
  }
  const ids = new Set<string>();
  for (const release of job.releases) {
    const id: unknown = release?.networkMessageId;
    if (typeof id !== 'string' || !isGuid(id)) {
      throw new MalformedJobError(
        `Notification job ${quote(job.jobId)} has a NetworkMessageId that is not a GUID: ${quote(id)}. ` +
          'Jobs must carry the GUID from the quarantine snapshot; this is a bug upstream.',
      );
    }
    ids.add(id.toLowerCase());
  }
  return [...ids];
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
    recipientCount: typeof facts.recipientCount === 'number' ? facts.recipientCount : 0,
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
    const identity = [
      r.networkMessageId,
      r.releasedTo.toLowerCase(),
      r.releasedBy?.toLowerCase() ?? '',
      r.releasedAt,
    ].join('\u0000');
    if (!unique.has(identity)) unique.set(identity, r);
  }
  return [...unique.values()].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka === kb ? 0 : ka < kb ? -1 : 1;
  });
}

/**
 * One entry per NetworkMessageId, ordered by its first release; recipients united across copies, each
 * once (a set, so a job of many releases repeating one list costs its length, not their product).
 */
function groupByMessage(releases: Release[]): Message[] {
  const messages = new Map<string, Message & { seen: Set<string> }>();
  for (const release of releases) {
    let message = messages.get(release.networkMessageId);
    if (!message) {
      message = {
        networkMessageId: release.networkMessageId,
        subject: release.subject,
        receivedAt: release.receivedAt,
        recipients: [],
        recipientCount: 0,
        quarantineType: release.quarantineType,
        policyName: release.policyName,
        releases: [],
        seen: new Set<string>(),
      };
      messages.set(release.networkMessageId, message);
    }
    message.releases.push(release);
    message.recipientCount = Math.max(message.recipientCount, release.recipientCount ?? 0);
    for (const r of release.recipients) {
      const key = r.toLowerCase();
      if (message.seen.has(key)) continue;
      message.seen.add(key);
      message.recipients.push(r);
    }
  }
  return [...messages.values()].map(({ seen: _seen, ...m }) => ({
    ...m,
    recipientCount: Math.max(m.recipientCount, m.recipients.length),
  }));
}

// ---------------------------------------------------------------------------------------------------
// Wording

/**
 * The subject line. The original subject is cut first and defanged after (see displayDefanged); if the
 * filled template is then too long, the subject gets less room rather than the line being cut inside
 * it, so no cut can leave a clickable half host name.
 */
function subjectLine(messages: Message[], adminTemplate: string | undefined, strings: NotificationStrings): string {
  const count = messages.length;
  const template = cleanInline(adminTemplate ?? '') || (count === 1 ? strings.subjectOne : strings.subjectMany);
  const clean = cleanInline(messages[0].subject);
  const render = (budget: number): string => {
    const first = defang(truncate(clean, budget)) || strings.noSubject;
    const subject =
      count === 1 ? first : fillPlaceholders(strings.subjectAndMore, { subject: first, more: String(count - 1) });
    return cleanInline(fillPlaceholders(template, { subject, count: String(count) }));
  };
  let budget = MAX_SUBJECT_CHARS;
  let line = render(budget);
  // Each round gives the subject as much less room as the line is too long: a few rounds at most.
  for (let round = 0; round < 8 && codeUnitLength(line) > MAX_SUBJECT_LINE_LENGTH && budget > 1; round++) {
    budget = Math.max(1, budget - (codeUnitLength(line) - MAX_SUBJECT_LINE_LENGTH));
    line = render(budget);
  }
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

interface DateFormatter {
  /** One instant, or an unreadable value shown as given (cleaned and defanged). */
  one(value: string): string;
  /** Several instants: the only one, or first to last ("21 Aug 2026, 09:00 UTC – 11:00 UTC"). */
  span(values: string[]): string;
}

/** The email's date formatter: every time in `timeZone`, each with its zone's name (CET, CEST, ...). */
function dateFormatter(language: NotifyLanguage, timeZone: string): DateFormatter {
  const options: Intl.DateTimeFormatOptions = {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'short',
  };
  let full: Intl.DateTimeFormat;
  let day: Intl.DateTimeFormat;
  let time: Intl.DateTimeFormat;
  try {
    full = new Intl.DateTimeFormat(DATE_LOCALES[language], {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      ...options,
    });
    day = new Intl.DateTimeFormat(DATE_LOCALES[language], {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone,
    });
    time = new Intl.DateTimeFormat(DATE_LOCALES[language], options);
  } catch {
    throw new RangeError(`Unknown time zone ${quote(timeZone)}: expected an IANA name such as UTC or Europe/Berlin.`);
  }
  const one = (value: string): string => {
    const ms = instant(value);
    return ms === undefined ? displayDefanged(value, 64) : full.format(ms);
  };
  // Not Intl's formatRange: across the autumn daylight-saving change it drops the second of two
  // instants with the same wall time (02:30 CEST and 02:30 CET become "02:30 CEST").
  const span = (values: string[]): string => {
    const times = [...new Set(values.map(instant).filter((ms): ms is number => ms !== undefined))].sort(
      (a, b) => a - b,
    );
    if (times.length === 0) return one(values[0] ?? '');
    const first = times[0];
    const last = times[times.length - 1];
    if (first === last) return full.format(first);
    const sameDay = day.format(first) === day.format(last);
    return `${full.format(first)} – ${sameDay ? time.format(last) : full.format(last)}`;
  };
  return { one, span };
}

const QUARANTINE_TYPE_ALIASES: ReadonlyMap<string, KnownQuarantineType> = new Map([
  ...KNOWN_QUARANTINE_TYPES.map((t): [string, KnownQuarantineType] => [t.toLowerCase(), t]),
  ['dlp', 'DataLossPrevention'],
]);

/** The quarantine type's readable name and, unless hidden, the policy's name (outside text: defanged). */
function heldBecause(quarantineType: string, policyName: string, strings: NotificationStrings): string {
  const types = cleanInline(quarantineType)
    .split(/\s*,\s*/)
    .filter((t) => t !== '')
    .map((t) => {
      const known = QUARANTINE_TYPE_ALIASES.get(t.toLowerCase());
      return known ? strings.quarantineTypes[known] : displayDefanged(t, 64);
    });
  const type = [...new Set(types)].join(', ');
  const policy = displayDefanged(policyName);
  if (type && policy) return fillPlaceholders(strings.typeAndPolicy, { type, policy });
  return type || policy || strings.unknown;
}

/** One value line of the HTML: a plain mailbox address (wrapped at @ and dots, never a link) or text. */
interface Line {
  text: string;
  address: boolean;
}

/** An address from Exchange or the audit log: shown as is when it is a plain mailbox address, else defanged text. */
function addressLine(value: string): Line {
  const clean = displayText(value, 320);
  return isMailboxAddress(clean) ? { text: clean, address: true } : { text: defang(clean), address: false };
}

/** A label and its value lines; `inline` is how the value reads on one plain-text line. */
interface Fact {
  label: string;
  lines: Line[];
  inline: string;
}

interface MessageView {
  facts: Fact[];
}

function textFact(label: string, value: string): Fact {
  return { label, lines: [{ text: value, address: false }], inline: value };
}

/** Addresses de-duplicated case-insensitively, at most MAX_RECIPIENTS_SHOWN, the rest counted. */
function addressFact(label: string, addresses: string[], strings: NotificationStrings, total = 0): Fact {
  const seen = new Set<string>();
  const unique: Line[] = [];
  for (const address of addresses) {
    const line = addressLine(address);
    if (line.text === '' || seen.has(line.text.toLowerCase())) continue;
    seen.add(line.text.toLowerCase());
    unique.push(line);
  }
  if (unique.length === 0) return textFact(label, strings.unknown);
  const shown = unique.slice(0, MAX_RECIPIENTS_SHOWN);
  // `total`: the list was cut on the way (queue budget); those cut are counted, not lost.
  const hidden = Math.max(unique.length, total) - shown.length;
  const more = hidden > 0 ? fillPlaceholders(strings.andMore, { count: String(hidden) }) : undefined;
  return {
    label,
    lines: more ? [...shown, { text: more, address: false }] : shown,
    inline: shown.map((l) => l.text).join(', ') + (more ? ` ${more}` : ''),
  };
}

function lowerSet(values: string[]): Set<string> {
  return new Set(values.map((v) => cleanInline(v).toLowerCase()).filter((v) => v !== ''));
}

/**
 * "Released to": every recipient the message was released to, in one row. A release without a
 * recipient counts as a release to all original recipients (as the audit record means it). When the
 * message went to all of several original recipients, the row says so instead of repeating the list.
 */
function releasedToFact(message: Message, strings: NotificationStrings): Fact {
  // A release to all original recipients adds the list once, however many such releases there are.
  const toAll = message.releases.some((r) => cleanInline(r.releasedTo) === '');
  const named = message.releases.map((r) => r.releasedTo).filter((to) => cleanInline(to) !== '');
  const releasedTo = toAll ? [...message.recipients, ...named] : named;
  const original = lowerSet(message.recipients);
  const released = lowerSet(releasedTo);
  const count = Math.max(original.size, message.recipientCount);
  if (original.size >= 2 && released.size === original.size && [...released].every((r) => original.has(r))) {
    return textFact(strings.labelReleasedTo, fillPlaceholders(strings.releasedToAll, { count: String(count) }));
  }
  return addressFact(strings.labelReleasedTo, releasedTo, strings, toAll ? count : 0);
}

/** "Released by": each releaser once, in release order; hidden admins read "An administrator". */
function releasedByFact(message: Message, strings: NotificationStrings, showReleaser: boolean): Fact {
  const lines: Line[] = [];
  const seen = new Set<string>();
  for (const release of message.releases) {
    const line: Line =
      release.releasedBy === undefined
        ? { text: strings.releasedAutomatically, address: false }
        : showReleaser && release.releasedBy !== ''
          ? addressLine(release.releasedBy)
          : { text: strings.releasedByAdministrator, address: false };
    const text = line.text || strings.unknown;
    if (seen.has(text.toLowerCase())) continue;
    seen.add(text.toLowerCase());
    lines.push({ ...line, text });
  }
  return { label: strings.labelReleasedBy, lines, inline: lines.map((l) => l.text).join(', ') };
}

interface DescribeOptions {
  strings: NotificationStrings;
  dates: DateFormatter;
  showReleaser: boolean;
  showPolicy: boolean;
}

function describeMessage(message: Message, options: DescribeOptions): MessageView {
  const { strings, dates } = options;
  return {
    facts: [
      // The body has room for more of the subject than the subject line.
      textFact(strings.labelSubject, displayDefanged(message.subject, 255) || strings.noSubject),
      textFact(strings.labelSent, dates.one(message.receivedAt) || strings.unknown),
      addressFact(strings.labelRecipients, message.recipients, strings, message.recipientCount),
      releasedToFact(message, strings),
      releasedByFact(message, strings, options.showReleaser),
      textFact(strings.labelReleasedAt, dates.span(message.releases.map((r) => r.releasedAt)) || strings.unknown),
      textFact(
        strings.labelHeldBecause,
        heldBecause(message.quarantineType, options.showPolicy ? message.policyName : '', strings),
      ),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Rendering

// Layout for Outlook desktop (Word engine), OWA and phones: nested presentation tables, inline styles
// only, one column at most 600px wide (a fluid table capped by max-width; Outlook desktop ignores
// max-width, so an Outlook-only conditional table fixes the width there). Each fact is a label row
// above a value row, so nothing needs a second column's width and the email reads from 320px up.
// Values wrap at spaces and at `<wbr>` points (after @ and dots in addresses, between the parts of a
// defanged URL); `overflow-wrap:break-word` only breaks a token longer than the whole line, and the
// fixed table layout lets it (an auto-layout table would grow to fit the token instead). No images,
// no links, no scripts, no classes; addresses are split by `<wbr>` so clients do not autolink them,
// and URLs, host names and addresses inside outside text are defanged.
const FONT = 'font-family:Segoe UI,Helvetica,Arial,sans-serif;';
const STYLE = {
  body: 'margin:0;padding:0;background-color:#f3f4f6;',
  outer: 'background-color:#f3f4f6;',
  outerCell: 'padding:16px 8px;',
  card: 'width:100%;max-width:600px;table-layout:fixed;background-color:#ffffff;border:1px solid #e5e7eb;',
  section: 'padding:20px 16px 4px 16px;',
  messageCell: 'padding:8px 16px 12px 16px;',
  footerCell: 'padding:8px 16px 16px 16px;',
  intro: `margin:0 0 12px 0;${FONT}font-size:15px;line-height:22px;color:#111827;`,
  heading: `margin:0 0 8px 0;${FONT}font-size:15px;line-height:22px;color:#111827;`,
  footer: `margin:0 0 8px 0;${FONT}font-size:13px;line-height:19px;color:#6b7280;`,
  facts: 'width:100%;table-layout:fixed;border-collapse:collapse;border:1px solid #e5e7eb;',
  label: `padding:8px 12px 0 12px;${FONT}font-size:13px;line-height:18px;color:#4b5563;font-weight:bold;text-align:left;`,
  value: `padding:2px 12px 8px 12px;border-bottom:1px solid #e5e7eb;${FONT}font-size:15px;line-height:22px;color:#111827;overflow-wrap:break-word;word-wrap:break-word;`,
} as const;

const PRESENTATION = 'role="presentation" cellpadding="0" cellspacing="0" border="0"';

function lineHtml(line: Line): string {
  return line.address ? addressHtml(line.text) : breakableHtml(line.text);
}

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
          `<tr><th align="left" style="${STYLE.label}">${escapeHtml(f.label)}</th></tr>\n` +
          `<tr><td style="${STYLE.value}">${f.lines.map(lineHtml).join('<br>')}</td></tr>`,
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

function renderText(input: {
  intro: string;
  footer: string;
  views: MessageView[];
  strings: NotificationStrings;
}): string {
  const { intro, footer, views, strings } = input;
  const blocks = views.map((view, index) => {
    const lines = view.facts.map((f) => fillPlaceholders(strings.textLine, { label: f.label, value: f.inline }));
    if (views.length > 1) {
      lines.unshift(
        fillPlaceholders(strings.messageHeading, { index: String(index + 1), count: String(views.length) }),
      );
    }
    return lines.join('\n');
  });
  return [intro, ...blocks, footer].join('\n\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// Headers

function header(name: string, value: string): { name: string; value: string } {
  if (!/^x-[a-z0-9-]+$/i.test(name))
    throw new MalformedJobError(`Header name ${quote(name)} is not a custom x- header.`);
  if (/[\r\n\u0000-\u001f\u007f]/.test(value))
    throw new MalformedJobError(`Header ${name} has a control character or line break in its value.`);
  return { name, value };
}

/** A value for an error message: JSON-quoted (so control characters show as escapes) and short. */
function quote(value: unknown): string {
  const json =
    JSON.stringify(typeof value === 'string' ? value : value === undefined ? 'undefined' : String(value)) ?? '""';
  return json.length > 80 ? `${json.slice(0, 77)}..."` : json;
}
