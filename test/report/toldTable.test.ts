import { emptyDayActivity, emptyDayArrivals, emptyDayTold, reportWindow } from '../../shared/report/days';
import { toldNotice, withListingWitness } from '../../shared/report/counting';
import type { ToldNotice } from '../../shared/report/ports';
import { lastDays, reportEmail, reportHtml, totalsInWords } from '../../shared/report/renderReport';
import type { ReportData } from '../../shared/report/reportData';

/** Three days; notices handed over on days 2 and 3. */
function dataWithTold(): ReportData {
  const window = reportWindow(new Date('2026-12-03T12:00:00Z'), 3);
  const told = window.dates.map(emptyDayTold);
  told[1] = { date: told[1].date, released: { audit: 4, listing: 2, both: 1 }, held: 3, deleted: 0, expired: 0 };
  told[2] = { date: told[2].date, released: { audit: 1, listing: 0, both: 0 }, held: 0, deleted: 2, expired: 5 };
  return {
    window,
    activity: window.dates.map(emptyDayActivity),
    arrivals: window.dates.map(emptyDayArrivals),
    told,
    generatedAt: new Date('2026-12-03T12:00:00Z'),
  };
}

/** The rows of the table that follows a heading, as cell texts. */
function tableAfter(html: string, heading: string): string[][] {
  const start = html.indexOf(`>${heading}</h2>`);
  expect(start).toBeGreaterThan(0);
  const table = html.slice(start, html.indexOf('</table>', start));
  return [...table.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
    [...m[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]),
  );
}

describe('what senders were told, in the report', () => {
  it('lists each day of the window by event and release source, with totals, in the page and the email', () => {
    const expected = [
      ['Day (UTC)', 'Released: audit only', 'Released: listing only', 'Released: both', 'Held', 'Deleted', 'Expired', 'Total'],
      ['2026-12-01', '0', '0', '0', '0', '0', '0', '0'],
      ['2026-12-02', '4', '2', '1', '3', '0', '0', '10'],
      ['2026-12-03', '1', '0', '0', '0', '2', '5', '8'],
      ['Total', '5', '2', '1', '3', '2', '5', '18'],
    ];
    expect(tableAfter(reportHtml(dataWithTold(), []), 'What senders were told')).toEqual(expected);
    expect(tableAfter(reportEmail(dataWithTold(), []).html, 'What senders were told')).toEqual(expected);
  });

  it('says the totals in words (the email text part), and the last week keeps its own days', () => {
    expect(totalsInWords(dataWithTold())).toContain(
      'Senders were sent 18 notices: 8 release notices (5 seen in the audit feed only, 2 in the quarantine listing only, 1 in both), 3 hold notices, 2 deletion notices and 5 expiry notices.',
    );
    expect(totalsInWords(lastDays(dataWithTold(), 1))).toContain(
      'Senders were sent 8 notices: 1 release notice (1 seen in the audit feed only, 0 in the quarantine listing only, 0 in both), 0 hold notices, 2 deletion notices and 5 expiry notices.',
    );
  });

  it('leaves the section out when the store did not count notices', () => {
    const { told: _told, ...without } = dataWithTold();
    expect(reportHtml(without, [])).not.toContain('What senders were told');
  });
});

describe('what a handed-over notice counts as', () => {
  const facts = { networkMessageId: 'A1B2', releasedTo: 'Bob@fabrikam.example' };

  it('names the sources whose records the notice settles', () => {
    expect(toldNotice(facts, 'k', ['0f1e2d3c-aaaa'])).toEqual({ key: 'k', event: 'released', source: 'audit' });
    expect(toldNotice(facts, 'k', ['listing|a1b2|bob@fabrikam.example'])).toMatchObject({ source: 'listing' });
    expect(toldNotice(facts, 'k', ['listing|a1b2|bob@fabrikam.example', '0f1e2d3c-aaaa'])).toMatchObject({
      source: 'both',
    });
    expect(toldNotice({ ...facts, event: 'held' }, 'k', ['held|a1b2|x'])).toEqual({ key: 'k', event: 'held' });
  });

  it('counts an audit release whose listing witness this run closed as seen by both', async () => {
    const counted: ToldNotice[] = [];
    const count = withListingWitness(async (notices) => void counted.push(...notices), [facts]);
    await count(
      [
        { key: 'a1b2|bob@fabrikam.example', event: 'released', source: 'audit' },
        { key: 'a1b2|carol@fabrikam.example', event: 'released', source: 'audit' },
      ],
      new Date(),
    );
    expect(counted.map((n) => n.source)).toEqual(['both', 'audit']);
  });
});
