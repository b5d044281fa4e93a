import { emptyDayActivity, emptyDayArrivals, reportWindow } from '../../shared/report/days';
import { reportEmail, reportHtml, reportSummary, totalsInWords, type ChartImage } from '../../shared/report/renderReport';
import type { ReportData } from '../../shared/report/reportData';
import { HOSTILE_ACCOUNT, REPORT_NOW, sampleReportData } from './fixtures';

/** Stand-ins for rendered charts: rendering itself is tested in charts.test.ts. */
const CHARTS: ChartImage[] = ['quarantine-actions', 'releases-by-account', 'quarantine-arrivals'].map((id) => ({
  name: `${id}.png`,
  contentId: id,
  title: id,
  alt: `${id} chart`,
  width: 900,
  height: 420,
  png: Buffer.from(id),
}));

/** Three days: releases by an admin, the system and a hostile account name on day 2; nothing on day 1. */
function smallData(): ReportData {
  const window = reportWindow(new Date('2026-12-03T12:00:00Z'), 3);
  const activity = window.dates.map(emptyDayActivity);
  const arrivals = window.dates.map(emptyDayArrivals);
  Object.assign(activity[1].counts, { release: 12, delete: 4, preview: 30, viewHeader: 7, releaseRequest: 2 });
  activity[1].systemReleases = 3;
  activity[1].releasesByAccount = { 'secadmin@contoso.com': 8, [HOSTILE_ACCOUNT]: 1 };
  activity[1].failed.release = 2;
  activity[1].appHeaderReads = 120;
  activity[2].counts.export = 1;
  arrivals[1] = { date: arrivals[1].date, total: 5, byType: { Spam: 3, TransportRule: 2 }, byOrigin: { outside: 5 } };
  arrivals[2] = { date: arrivals[2].date, total: 1, byType: { Phish: 1 }, byOrigin: {} };
  return { window, activity, arrivals, generatedAt: new Date('2026-12-03T12:00:00Z') };
}

/** Table rows as arrays of cell texts (the page has no nested tables). */
function rows(html: string): string[][] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]));
}

describe('the JSON summary', () => {
  it('has exactly the issue shape, one entry per day, zeros included', () => {
    const summary = reportSummary(smallData(), ['quarantine-activity.html', 'quarantine-actions.png']);
    const zero = { release: 0, delete: 0, preview: 0, export: 0, viewHeader: 0, releaseRequest: 0, denyRelease: 0 };
    expect(JSON.stringify(summary)).toBe(JSON.stringify({
      command: 'report',
      ok: true,
      from: '2026-12-01',
      to: '2026-12-03',
      days: [
        { date: '2026-12-01', ...zero },
        { date: '2026-12-02', release: 12, delete: 4, preview: 30, export: 0, viewHeader: 7, releaseRequest: 2, denyRelease: 0 },
        { date: '2026-12-03', ...zero, export: 1 },
      ],
      arrivals: [
        { date: '2026-12-01', total: 0, byType: { Phish: 0, Spam: 0, TransportRule: 0 } },
        { date: '2026-12-02', total: 5, byType: { Phish: 0, Spam: 3, TransportRule: 2 } },
        { date: '2026-12-03', total: 1, byType: { Phish: 1, Spam: 0, TransportRule: 0 } },
      ],
      files: ['quarantine-activity.html', 'quarantine-actions.png'],
    }));
  });
});

describe('the totals in words', () => {
  it("says the period's counts, the system's releases, arrivals by type and what was left out", () => {
    expect(totalsInWords(smallData())).toEqual([
      'In the last 3 days, 2026-12-01 to 2026-12-03 (UTC): 12 releases (3 by the system), 4 deletions, 30 previews, 1 export, 7 header views, 2 release requests and 0 denied release requests.',
      '6 messages were quarantined: 3 Spam, 2 TransportRule and 1 Phish.',
      'Not counted above: 2 failed actions and 120 header reads by this product itself (to decide whom to notify).',
    ]);
  });
});

