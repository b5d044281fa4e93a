/**
 * The alert the security team reads: a pure function from an AlertJob to an email. Every value in it
 * came from outside (the subject was written by whoever sent the message, addresses and policy names
 * from Exchange and the audit log), so each is cleaned to one line, bounded, defanged where a client
 * would make it clickable, and escaped; nothing becomes a link or an attribute.
 */
import { describeFinding, type AlertFinding } from '../alerts/rules';
import type { AlertJob, AlertReleaseFacts } from '../jobs/alertJob';
import { idsHeaderValue, NETWORK_MESSAGE_IDS_HEADER, type ComposedEmail } from './compose';
import { addressHtml, breakableHtml, escapeHtml } from './html';
import { formatInstant } from './time';
import { cleanInline, defang, displayDefanged, displayText, truncate } from './sanitize';
import { isMailboxAddress } from '../config/settings';

export const ALERT_HEADER = 'x-qrn-alert';

const REQUEST_SOURCES: Record<number, string> = {
  0: 'the Microsoft Defender portal',
  1: 'a PowerShell cmdlet',
  2: 'a link in a quarantine notification (a user, or a link scanner that opened the link)',
};

/** The alert for one job, to ALERT_RECIPIENTS. */
export function composeAlert(job: AlertJob, recipients: readonly string[], timeZone = 'UTC'): ComposedEmail {
  const releases = job.items.flatMap((i) => i.releases);
  const total = job.items.reduce((n, i) => n + i.totalReleases, 0);
  const finding: AlertFinding = {
    rule: job.rule,
    key: '',
    account: job.account,
    releases: job.items
      .flatMap((i) => i.releases)
      .map((r) => ({
        release: {
          recordId: r.recordId,
          networkMessageId: r.networkMessageId,
          releasedTo: r.releasedTo,
          releasedBy: r.releasedBy,
          releasedAt: new Date(r.releasedAt),
        },
        message: r.quarantineType
          ? {
              sender: r.sender,
              recipients: r.recipients,
              subject: r.subject,
              receivedAt: r.receivedAt,
              quarantineType: r.quarantineType,
              policyName: r.policyName,
              origin: r.origin,
            }
          : undefined,
      })),
  };
  // The count in the subject is the true one, also when a burst lists only its first releases.
  const summary = describeFinding(finding, total);
  // A mass alert split to fit the queue says which part this is; each part lists its own releases.
  const part = job.part && job.part.of > 1 ? ` (part ${job.part.index} of ${job.part.of})` : '';
  const subject = truncate(cleanInline(`Quarantine alert: ${summary}`), 250 - part.length) + part;
  const ids = [...new Set(releases.map((r) => r.networkMessageId.toLowerCase()))];
  const when = (iso: string): string => formatInstant(iso, timeZone);
  const rows = releases.map((r) => releaseRows(r, when));
  const more =
    total > releases.length
      ? `<p style="margin:8px 0">… and ${total - releases.length} more releases in this burst (the first ${releases.length} are listed).</p>`
      : '';
  const linkNote = releases.some((r) => r.requestSource === 2)
    ? '<p style="margin:8px 0"><strong>Released through a link in a quarantine notification:</strong> that can be the user, or a link scanner that opened the link for them.</p>'
    : '';
  const html = [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#1b1b1b;max-width:720px">',
    `<h1 style="font-size:18px;margin:0 0 12px">${escapeHtml(subject)}</h1>`,
    `<p style="margin:8px 0">Rule: <strong>${escapeHtml(job.rule)}</strong>. ${escapeHtml(ruleText(job.rule))}</p>`,
    linkNote,
    ...rows.map(
      (r) =>
        `<table role="presentation" style="width:100%;border-collapse:collapse;margin:12px 0;table-layout:fixed">${r.html}</table>`,
    ),
    more,
    '<h2 style="font-size:15px;margin:16px 0 8px">What to do next</h2>',
    '<ol style="margin:0 0 8px 20px;padding:0">',
    '<li>Microsoft Defender portal, Email &amp; collaboration &gt; Review &gt; Quarantine: find the message by its NetworkMessageId and check who released it and why.</li>',
    '<li>Explorer (Threat Explorer) or Advanced hunting: <code>EmailEvents | where NetworkMessageId == "&lt;id&gt;"</code> shows where the released copies went; remove them with Take action if the release was not intended.</li>',
    '<li>If the releasing account should not have done this, review its sign-ins and role assignments.</li>',
    '</ol>',
    '<p style="color:#555;font-size:12px;margin-top:16px">Sent by quarantine-release-notifier. Values above are shown as Exchange and the audit log hold them; links and addresses in subjects are defanged.</p>',
    '</body></html>',
  ].join('\n');
  const text = [
    subject,
    '',
    `Rule: ${job.rule}. ${ruleText(job.rule)}`,
    '',
    ...rows.map((r) => r.text),
    total > releases.length ? `... and ${total - releases.length} more releases.` : '',
    'What to do next: find each message by its NetworkMessageId in the Defender portal (Quarantine, Explorer or Advanced hunting).',
  ].join('\n');
  return {
    to: recipients[0],
    moreTo: recipients.slice(1),
    subject,
    html,
    text,
    headers: [
      { name: NETWORK_MESSAGE_IDS_HEADER, value: idsHeaderValue(ids) },
      { name: ALERT_HEADER, value: job.rule },
    ],
  };
}

