/**
 * The alert the security team reads: a pure function from an AlertJob to an email. One email per
 * releasing account and detection run, listing every rule that fired for each release: a summary table
 * first (most dangerous first), then details only for the releases a message rule flagged, then what to
 * do next with the real query for these messages.
 *
 * Every value in it came from outside (the subject was written by whoever sent the message, addresses
 * and policy names from Exchange and the audit log), so each is cleaned to one line, bounded, defanged
 * where a client would make it clickable, and escaped. The only links are ones built here from a
 * NetworkMessageId already checked to be a GUID (parseAlertJob) to security.microsoft.com.
 */
import { dangerRank, plural, releaserWords, typeWords, type AlertRule } from '../alerts/rules';
import { itemRule, type AlertJob, type AlertReleaseFacts } from '../jobs/alertJob';
import { idsHeaderValue, NETWORK_MESSAGE_IDS_HEADER, type ComposedEmail } from './compose';
import { addressHtml, breakableHtml, escapeHtml } from './html';
import { formatInstant } from './time';
import { cleanInline, defang, displayDefanged, displayText, truncate } from './sanitize';
import { isMailboxAddress } from '../config/settings';

export const ALERT_HEADER = 'x-qrn-alert';
/** Where the query below runs (documented: learn.microsoft.com/defender-xdr/advanced-hunting-overview). */
export const ADVANCED_HUNTING_URL = 'https://security.microsoft.com/v2/advanced-hunting';

