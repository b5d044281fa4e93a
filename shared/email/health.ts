/**
 * The health email an admin reads when the product cannot do its job: what is wrong, since when,
 * what it stops, and the exact fix (the doctor's words). Pure; every value is escaped.
 */
import type { HealthEmail, ProblemId, ProblemState } from '../health/problems';
import type { ComposedEmail } from './compose';
import { escapeHtml } from './html';
import { formatInstant } from './time';
import { cleanInline, displayText, truncate } from './sanitize';

export const HEALTH_HEADER = 'x-qrn-health';

const TITLES: Record<ProblemId, string> = {
  'snapshot-failing': 'the quarantine snapshot is failing',
  'detection-failing': 'release detection is failing',
  'sending-failing': 'sending notices is failing',
  'report-failing': 'the activity report is failing',
  'sign-in': 'the app cannot sign in',
  'exchange-permission': 'the app may no longer read quarantine',
  'audit-feed-permission': 'the app may no longer read the audit log',
  'audit-feed-off': 'the audit feed is off',
  'snapshot-stale': 'no quarantine snapshot for a day',
  'poison-messages': 'notices failed for good and wait in the poison queue',
  'sent-items-unreadable': 'Sent Items cannot be read (notices may arrive twice)',
  'daily-cap-reached': 'the daily sending cap is reached',
  'skipped-oversized': 'a quarantined message or job was too large and was skipped',
  'report-charts-missing': 'the weekly report was sent without its charts',
};

export function composeHealth(
  state: ProblemState,
  email: HealthEmail,
  recipients: readonly string[],
  timeZone = 'UTC',
): ComposedEmail {
  const title = TITLES[state.problem];
  const since = formatInstant(state.since, timeZone);
  const verb = email.kind === 'resolved' ? 'resolved' : email.kind === 'reminder' ? 'still' : 'problem';
  const subject = truncate(
    cleanInline(`Quarantine notifier ${verb}: ${title}${email.kind === 'resolved' ? '' : ` (since ${since})`}`),
    250,
  );
  const reason = displayText(state.reason, 2000);
  const affected = state.affected ? displayText(state.affected, 300) : '';
  const lines: Array<[string, string]> =
    email.kind === 'resolved'
      ? [
          ['Problem', title],
          ['Began', since],
          ['Resolved', state.resolvedAt ? formatInstant(state.resolvedAt, timeZone) : ''],
          [
            'What happens now',
            'Nothing to do: the product catches up by itself (detection re-reads the last 7 days of the audit log; waiting notices are sent).',
          ],
        ]
      : [
          ['Problem', title],
          ['Since', `${since} (seen in ${state.count} run${state.count === 1 ? '' : 's'})`],
          ['What it stops', affected ? `${affected} since ${since}` : ''],
          ['How to fix it', reason],
          ['Check', 'Run npm run doctor with the app settings (or look at the function app log) to confirm the fix.'],
        ];
  const html = [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#1b1b1b;max-width:680px">',
    `<h1 style="font-size:18px;margin:0 0 12px">${escapeHtml(subject)}</h1>`,
    '<table role="presentation" style="width:100%;border-collapse:collapse;table-layout:fixed">',
    ...lines
      .filter(([, value]) => value !== '')
      .map(
        ([label, value]) =>
          `<tr><td style="padding:6px 0;border-top:1px solid #ddd"><div style="color:#555;font-size:12px">${escapeHtml(label)}</div><div style="overflow-wrap:anywhere">${escapeHtml(value)}</div></td></tr>`,
      ),
    '</table>',
    `<p style="color:#555;font-size:12px;margin-top:16px">Sent by quarantine-release-notifier to HEALTH_RECIPIENTS: once when a problem has lasted HEALTH_ALERT_AFTER_MINUTES, at most once a day while it lasts, and once when it is resolved.</p>`,
    '</body></html>',
  ].join('\n');
  const text =
    [subject, '', ...lines.filter(([, v]) => v !== '').map(([label, value]) => `${label}: ${value}`)].join('\n') + '\n';
  return {
    to: recipients[0],
    moreTo: recipients.slice(1),
    subject,
    html,
    text,
    headers: [{ name: HEALTH_HEADER, value: `${state.problem}; ${email.kind === 'resolved' ? 'resolved' : 'open'}` }],
  };
}