function ruleText(rule: AlertJob['rule']): string {
  if (rule === 'burst') return 'An account released more messages within an hour than ALERT_BURST_RELEASES allows.';
  if (rule === 'released-to-other')
    return 'A risky message was released to a mailbox that was not one of its recipients.';
  return 'A message quarantined as malware or phish was released: it may now be in someone’s inbox.';
}

function releaseRows(r: AlertReleaseFacts, when: (iso: string) => string): { html: string; text: string } {
  const by = r.releasedBy ? r.releasedBy : 'Microsoft 365 (automatic release)';
  const recipients =
    r.recipients.length > 0
      ? `${r.recipients.map((a) => displayText(a, 320)).join(', ')}${r.recipientCount > r.recipients.length ? ` and ${r.recipientCount - r.recipients.length} more` : ''}`
      : '';
  const facts: Array<[string, string, 'address' | 'text' | 'outside']> = [
    ['Released at', when(r.releasedAt), 'text'],
    ['Result', 'Released (audit record: successful)', 'text'],
    ['Released by', displayText(by, 320), 'address'],
    [
      'Released through',
      r.requestSource !== undefined
        ? (REQUEST_SOURCES[r.requestSource] ?? `request source ${r.requestSource}`)
        : 'not stated in the audit record',
      'text',
    ],
    ['Released to', r.releasedTo ? displayText(r.releasedTo, 320) : 'all original recipients', 'address'],
    ['NetworkMessageId', r.networkMessageId, 'text'],
    ['Sender', r.sender ? displayText(r.sender, 320) : '(not in the snapshot)', 'address'],
    ['Original recipients', recipients || '(not in the snapshot)', 'text'],
    [
      'Subject (as written by the sender)',
      r.subject ? displayDefanged(r.subject, 200) : '(not in the snapshot)',
      'outside',
    ],
    ['Received', r.receivedAt ? when(r.receivedAt) : '', 'text'],
    [
      'Quarantined as',
      [displayDefanged(r.quarantineType, 100), r.policyName ? `policy ${displayDefanged(r.policyName, 200)}` : '']
        .filter(Boolean)
        .join(', '),
      'outside',
    ],
    ['Came from', r.origin ? displayText(r.origin, 200) : 'unknown', 'text'],
  ];
  // Only a plain mailbox address is shown as one; anything else in an address field (a display name,
  // a quoted local part, a bare domain) is outside text and is defanged like a subject.
  const safe = (value: string, kind: 'address' | 'text' | 'outside'): string =>
    kind === 'address' && !isMailboxAddress(value) ? defang(value) : value;
  const html = facts
    .map(([label, value, kind]) => {
      const shown =
        kind === 'address' && isMailboxAddress(value) ? addressHtml(value) : breakableHtml(safe(value, kind));
      return `<tr><td style="padding:4px 0;border-top:1px solid #ddd"><div style="color:#555;font-size:12px">${escapeHtml(label)}</div><div style="overflow-wrap:anywhere">${shown}</div></td></tr>`;
    })
    .join('');
  const text = facts.map(([label, value, kind]) => `${label}: ${safe(value, kind)}`).join('\n') + '\n';
  return { html, text };
}
