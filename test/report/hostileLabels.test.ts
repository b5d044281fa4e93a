import { renderCharts, type ChartFailure } from '../../shared/report/charts';
import { sampleReportData } from './fixtures';

describe('report charts with hostile labels', () => {
  it.each([
    ['U+0001 in a UserId', 'adm\u0001in@contoso.com'],
    ['U+000B in a UserId', 'adm\u000bin@contoso.com'],
    ['U+FFFE in a UserId', 'adm\ufffein@contoso.com'],
    ['a lone surrogate', 'adm\ud800in@contoso.com'],
  ])('draws every chart it draws for clean data when an account holds %s (stored before cleaning)', (_name, account) => {
    const data = sampleReportData();
    data.activity[0].releasesByAccount[account] = 50;
    data.arrivals[0].byType = { ...data.arrivals[0].byType, 'Transport\uffffRule': 3 };
    const failed: ChartFailure[] = [];
    const charts = renderCharts(data, failed);
    expect(failed).toEqual([]);
    expect(charts.map((c) => c.name)).toEqual(renderCharts(sampleReportData()).map((c) => c.name));
    for (const chart of charts) expect(chart.svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
  });
});