const REQUEST_SOURCES: Record<number, string> = {
  0: 'the Microsoft Defender portal',
  1: 'a PowerShell cmdlet',
  2: 'a link in a quarantine notification (a user, or a link scanner that opened the link)',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One release as the alert lists it, with every rule that fired for it. */
interface Row {
  facts: AlertReleaseFacts;
  rules: Set<AlertRule>;
}

/** The numbers an analyst reads first: messages and releases are different counts. */
export interface AlertCounts {
  messages: number;
  releases: number;
  /** Releases per rule (a release two rules flag counts under both). */
  byRule: Partial<Record<AlertRule, number>>;
  /** The burst threshold exceeded, when the burst rule fired. */
  threshold?: number;
}

/**
 * The origin as the analyst reads it. Detection stores it in plain words (email/originWords.ts:
 * "came from the internet, pretending to be contoso.com"); an alert queued before that carries a
 * rule code ("outside the organisation (header: Incoming+AuthAs:Anonymous+...)" or "Direction says"),
 * which is turned into its verdict alone: Direction never decides and rule codes belong in the logs.
 */
export function describeOriginText(origin: string): string {
  const text = origin.trim();
  if (text === '') return 'unknown';
  const lower = text.toLowerCase();
  const ruleCoded = /\((header|fallback): |direction says/.test(lower);
  if (!ruleCoded) return text;
  if (lower.startsWith('inside')) return 'sent by a user of your organisation';
  if (lower.startsWith('not checked')) return 'not checked (the sender claims one of your domains)';
  if (lower.startsWith('outside')) return 'came from outside your organisation';
  return 'unknown';
}

/**
 * Releases by audit record, message and mailbox, each with every rule that listed it; most dangerous
 * first, then oldest first. The record Id alone is outside input: two releases sharing one (a broken
 * feed) would have hidden one of them and its id.
 */
function rowsOf(job: AlertJob): Row[] {
  const rows = new Map<string, Row>();
  for (const item of job.items) {
    const rule = itemRule(job, item);
    for (const facts of item.releases) {
      const id = [facts.recordId, facts.networkMessageId, facts.releasedTo].join('|').toLowerCase();
      const row = rows.get(id) ?? { facts, rules: new Set<AlertRule>() };
      row.rules.add(rule);
      rows.set(id, row);
    }
  }
  return [...rows.values()].sort(
    (a, b) =>
      dangerRank(a.facts.quarantineType) - dangerRank(b.facts.quarantineType) ||
      Date.parse(a.facts.releasedAt) - Date.parse(b.facts.releasedAt) ||
      a.facts.recordId.localeCompare(b.facts.recordId),
  );
}

export function alertCounts(job: AlertJob): AlertCounts {
  const rows = rowsOf(job);
  // Releases of a burst beyond the listed ones are counted, not listed.
  const unlisted = job.items.reduce((n, i) => n + Math.max(0, i.totalReleases - i.releases.length), 0);
  const listedMessages = new Set(rows.map((r) => r.facts.networkMessageId.toLowerCase())).size;
  const messages = Math.max(listedMessages, ...job.items.map((i) => i.totalMessages ?? 0));
  const byRule: Partial<Record<AlertRule, number>> = {};
  let threshold: number | undefined;
  for (const item of job.items) {
    const rule = itemRule(job, item);
    byRule[rule] = (byRule[rule] ?? 0) + item.totalReleases;
    if (rule === 'burst' && item.threshold !== undefined) threshold = item.threshold;
  }
  return { messages, releases: rows.length + unlisted, byRule, ...(threshold !== undefined ? { threshold } : {}) };
}

/** A KQL string literal: quotes and backslashes escaped, control characters dropped. */
export function kqlString(value: string): string {
  return `"${value
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')}"`;
}

/** The advanced hunting query for exactly these messages (ids that are not GUIDs are left out). */
export function huntingQuery(networkMessageIds: readonly string[]): string {
  const ids = [...new Set(networkMessageIds.map((id) => id.toLowerCase()).filter((id) => GUID.test(id)))];
  return `EmailEvents | where NetworkMessageId in (${ids.map(kqlString).join(', ')})`;
}

/**
 * The Defender portal's email entity page for one message. Microsoft documents no deep link to it
 * ("there are no direct links"); this is the shape the portal's own "Open email entity" opens
 * (id, recipient, and a time window around the message). Undefined when the id is not a GUID.
 */
export function emailEntityUrl(networkMessageId: string, recipient: string, receivedAt: string): string | undefined {
  if (!GUID.test(networkMessageId)) return undefined;
  const at = Date.parse(receivedAt);
  const params = new URLSearchParams({ f: 'summary', id: networkMessageId.toLowerCase() });
  if (/^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/.test(recipient)) params.set('recipient', recipient.toLowerCase());
  if (!Number.isNaN(at)) {
    params.set('startTime', new Date(at - 86_400_000).toISOString());
    params.set('endTime', new Date(at + 86_400_000).toISOString());
  }
  return `https://security.microsoft.com/emailentity?${params.toString()}`;
}

const RULE_NAMES: Record<AlertRule, string> = {
  'risky-type': 'risky type',
  'released-to-other': 'released to a non-recipient',
  burst: 'burst',
};

function ruleLine(rule: AlertRule, counts: AlertCounts): string {
  const n = counts.byRule[rule] ?? 0;
  if (rule === 'burst') {
    const t = counts.threshold;
    return `Burst: ${plural(n, 'release')} within an hour${t !== undefined ? `, more than the threshold of ${t} (ALERT_BURST_RELEASES = ${t})` : ' (more than ALERT_BURST_RELEASES allows)'}.`;
  }
  if (rule === 'released-to-other')
    return `Released to a mailbox that was not one of the message’s recipients: ${plural(n, 'release')} (ALERT_RELEASED_TO_OTHER).`;
  return `Risky type: ${plural(n, 'release')} of messages quarantined as ${'malware or phish'} (ALERT_RISKY_TYPES): they may now be in someone’s inbox.`;
}

const S = {
  cell: 'padding:6px 8px 6px 0;border-top:1px solid #ddd;vertical-align:top;overflow-wrap:anywhere',
  head: 'padding:4px 8px 4px 0;text-align:left;font-size:12px;color:#555;font-weight:normal',
  muted: 'color:#555;font-size:12px',
  nowrap: 'white-space:nowrap',
} as const;

/**
 * Only a plain mailbox address is shown as one; anything else in an address field (a display name,
 * a quoted local part, a bare domain) is outside text and is defanged like a subject.
 */
function shown(value: string, kind: 'address' | 'text' | 'outside'): string {
  if (kind === 'address') return isMailboxAddress(value) ? addressHtml(value) : breakableHtml(defang(value));
  return breakableHtml(value);
}

/** Prose that may hold an address (the releasing account): the address wraps only at its dots and @. */
function proseHtml(text: string): string {
  return text
    .split(/(\s+)/)
    .map((part) => (/^[^\s@]+@[^\s@]+$/.test(part) ? addressHtml(part) : breakableHtml(part)))
    .join('');
}

/** "2 Dec 2026" and "09:15 UTC" apart, each kept whole: a date is never broken mid-date. */
function whenHtml(iso: string, timeZone: string): string {
  const text = formatInstant(iso, timeZone);
  const m = /^(.*\d{4}),\s*(.*)$/.exec(text);
  if (!m) return `<span style="${S.nowrap}">${escapeHtml(text)}</span>`;
  return `<span style="${S.nowrap}">${escapeHtml(m[1])}</span> <span style="${S.nowrap}">${escapeHtml(m[2])}</span>`;
}

function releasedToText(r: AlertReleaseFacts): string {
  return r.releasedTo ? displayText(r.releasedTo, 320) : 'all original recipients';
}

function typeText(r: AlertReleaseFacts): string {
  return r.quarantineType ? displayDefanged(typeWords(r.quarantineType), 60) : '(not in the snapshot)';
}

/** `account`: the email's releasing account, named once above the table; a row names "by" only when it differs. */
function summaryRow(row: Row, timeZone: string, account: string): string {
  const r = row.facts;
  const danger = dangerRank(r.quarantineType) < 3;
  const type = `<span style="${danger ? 'color:#a4262c;font-weight:bold' : ''}">${escapeHtml(typeText(r))}</span>`;
  const sender = r.sender ? shown(displayText(r.sender, 320), 'address') : '(not in the snapshot)';
  const subject = r.subject ? breakableHtml(displayDefanged(r.subject, 60)) : '';
  const by = shown(displayText(releaserWords(r.releasedBy), 320), 'address');
  // The subject gets a row of its own across all columns: squeezed into one column it took four lines.
  return (
    '<tr>' +
    `<td style="${S.cell}">${whenHtml(r.releasedAt, timeZone)}<br>${type}</td>` +
    `<td style="${S.cell}">${sender}</td>` +
    `<td style="${S.cell}">${shown(releasedToText(r), 'address')}${(r.releasedBy ?? 'system').toLowerCase() === account ? '' : `<br><span style="${S.muted}">by ${by}</span>`}</td>` +
    '</tr>' +
    (subject
      ? `<tr style="vertical-align:top"><td colspan="3" style="padding:0 0 6px 0;overflow-wrap:anywhere"><span style="${S.muted}">${subject}</span></td></tr>`
      : '')
  );
}

function detailBlock(row: Row, timeZone: string): { html: string; text: string } {
  const r = row.facts;
  const recipients =
    r.recipients.length > 0
      ? `${r.recipients.map((a) => displayText(a, 320)).join(', ')}${r.recipientCount > r.recipients.length ? ` and ${r.recipientCount - r.recipients.length} more` : ''}`
      : '(not in the snapshot)';
  const facts: Array<[string, string, 'address' | 'text' | 'outside']> = [
    ['Rules', [...row.rules].map((rule) => RULE_NAMES[rule]).join(', '), 'text'],
    [
      'Quarantined as',
      [typeText(r), r.policyName ? `policy ${displayDefanged(r.policyName, 200)}` : ''].filter(Boolean).join(', '),
      'outside',
    ],
    ['Came from', describeOriginText(r.origin), 'text'],
    ['Original recipients', recipients, 'text'],
    [
      'Released through',
      r.requestSource !== undefined
        ? (REQUEST_SOURCES[r.requestSource] ?? `request source ${r.requestSource}`)
        : 'not stated in the audit record',
      'text',
    ],
    ['Received', r.receivedAt ? formatInstant(r.receivedAt, timeZone) : '(not in the snapshot)', 'text'],
    ['NetworkMessageId', r.networkMessageId, 'text'],
  ];
  const heading = `${typeText(r)}: ${r.subject ? displayDefanged(r.subject, 120) : '(no subject in the snapshot)'}`;
  const url = emailEntityUrl(r.networkMessageId, r.releasedTo || r.recipients[0] || '', r.receivedAt);
  const html =
    `<div style="margin:12px 0;padding:8px 0;border-top:2px solid #ddd">` +
    `<div style="font-weight:bold;overflow-wrap:anywhere">${breakableHtml(heading)}</div>` +
    facts
      .map(
        ([label, value, kind]) =>
          `<div style="margin-top:4px;overflow-wrap:anywhere"><span style="${S.muted}">${escapeHtml(label)}:</span> ${shown(value, kind)}</div>`,
      )
      .join('') +
    (url
      ? `<div style="margin-top:4px"><a href="${escapeHtml(url)}">Open in the Defender portal (email entity page)</a></div>`
      : '') +
    '</div>';
  const text = [
    heading,
    ...facts.map(([label, value]) => `  ${label}: ${value}`),
    url ? `  Defender portal: ${url}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return { html, text };
}

/** What the HTML and the text of one alert both say, worked out once. */
interface AlertContent {
  job: AlertJob;
  rows: readonly Row[];
  counts: AlertCounts;
  /** The rules that fired, in the order the email explains them. */
  rules: readonly AlertRule[];
  /** The releasing account as shown. */
  by: string;
  subject: string;
  timeZone: string;
  /** The risky releases' detail blocks. */
  blocks: ReadonlyArray<{ html: string; text: string }>;
}

/** The subject: the most dangerous type first when there is one, else the burst; a split alert says its part. */
function alertSubject(job: AlertJob, rows: readonly Row[], counts: AlertCounts, by: string): string {
  const worst = rows.find((r) => dangerRank(r.facts.quarantineType) < 3);
  const tally = `${plural(counts.messages, 'message')}, ${plural(counts.releases, 'release')}`;
  const over = counts.threshold !== undefined ? `, more than ${counts.threshold}` : '';
  const headline = worst
    ? `${typeWords(worst.facts.quarantineType)} released by ${by} (${tally}${(counts.byRule.burst ?? 0) > 0 ? `; ${counts.byRule.burst} within an hour${over}` : ''})`
    : `${plural(counts.releases, 'release')} of ${plural(counts.messages, 'message')} by ${by} within an hour${over ? ` (${over.slice(2)})` : ''}`;
  // A mass alert split to fit the queue says which part this is; each part lists its own releases.
  const part = job.part && job.part.of > 1 ? ` (part ${job.part.index} of ${job.part.of})` : '';
  return truncate(cleanInline(`Quarantine alert: ${headline}`), 250 - part.length) + part;
}

function alertHtml(c: AlertContent, query: string): string {
  const { rows, counts, by } = c;
  const unlisted = counts.releases - rows.length;
  const linkNote = rows.some((r) => r.facts.requestSource === 2)
    ? '<p style="margin:8px 0"><strong>Released through a link in a quarantine notification:</strong> that can be the user, or a link scanner that opened the link for them.</p>'
    : '';
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;font-size:14px;line-height:1.4;color:#1b1b1b;max-width:760px">',
    `<h1 style="font-size:18px;margin:0 0 8px;overflow-wrap:anywhere">${proseHtml(c.subject)}</h1>`,
    `<p style="margin:8px 0;overflow-wrap:anywhere">${proseHtml(`${by} released ${plural(counts.messages, 'message')} from quarantine (${plural(counts.releases, 'release')}: one per recipient a copy was released to). Why this alert:`)}</p>`,
    `<ul style="margin:0 0 8px 20px;padding:0">${c.rules.map((r) => `<li>${escapeHtml(ruleLine(r, counts))}</li>`).join('')}</ul>`,
    linkNote,
    `<p style="margin:8px 0 0;font-size:12px;color:#555;overflow-wrap:anywhere">${proseHtml(`Released by ${by} unless a row says otherwise.`)}</p>`,
    '<table role="presentation" style="width:100%;border-collapse:collapse;margin:4px 0 8px;font-size:13px">',
    `<tr><th style="${S.head}">Time · type</th><th style="${S.head}">Sender (subject below)</th><th style="${S.head}">Released to · by</th></tr>`,
    ...rows.map((r) => summaryRow(r, c.timeZone, c.job.account.toLowerCase())),
    '</table>',
    unlisted > 0
      ? `<p style="margin:8px 0">${escapeHtml(`… and ${plural(unlisted, 'more release')} in this burst (the first ${rows.length} are listed).`)}</p>`
      : '',
    c.blocks.length > 0 ? '<h2 style="font-size:15px;margin:16px 0 4px">Details of the risky releases</h2>' : '',
    ...c.blocks.map((b) => b.html),
    '<h2 style="font-size:15px;margin:16px 0 8px">What to do next</h2>',
    '<ol style="margin:0 0 8px 20px;padding:0">',
    `<li>Advanced hunting (<a href="${ADVANCED_HUNTING_URL}">security.microsoft.com/v2/advanced-hunting</a>): this query shows where the released copies went:<br><code style="display:block;margin:4px 0;padding:6px;background:#f3f3f3;overflow-wrap:anywhere;font-size:12px">${escapeHtml(query)}</code></li>`,
    '<li>If a release was not intended, remove the copies from the mailboxes: Explorer or the email entity page (links above), Take action, Move to mailbox folder or Delete.</li>',
    '<li>If the releasing account should not have done this, review its sign-ins and role assignments.</li>',
    '</ol>',
    '<p style="color:#555;font-size:12px;margin-top:16px">Sent by quarantine-release-notifier. Values above are shown as Exchange and the audit log hold them; links and addresses in subjects are defanged.</p>',
    '</body></html>',
  ]
    .filter((part) => part !== '')
    .join('\n');
}

function alertText(c: AlertContent, query: string): string {
  const unlisted = c.counts.releases - c.rows.length;
  return [
    c.subject,
    '',
    ...c.rules.map((r) => `- ${ruleLine(r, c.counts)}`),
    '',
    ...c.rows.map(
      (r) =>
        `${formatInstant(r.facts.releasedAt, c.timeZone)} | ${typeText(r.facts)} | ${r.facts.sender ? displayText(r.facts.sender, 320) : '?'} | ${r.facts.subject ? displayDefanged(r.facts.subject, 80) : ''} | to ${releasedToText(r.facts)} | by ${displayText(releaserWords(r.facts.releasedBy), 320)}`,
    ),
    unlisted > 0 ? `... and ${plural(unlisted, 'more release')}.` : '',
    '',
    ...c.blocks.map((b) => b.text),
    '',
    `What to do next: run in Advanced hunting (${ADVANCED_HUNTING_URL}):`,
    query,
  ].join('\n');
}

/** The alert for one job, to ALERT_RECIPIENTS. */
export function composeAlert(job: AlertJob, recipients: readonly string[], timeZone = 'UTC'): ComposedEmail {
  const rows = rowsOf(job);
  const counts = alertCounts(job);
  const by = displayText(releaserWords(job.account), 320);
  const rules = (['risky-type', 'released-to-other', 'burst'] as const).filter((r) => (counts.byRule[r] ?? 0) > 0);
  const subject = alertSubject(job, rows, counts, by);
  const ids = [...new Set(rows.map((r) => r.facts.networkMessageId.toLowerCase()))];
  const details = rows.filter((r) => r.rules.has('risky-type') || r.rules.has('released-to-other'));
  const blocks = details.map((r) => detailBlock(r, timeZone));
  const content: AlertContent = { job, rows, counts, rules, by, subject, timeZone, blocks };
  const query = huntingQuery(ids);
  const html = alertHtml(content, query);
  const text = alertText(content, query);
  return {
    to: recipients[0],
    moreTo: recipients.slice(1),
    subject,
    html,
    text,
    headers: [
      { name: NETWORK_MESSAGE_IDS_HEADER, value: idsHeaderValue(ids) },
      { name: ALERT_HEADER, value: rules.join(',') || job.rule },
    ],
  };
}
