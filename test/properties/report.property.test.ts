/**
 * Labels -> report: whatever accounts and quarantine types the activity table holds (rows stored
 * before text was cleaned at the boundary included), every chart renders and its SVG holds no
 * character an XML parser refuses; the report's HTML escapes them.
 */
import fc from 'fast-check';
import { renderCharts, type ChartFailure } from '../../shared/report/charts';
import { reportEmail } from '../../shared/report/renderReport';
import { sampleReportData } from '../report/fixtures';
import { count, hostileText, params, reportTried, RUNS } from './arbitraries';

const XML_REFUSES =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

afterAll(() => reportTried('report labels'));

describe('property: labels -> report', () => {
  it('renders every chart and a clean email whatever the labels hold', () => {
    fc.assert(
      fc.property(fc.array(hostileText(40), { minLength: 1, maxLength: 4 }), hostileText(30), (accounts, type) => {
        count();
        const data = sampleReportData();
        accounts.forEach((a, i) => (data.activity[i].releasesByAccount[a] = 40 + i));
        data.arrivals[0].byType = { ...data.arrivals[0].byType, [type]: 5 };
        const failed: ChartFailure[] = [];
        const charts = renderCharts(data, failed);
        expect(failed).toEqual([]);
        for (const chart of charts) expect(chart.svg).not.toMatch(XML_REFUSES);
        const email = reportEmail(data, charts);
        expect(email.html).not.toMatch(/<script|<img src=x/i);
      }),
      // Each input draws three PNGs (about a second): a tenth of the other properties' runs.
      params({ numRuns: Math.max(3, Math.ceil(RUNS / 10)) }),
    );
  });
});