describe('the HTML page', () => {
  const html = reportHtml(smallData(), CHARTS);

  it('is self-contained: no scripts, nothing fetched from elsewhere, charts as files beside it', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
    // Attribute values never hold a raw double quote (it would end the attribute).
    expect(html).not.toMatch(/style="[^"]*"[^ >]/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect([...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1])).toEqual(['quarantine-actions.png', 'releases-by-account.png', 'quarantine-arrivals.png']);
  });

  it('escapes a hostile account name everywhere it appears', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;@evil.example');
    const withEverything = reportHtml(sampleReportData(), CHARTS);
    expect(withEverything).not.toContain('<img src=x');
  });

  it('shows the numbers as tables: every day, per-account releases and arrivals by type, with totals', () => {
    const table = rows(html);
    // "of which by the system" right beside releases.
    expect(table[0]).toEqual(['Day (UTC)', 'Releases', 'of which by the system', 'Deletions', 'Release requests', 'Denied requests', 'Previews', 'Exports', 'Header views', 'Failed (not counted)']);
    expect(table[1]).toEqual(['2026-12-01', '0', '0', '0', '0', '0', '0', '0', '0', '0']);
    expect(table[2]).toEqual(['2026-12-02', '12', '3', '4', '2', '0', '30', '0', '7', '2']);
    expect(table[4]).toEqual(['Total', '12', '3', '4', '2', '0', '30', '1', '7', '2']);
    expect(table.slice(5, 10)).toEqual([
      ['Account', 'Releases'],
      ['secadmin@contoso.com', '8'],
      ['System (automatic releases)', '3'],
      ['&lt;img src=x onerror=alert(1)&gt;@evil.example', '1'],
      ['Total', '12'],
    ]);
    expect(table.slice(10, 15)).toEqual([
      ['Day (UTC)', 'Total', 'Spam', 'TransportRule', 'Phish'],
      ['2026-12-01', '0', '0', '0', '0'],
      ['2026-12-02', '5', '3', '2', '0'],
      ['2026-12-03', '1', '0', '0', '1'],
      ['Total', '6', '3', '2', '1'],
    ]);
  });

  it('says when there were no releases at all, and still lists every day', () => {
    const window = reportWindow(REPORT_NOW, 7);
    const empty = reportHtml({ window, activity: window.dates.map(emptyDayActivity), arrivals: window.dates.map(emptyDayArrivals), generatedAt: REPORT_NOW }, CHARTS);
    expect(empty).toContain('No releases in this period.');
    expect(rows(empty).filter((r) => /^\d{4}-\d{2}-\d{2}$/.test(r[0]))).toHaveLength(14);
  });
});

describe('the post-delivery section', () => {
  const base = smallData();
  const dates = base.window.dates;

  it('names advanced hunting as the source and lists both series day by day', () => {
    const html = reportHtml({
      ...base,
      postDelivery: {
        source: 'advanced-hunting',
        admin: dates.map((date, i) => ({ date, covered: true, counts: { 'Soft Delete': i, 'Hard Delete': 0, 'Moved to junk folder': 0, 'Moved to inbox': 0, 'Quarantine release': 1 } })),
        location: dates.map((date) => ({ date, covered: true, counts: { Quarantine: 2, Delete: 0, Junk: 1, Inbox: 0 } })),
      },
    }, CHARTS);
    expect(html).toContain('Source: Microsoft Defender XDR advanced hunting');
    const table = rows(html);
    expect(table).toContainEqual(['Day (UTC)', 'Soft Delete', 'Hard Delete', 'Moved to junk folder', 'Moved to inbox', 'Quarantine release']);
    expect(table).toContainEqual(['2026-12-03', '2', '0', '0', '0', '1']);
    expect(table).toContainEqual(['Day (UTC)', 'Quarantine', 'Delete', 'Junk', 'Inbox']);
  });

  it('without Defender XDR names the ZAP report, says what cannot be shown and never shows an uncovered day as zero', () => {
    const html = reportHtml({
      ...base,
      postDelivery: { source: 'zap-report', why: 'Graph runHuntingQuery was refused (HTTP 403)', eventTypes: ['Phish ZAP'], zap: dates.map((date, i) => ({ date, covered: i > 0, counts: { 'Phish ZAP': i } })) },
    }, CHARTS);
    expect(html).toContain('Source: Exchange Online Get-AggregateZapReport');
    expect(html).toContain('Graph runHuntingQuery was refused (HTTP 403)');
    expect(html).toMatch(/Admin soft deletes, hard deletes, moves to junk and to the inbox after delivery, and post-delivery events by final location, come only from Microsoft Defender XDR/);
    expect(rows(html)).toContainEqual(['2026-12-01', 'no data']);
    expect(rows(html)).toContainEqual(['2026-12-02', '1']);
    expect(html).not.toMatch(/Soft Delete<\/th>/);
  });
});

describe('the email', () => {
  it('carries the same content with charts as inline cid: attachments', () => {
    const email = reportEmail(smallData(), CHARTS);
    expect(email.subject).toBe('Quarantine activity 2026-12-01 to 2026-12-03');
    expect([...email.html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1])).toEqual(['cid:quarantine-actions', 'cid:releases-by-account', 'cid:quarantine-arrivals']);
    expect(email.attachments).toEqual(CHARTS.map((c) => ({ name: c.name, contentId: c.contentId, contentType: 'image/png', bytes: c.png })));
    expect(rows(email.html)).toEqual(rows(reportHtml(smallData(), CHARTS)));
    expect(email.html).not.toContain('<img src=x');
  });
});
