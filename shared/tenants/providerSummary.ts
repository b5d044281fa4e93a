/**
 * The provider's view: one line per tenant with its open health problems, and one email to the
 * deployment's HEALTH_RECIPIENTS whenever that picture changes (a problem opens or closes anywhere).
 * Each tenant's own health emails still go to its own HEALTH_RECIPIENTS. Pure; every value escaped.
 */
import { createHash } from 'node:crypto';
import type { ComposedEmail } from '../email/compose';
import { adminEmailStart, escapeHtml } from '../email/html';
import { cleanInline, displayText, truncate } from '../email/sanitize';
import { formatInstant } from '../email/time';

export interface TenantHealthLine {
  tenantId: string;
  name: string;
  /** Open problem ids (health/problems.ts), as the tenant's last run left them. */
  open: string[];
  /** The tenant's last run: which stage, whether it succeeded, when. */
  lastRun: { stage: string; ok: boolean; at: string };
}

export const PROVIDER_SUMMARY_HEADER = 'x-qrn-provider-summary';

/** What the summary says, as one short text: equal texts, nothing to tell. */
export function summaryFingerprint(lines: readonly TenantHealthLine[]): string {
  const pairs = lines.flatMap((l) => l.open.map((p) => `${l.tenantId}:${p}`)).sort();
  return createHash('sha256').update(pairs.join('\n')).digest('hex').slice(0, 32);
}

export function composeProviderSummary(
  lines: readonly TenantHealthLine[],
  recipients: readonly string[],
  timeZone: string,
  app: string | undefined,
): ComposedEmail {
  const troubled = lines.filter((l) => l.open.length > 0).sort((a, b) => a.name.localeCompare(b.name));
  const subject = truncate(
    cleanInline(
      troubled.length === 0
        ? `Quarantine notifier: all ${lines.length} tenants healthy`
        : `Quarantine notifier: ${troubled.length} of ${lines.length} tenants need attention`,
    ),
    250,
  );
  const row = (l: TenantHealthLine): string[] => [
    displayText(l.name, 80),
    displayText(l.tenantId, 40),
    l.open.join(', '),
    `${l.lastRun.stage} ${l.lastRun.ok ? 'ok' : 'failed'} ${formatInstant(l.lastRun.at, timeZone)}`,
  ];
  const where = app ? `function app ${displayText(app, 80)}` : 'this deployment';
  const intro = `Open health problems across the tenants of ${where}. Each tenant's own emails go to its HEALTH_RECIPIENTS; run "npm run tenants -- list" for every tenant, "npm run doctor -- --tenant <id>" for the fix.`;
  const cell = (v: string) =>
    `<td style="padding:4px 8px;border-top:1px solid #ddd;overflow-wrap:anywhere">${escapeHtml(v)}</td>`;
  const html = [
    ...adminEmailStart(subject, 760),
    `<p>${escapeHtml(intro)}</p>`,
    '<table style="width:100%;border-collapse:collapse;font-size:13px"><tr><th align="left">Tenant</th><th align="left">Id</th><th align="left">Open problems</th><th align="left">Last run</th></tr>',
    ...troubled.map((l) => `<tr>${row(l).map(cell).join('')}</tr>`),
    '</table>',
    '</body></html>',
  ].join('\n');
  const text = [subject, '', intro, '', ...troubled.map((l) => row(l).join(' | '))].join('\n') + '\n';
  return {
    to: recipients[0],
    moreTo: recipients.slice(1),
    subject,
    html,
    text,
    headers: [{ name: PROVIDER_SUMMARY_HEADER, value: `${troubled.length} of ${lines.length}` }],
  };
}
