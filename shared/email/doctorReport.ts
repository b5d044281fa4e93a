/**
 * The production doctor's result as an email: one row per check, failures first in the subject.
 * Pure; every value is escaped (details quote Microsoft's and the tenant's texts).
 */
import type { ComposedEmail } from './compose';
import type { Deployment } from './health';
import { adminEmailStart, escapeHtml, labelledRows } from './html';
import { formatInstant } from './time';
import { cleanInline, displayText, truncate } from './sanitize';

export interface DoctorLine {
  name: string;
  ok: boolean;
  warning?: boolean;
  skipped?: boolean;
  detail: string;
}

const MARK = (r: DoctorLine): string => (r.skipped ? 'skip' : !r.ok ? 'FAIL' : r.warning ? 'warn' : 'ok');

export interface DoctorReportInput {
  results: readonly DoctorLine[];
  summary: { ok: boolean; failed: number; skipped: number; warnings: number };
  recipients: readonly string[];
  deployment: Deployment;
  timeZone: string;
  /** When the doctor ran, from the caller's clock. */
  now: Date;
}

export function composeDoctorReport(input: DoctorReportInput): ComposedEmail {
  const { results, summary, recipients, deployment, timeZone, now } = input;
  const app = deployment.app ? displayText(deployment.app, 80) : 'run outside Azure';
  const verdict = summary.ok
    ? `all checks passed${summary.warnings > 0 ? ` (${summary.warnings} warning${summary.warnings === 1 ? '' : 's'})` : ''}`
    : `${summary.failed} failed, ${summary.skipped} skipped`;
  const subject = truncate(cleanInline(`Quarantine notifier doctor: ${verdict} (${app})`), 250);
  const when = formatInstant(now.toISOString(), timeZone);
  const tenant = deployment.tenantName
    ? `${displayText(deployment.tenantName, 80)}, ${displayText(deployment.tenantId, 40)}`
    : displayText(deployment.tenantId, 40);
  const intro = `The doctor ran inside ${app} (Microsoft 365 tenant ${tenant}) with the app's own identity at ${when}.`;
  const rows = results.map((r) => [MARK(r), displayText(r.name, 120), displayText(r.detail, 2000)] as const);
  const html = [
    ...adminEmailStart(subject),
    `<p>${escapeHtml(intro)}</p>`,
    ...labelledRows(rows.map(([mark, name, detail]) => [`${mark} · ${name}`, detail] as const)),
    '</body></html>',
  ].join('\n');
  const text =
    [subject, '', intro, '', ...rows.map(([mark, name, detail]) => `${mark}  ${name}: ${detail}`)].join('\n') + '\n';
  return {
    to: recipients[0],
    moreTo: recipients.slice(1),
    subject,
    html,
    text,
    headers: [{ name: 'x-qrn-doctor', value: summary.ok ? 'ok' : 'failed' }],
  };
}
