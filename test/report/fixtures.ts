import { ACTIVITY_KINDS } from '../../shared/report/activity';
import { emptyDayActivity, emptyDayArrivals, reportWindow } from '../../shared/report/days';
import type { ReportData } from '../../shared/report/reportData';

export const HOSTILE_ACCOUNT = '<img src=x onerror=alert(1)>@evil.example';
export const REPORT_NOW = new Date('2026-12-02T07:00:00Z');

/** A deterministic busy-ish month: every action on most days, five admins, the system, a hostile account name. */
export function sampleReportData(days = 30): ReportData {
  const window = reportWindow(REPORT_NOW, days);
  const activity = window.dates.map((date, i) => {
    const day = emptyDayActivity(date);
    ACTIVITY_KINDS.forEach((kind, k) => {
      day.counts[kind] = ((i * (k + 3) + k * 7) % (12 + k * 2)) + (kind === 'preview' ? 10 : 0);
    });
    day.systemReleases = i % 4 === 0 ? Math.min(2, day.counts.release) : 0;
    let left = day.counts.release - day.systemReleases;
    const admins = ['secadmin@contoso.com', 'helpdesk.lead@contoso.com', 'mail.ops@contoso.com', HOSTILE_ACCOUNT, 'a.very.long.account.name.for.testing.cuts@subsidiary.contoso.com'];
    for (let a = 0; left > 0; a = (a + 1) % admins.length, left--) day.releasesByAccount[admins[a]] = (day.releasesByAccount[admins[a]] ?? 0) + 1;
    day.failed.release = i % 5 === 0 ? 1 : 0;
    day.appHeaderReads = 20 + (i % 3);
    return day;
  });
  const arrivals = window.dates.map((date, i) => {
    const day = emptyDayArrivals(date);
    day.byType = { Spam: 40 + ((i * 7) % 25), TransportRule: 5 + (i % 6), Phish: (i * 3) % 9, Malware: i % 7 === 0 ? 2 : 0, HighConfPhish: i % 5 === 0 ? 1 : 0 };
    day.total = Object.values(day.byType).reduce((a, b) => a + b, 0);
    day.byOrigin = { outside: day.total - 5 - (i % 6), inside: 5 + (i % 6) };
    return day;
  });
  return { window, activity, arrivals, generatedAt: REPORT_NOW };
}
