/**
 * The production doctor's result as an email: one row per check, failures first in the subject.
 * Pure; every value is escaped (details quote Microsoft's and the tenant's texts).
 */
import type { ComposedEmail } from './compose';
import type { Deployment } from './health';
import { escapeHtml } from './html';
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
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#1b1b1b;max-width:680px">',
    `<h1 style="font-size:18px;margin:0 0 12px">${escapeHtml(subject)}</h1>`,
    `<p>${escapeHtml(intro)}</p>`,
    '<table role="presentation" style="width:100%;border-collapse:collapse;table-layout:fixed">',
    ...rows.map(
      ([mark, name, detail]) =>
        `<tr><td style="padding:6px 0;border-top:1px solid #ddd"><div style="color:#555;font-size:12px">${escapeHtml(mark)} · ${escapeHtml(name)}</div><div style="overflow-wrap:anywhere">${escapeHtml(detail)}</div></td></tr>`,
    ),
    '</table>',
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
