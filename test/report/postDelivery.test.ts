import { reportWindow } from '../../shared/report/days';
import {
  adminSeries,
  ADMIN_ACTIONS_QUERY,
  loadPostDelivery,
  locationSeries,
  LOCATIONS_QUERY,
  PostDeliveryUnavailableError,
  zapSeries,
} from '../../shared/report/postDelivery';

const window = reportWindow(new Date('2026-12-03T00:00:00Z'), 30);
const log = { info: (): void => undefined, warn: (): void => undefined };

describe('the post-delivery series, parsed', () => {
  it('puts each admin-query row on its day, and a day the query did not return is not covered (never a zero)', () => {
    const days = adminSeries(
      [
        { Timestamp: '2026-12-03T00:00:00Z', 'Soft Delete': 3, 'Quarantine release': '2' },
        { Timestamp: '2026-11-04T00:00:00.0000000Z', 'Hard Delete': 1 },
        { Timestamp: 'not a date', 'Soft Delete': 99 },
        { Timestamp: '2026-11-20T00:00:00Z', 'Soft Delete': -5, 'Moved to inbox': 1e12 },
      ],
      window.dates,
    );
    expect(days).toHaveLength(30);
    expect(days[29]).toEqual({ date: '2026-12-03', covered: true, counts: { 'Soft Delete': 3, 'Hard Delete': 0, 'Moved to junk folder': 0, 'Moved to inbox': 0, 'Quarantine release': 2 } });
    expect(days[0].counts['Hard Delete']).toBe(1);
    expect(days.find((d) => d.date === '2026-11-20')?.counts).toMatchObject({ 'Soft Delete': 0, 'Moved to inbox': 0 });
    expect(days.find((d) => d.date === '2026-11-10')?.covered).toBe(false);
  });

  it('reads make-series rows (arrays, or their JSON text) per location', () => {
    const days = locationSeries(
      [
        { Count: [1, 2], Details: 'Quarantine', Timestamp: ['2026-12-02T00:00:00Z', '2026-12-03T00:00:00Z'] },
        { Count: '[4]', Details: 'Junk', Timestamp: '["2026-12-03T00:00:00Z"]' },
        { Count: [7], Details: '__proto__', Timestamp: ['2026-12-03T00:00:00Z'] },
      ],
      window.dates,
    );
    expect(days[29].counts).toEqual({ Quarantine: 2, Delete: 0, Junk: 4, Inbox: 0 });
    expect(days[28].counts.Quarantine).toBe(1);
  });

  it('keeps at most 5 ZAP types and marks days outside the cmdlet\'s answer as not covered', () => {
    const rows = ['A', 'B', 'C', 'D', 'E', 'F'].map((t, i) => ({ Date: '2026-12-03T00:00:00', EventType: t, ZapActionCount: 10 - i }));
    const { zap, eventTypes } = zapSeries([...rows, 'junk', null, { Date: '2026-12-03', EventType: '__proto__', ZapActionCount: 1 }], window.dates, '2026-11-24', '2026-12-03');
    expect(eventTypes).toEqual(['A', 'B', 'C', 'D', '(other types)']);
    expect(zap[29].counts).toEqual({ A: 10, B: 9, C: 8, D: 7, '(other types)': 11 });
    expect(zap.filter((d) => d.covered)).toHaveLength(10);
  });

  it('asks the two hunting queries, and falls back to the ZAP report with the reason when hunting is refused', async () => {
    const asked: string[] = [];
    const ok = await loadPostDelivery(window, {
      hunting: { run: async (q) => (asked.push(q), []) },
      log,
    });
    expect(ok.source).toBe('advanced-hunting');
    expect(asked).toEqual([ADMIN_ACTIONS_QUERY, LOCATIONS_QUERY]);
    expect(ADMIN_ACTIONS_QUERY).toMatch(/startofday\(ago\(30d\)\)[\s\S]*startofday\(now\(\)\)[\s\S]*ActionTrigger has "AdminAction"/);
    const zapAsked: string[][] = [];
    const fallback = await loadPostDelivery(window, {
      hunting: { run: async () => { throw new PostDeliveryUnavailableError('refused (HTTP 403)'); } },
      zap: { aggregate: async (start, end) => (zapAsked.push([start, end]), []) },
      log,
    });
    expect(fallback).toMatchObject({ source: 'zap-report', why: 'refused (HTTP 403)' });
    // Ten complete days: EndDate is midnight after the last one.
    expect(zapAsked).toEqual([['2026-11-24', '2026-12-04']]);
    const none = await loadPostDelivery(window, {
      hunting: { run: async () => { throw new Error('sign-in failed'); } },
      zap: { aggregate: async () => { throw new Error('HTTP 403'); } },
      log,
    });
    expect(none).toEqual({ source: 'none', why: 'sign-in failed; Get-AggregateZapReport failed: HTTP 403' });
  });
});

describe('the doctor check of the post-delivery source', () => {
  it('names the source the next report will use and why not the better one', async () => {
    const { checkPostDeliverySource } = await import('../../shared/report/postDelivery');
    const clock = { now: () => new Date('2026-11-24T12:00:00Z') };
    expect((await checkPostDeliverySource({ hunting: { run: async () => [] }, log }, clock)).source).toBe(
      'advanced-hunting',
    );
    const asked: [string, string][] = [];
    const zap = await checkPostDeliverySource(
      {
        hunting: { run: async () => Promise.reject(new PostDeliveryUnavailableError('refused (HTTP 403)')) },
        zap: {
          aggregate: async (start, end) => {
            asked.push([start, end]);
            return [];
          },
        },
        log,
      },
      clock,
    );
    expect(zap).toEqual({ source: 'zap-report', detail: 'Get-AggregateZapReport answers (10 days at most); advanced hunting: refused (HTTP 403)' });
    // The probe asks for the day before the clock's day: one cheap call.
    expect(asked).toEqual([['2026-11-23', '2026-11-24']]);
    expect((await checkPostDeliverySource({ log }, clock)).source).toBe('none');
  });
});
