/**
 * The weekly activity report email: the 30 complete UTC days before the run, the last 7 of them in
 * words first, charts as inline cid: images, to every REPORT_RECIPIENTS address in one email.
 *
 * Sent through the one sending machinery (deliver.ts) as ONE ledger item per period, scope 'report',
 * item the ISO week of the run ("2026-w35"): whatever retries, reruns or crashes happen, the period's
 * report goes out once. The timer sends it directly rather than through the job queue, because its
 * PNGs exceed a queue message's 64 KiB. So when Graph's answer is lost (or Sent Items cannot tell yet,
 * or the daily cap is reached), deliver's "schedule the job again" has nowhere to go: the report's
 * JobScheduler does nothing, and this use case throws ReportDeferredError instead; the timer's retry
 * policy (functions/weeklyReport.ts) runs it again, and that run reconciles through Sent Items before
 * anything is sent again. A run of the same period later (a retry, or an admin's manual trigger) does
 * the same; the next period is a new item.
 */
import { randomUUID } from 'node:crypto';
import { addDays, DEFAULT_REPORT_DAYS, utcDay } from '../report/days';
import { loadReportData } from '../report/loadReport';
import type { ActivityStore } from '../report/ports';
import type { PostDeliveryReport } from '../report/postDelivery';
import type { ReportData } from '../report/reportData';
import { reportEmail, totalsInWords, type ChartImage } from '../report/renderReport';
import { deliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import type { LedgerKey } from './ports';

export const REPORT_SCOPE = 'report';
/** The week told in words at the top of the email. */
export const REPORT_RECENT_DAYS = 7;

/** The sending machinery, and what the report is made of and sent to. */
export interface ReportSendDeps {
  delivery: DeliverDeps;
  /** REPORT_RECIPIENTS, validated by settings; empty: the report is off. */
  recipients: readonly string[];
  store: Pick<ActivityStore, 'readDays'>;
  /** The post-delivery series for the window (advanced hunting, else the ZAP report); absent: not drawn. */
  postDelivery?(window: ReportData['window']): Promise<PostDeliveryReport>;
  /** Renders the charts (echarts + resvg, slow to load: the composition root imports them lazily). */
  renderCharts(data: ReportData): Promise<ChartImage[]>;
}

export interface WeeklyReportSummary {
  /** The period's ledger item, e.g. 2026-w35; absent when the report is off. */
  period?: string;
  from?: string;
  to?: string;
  recipients: number;
  /** Why nothing was attempted. */
  off?: string;
  /** deliver's outcome: sent, already told, ... */
  delivery?: DeliveryOutcome;
  /** Why the charts are missing: the report went out with its tables only. */
  chartsFailed?: string;
}

/** The send's outcome is not known yet; the timer's retry (or a later run of the same period) reconciles it. */
export class ReportDeferredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportDeferredError';
  }
}

/** ISO 8601 week of a UTC instant, e.g. 2026-w01; the week belongs to the year of its Thursday. */
export function isoWeek(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = day.getUTCDay() === 0 ? 7 : day.getUTCDay();
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-w${String(week).padStart(2, '0')}`;
}

export function reportKey(period: string): LedgerKey {
  return { scope: REPORT_SCOPE, item: period };
}

/** The period's data: the counted days, and the post-delivery series when there is a source for it. */
async function reportData(deps: ReportSendDeps, at: Date): Promise<ReportData> {
  // Complete days only: the window ends yesterday (UTC), so a Monday report holds the whole week before it.
  const end = new Date(`${addDays(utcDay(at), -1)}T00:00:00Z`);
  const counted = await loadReportData(deps.store, end, DEFAULT_REPORT_DAYS, at);
  return deps.postDelivery ? { ...counted, postDelivery: await deps.postDelivery(counted.window) } : counted;
}

/** A chart that cannot be drawn costs the report its picture, never the report: its tables stay. */
async function chartsOrReason(
  deps: ReportSendDeps,
  data: ReportData,
): Promise<{ charts: ChartImage[]; chartsFailed?: string }> {
  try {
    return { charts: await deps.renderCharts(data) };
  } catch (error) {
    const chartsFailed = error instanceof Error ? error.message.slice(0, 200) : 'charts failed';
    deps.delivery.log.warn('weekly report charts failed: the report is sent with its tables only', {
      reason: chartsFailed,
    });
    return { charts: [], chartsFailed };
  }
}

/** The period's one delivery: one ledger item, the same delivery id in every run of the period. */
function reportDelivery(
  period: string,
  data: ReportData,
  charts: ChartImage[],
  recipients: string[],
): Delivery<string> {
  const email = reportEmail(data, charts, { recentDays: REPORT_RECENT_DAYS });
  const jobId = `report-${period}`;
  return {
    kind: 'report',
    jobId,
    // The same delivery in every run of the period: a rerun after a crash finds its own claim at once,
    // and the ledger's ETags still keep two overlapping runs from both sending.
    deliveryId: jobId,
    jobText: JSON.stringify({ kind: 'report', period, id: randomUUID() }),
    items: [{ key: reportKey(period), value: period }],
    compose: () => ({
      to: recipients[0],
      moreTo: recipients.slice(1),
      subject: email.subject,
      html: email.html,
      text: `${totalsInWords(data).join('\n')}\n`,
      headers: [{ name: 'x-qrn-report-period', value: period }],
      inlineImages: email.attachments.map((a) => ({
        name: a.name,
        contentId: a.contentId,
        contentType: a.contentType,
        bytes: a.bytes,
      })),
    }),
    describe: () => ({ period, from: data.window.from, to: data.window.to, recipients: recipients.length }),
  };
}

/**
 * Sends the report of the period that `at` (default: the delivery clock's now) falls in, once. Throws
 * ReportDeferredError when the send is in doubt or had to wait, so the run shows as failed and is retried.
 */
export async function sendWeeklyReport(
  deps: ReportSendDeps,
  at: Date = deps.delivery.clock.now(),
): Promise<WeeklyReportSummary> {
  const recipients = [...deps.recipients];
  if (recipients.length === 0) {
    deps.delivery.log.info('weekly report is off: REPORT_RECIPIENTS is empty');
    return { recipients: 0, off: 'REPORT_RECIPIENTS is empty' };
  }
  const period = isoWeek(at);
  const data = await reportData(deps, at);
  const { charts, chartsFailed } = await chartsOrReason(deps, data);
  const delivery = await deliver(reportDelivery(period, data, charts, recipients), deps.delivery);
  const summary: WeeklyReportSummary = {
    period,
    from: data.window.from,
    to: data.window.to,
    recipients: recipients.length,
    delivery,
  };
  if (chartsFailed !== undefined) summary.chartsFailed = chartsFailed;
  if (delivery.unknownOutcome || delivery.deferredUntil !== undefined) {
    throw new ReportDeferredError(
      `The ${period} activity report was not confirmed sent (${delivery.unknownOutcome ? "Graph's answer was lost" : `it has to wait until ${delivery.deferredUntil}`}); ` +
        'the next run of this period looks in Sent Items before sending it again.',
    );
  }
  return summary;
}
