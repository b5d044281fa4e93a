/**
 * The health email an admin reads when the product cannot do its job: what is wrong, since when,
 * what it stops, and the exact fix (the doctor's words). Pure; every value is escaped.
 */
import type { HealthEmail, ProblemId, ProblemState } from '../health/problems';
import type { ComposedEmail } from './compose';
import { adminEmailStart, escapeHtml, labelledRows } from './html';
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
  'items-set-aside': 'some releases were set aside and will not be told',
};

/** Which deployment the email is about: an admin may run several (test and production, several tenants). */
export interface Deployment {
  /** The function app's name (WEBSITE_SITE_NAME in Azure); absent when run elsewhere. */
  app: string | undefined;
  tenantId: string;
  /** The tenant's name in a service provider's Tenants table; absent for a single-tenant deployment. */
  tenantName?: string;
}

/**
 * How the admin runs the doctor inside the deployed app, with its own identity (README, "Check
 * production"). `e30=` is `{}` in base64: the app's queue triggers take base64 bodies (host.json).
 */
export const PRODUCTION_DOCTOR =
  "az storage message put --auth-mode login --account-name <the app's storage account> --queue-name doctor-requests --content e30=";

function deploymentText(deployment: Deployment | undefined): string {
  if (!deployment) return '';
  const app = deployment.app ? `function app ${displayText(deployment.app, 80)}` : 'run outside Azure';
  const tenant = deployment.tenantName
    ? `${displayText(deployment.tenantName, 80)} (${displayText(deployment.tenantId, 40)})`
    : displayText(deployment.tenantId, 40);
  return `${app}, Microsoft 365 tenant ${tenant}`;
}

const FOOTER =
  'Sent by quarantine-release-notifier: once when a problem has lasted long enough, at most once a day while it lasts, and once when it is resolved.';
// Setting names only here, for whoever administers the app.
const ADMIN_NOTE =
  'For the admin: who gets this is HEALTH_RECIPIENTS (default ALERT_RECIPIENTS; off: nobody), after HEALTH_ALERT_AFTER_MINUTES; times are in NOTIFY_TIME_ZONE.';

const AFTER_THE_FIX =
  'A new permission or role reaches the app only when its cached token expires: up to 24 hours for Microsoft 365 roles and app permissions, ' +
  'up to an hour for a Mail.Send or Mail.Read scope in Exchange. The product retries by itself and says when it is resolved.';

/** The email's rows (label, value); an empty value is left out. */
function healthRows(state: ProblemState, email: HealthEmail, timeZone: string, where: string): Array<[string, string]> {
  const title = TITLES[state.problem];
  const since = formatInstant(state.since, timeZone);
  if (email.kind === 'resolved') {
    return [
      ['Problem', title],
      ['Deployment', where],
      ['Began', since],
      ['Resolved', state.resolvedAt ? formatInstant(state.resolvedAt, timeZone) : ''],
      [
        'What happens now',
        'Nothing to do: the product catches up by itself (detection re-reads the last 7 days of the audit log; waiting notices are sent).',
      ],
    ];
  }
  return [
    ['Problem', title],
    ['Deployment', where],
    ['Since', `${since} (seen in ${state.count} run${state.count === 1 ? '' : 's'})`],
    ['What it stops', state.affected ? `${displayText(state.affected, 300)}.` : ''],
    ['How to fix it', displayText(state.reason, 2000)],
    ['After the fix', AFTER_THE_FIX],
    [
      'Check',
      `Run the doctor inside the deployed app, with its own identity: ${PRODUCTION_DOCTOR}. The result is logged and mailed here within minutes.`,
    ],
  ];
}

export function composeHealth(
  state: ProblemState,
  email: HealthEmail,
  recipients: readonly string[],
  timeZone = 'UTC',
  deployment?: Deployment,
): ComposedEmail {
  const title = TITLES[state.problem];
  const since = formatInstant(state.since, timeZone);
  const verb = email.kind === 'resolved' ? 'resolved' : email.kind === 'reminder' ? 'still' : 'problem';
  const subject = truncate(
    cleanInline(`Quarantine notifier ${verb}: ${title}${email.kind === 'resolved' ? '' : ` (since ${since})`}`),
    250,
  );
  const lines = healthRows(state, email, timeZone, deploymentText(deployment)).filter(([, value]) => value !== '');
  const html = [
    ...adminEmailStart(subject),
    ...labelledRows(lines),
    `<p style="color:#555;font-size:12px;margin-top:16px">${escapeHtml(FOOTER)}</p>`,
    `<p style="color:#555;font-size:12px">${escapeHtml(ADMIN_NOTE)}</p>`,
    '</body></html>',
  ].join('\n');
  const text =
    [subject, '', ...lines.map(([label, value]) => `${label}: ${value}`), '', FOOTER, ADMIN_NOTE].join('\n') + '\n';
  return {
    to: recipients[0],
    moreTo: recipients.slice(1),
    subject,
    html,
    text,
    headers: [{ name: HEALTH_HEADER, value: `${state.problem}; ${email.kind === 'resolved' ? 'resolved' : 'open'}` }],
  };
}
