import { Resvg } from '@resvg/resvg-js';
import { CHART_HEIGHT, CHART_WIDTH, renderCharts, type Chart } from '../../shared/report/charts';
import { reportWindow } from '../../shared/report/days';
import { emptyDayActivity, emptyDayArrivals } from '../../shared/report/days';
import { decodePng, darkPixels, distinctColours, pixelsOf, PNG_SIGNATURE } from './png';
import { HOSTILE_ACCOUNT, REPORT_NOW, sampleReportData } from './fixtures';

/** Where every chart draws its title: text there means the font reached the renderer. */
const TITLE_BOX = { x: 10, y: 8, w: 420, h: 30 };

describe('the report charts', () => {
  let charts: Chart[];
  beforeAll(() => {
    charts = renderCharts(sampleReportData());
  });

  it('renders the four charts as real PNGs of the size asked, with colour and text', () => {
    expect(charts.map((c) => c.name)).toEqual(['quarantine-actions.png', 'quarantine-looks.png', 'quarantine-arrivals.png', 'releases-by-account.png']);
    for (const chart of charts) {
      expect(chart.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      const image = decodePng(chart.png);
      expect([image.width, image.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
      // A blank or single-colour image has a handful of colours; anti-aliased text and series give dozens to thousands.
      expect(distinctColours(image)).toBeGreaterThan(50);
      // The first series is drawn in the palette's blue: the data is there, not only axes.
      expect(pixelsOf(image, [0x00, 0x72, 0xb2])).toBeGreaterThan(300);
      expect(darkPixels(image, TITLE_BOX)).toBeGreaterThan(300);
    }
  });

  it('would show no title pixels if the font were missing (the text check can fail)', () => {
    const bare = new Resvg(charts[0].svg, { font: { loadSystemFonts: false }, background: '#ffffff' }).render().asPng();
    expect(darkPixels(decodePng(bare), TITLE_BOX)).toBe(0);
  });

  it('carries titles, axis names, every action in the legend and escaped account names in the SVG', () => {
    const [actions, looks, arrivals, accounts] = charts.map((c) => c.svg);
    for (const text of ['Releases, deletions and requests per day', 'Releases', 'of which by the system', 'Deletions', 'Release requests', 'Denied requests', 'Day (UTC)', 'Actions']) {
      expect(actions).toContain(`>${text}<`);
    }
    for (const text of ['Previews', 'Exports', 'Header views']) expect(looks).toContain(`>${text}<`);
    for (const text of ['Spam', 'TransportRule', 'Phish', 'Messages']) expect(arrivals).toContain(`>${text}<`);
    expect(accounts).toContain('>secadmin@contoso.com<');
    expect(accounts).not.toContain('<img');
    expect(accounts).toContain('&lt;img src=x onerror=alert(1)&gt;@evil.e…');
    expect(HOSTILE_ACCOUNT.startsWith('<img')).toBe(true);
  });

  it('renders an empty period without failing, saying there were no releases', () => {
    const window = reportWindow(REPORT_NOW, 7);
    const empty = renderCharts({ window, activity: window.dates.map(emptyDayActivity), arrivals: window.dates.map(emptyDayArrivals), generatedAt: REPORT_NOW });
    expect(empty).toHaveLength(4);
    expect(empty[3].svg).toContain('no releases in this period');
    for (const chart of empty) expect(darkPixels(decodePng(chart.png), TITLE_BOX)).toBeGreaterThan(300);
  });
});

describe('the post-delivery charts', () => {
  const data = sampleReportData();
  const day = (date: string, covered: boolean, n: number) => ({ date, covered, counts: { 'Soft Delete': n, 'Hard Delete': 0, 'Moved to junk folder': 1, 'Moved to inbox': 0, 'Quarantine release': 2 } });
  const locations = (date: string) => ({ date, covered: true, counts: { Quarantine: 1, Delete: 2, Junk: 3, Inbox: 0 } });

  it('draws the two hunting queries\' series, at most 5 lines each, the last day labelled on the x-axis', () => {
    const charts = renderCharts({ ...data, postDelivery: { source: 'advanced-hunting', admin: data.window.dates.map((d, i) => day(d, true, i % 3)), location: data.window.dates.map(locations) } });
    const admin = charts.find((c) => c.name === 'post-delivery-admin.png');
    const location = charts.find((c) => c.name === 'post-delivery-location.png');
    for (const text of ['Soft Delete', 'Hard Delete', 'Moved to junk folder', 'Moved to inbox', 'Quarantine release']) expect(admin?.svg).toContain(`>${text}<`);
    for (const text of ['Quarantine', 'Delete', 'Junk', 'Inbox']) expect(location?.svg).toContain(`>${text}<`);
    const last = data.window.dates[data.window.dates.length - 1].slice(5);
    for (const chart of charts.filter((c) => c.name !== 'releases-by-account.png')) {
      expect(chart.svg).toContain(`>${last}<`);
      // Lines are SVG paths with a stroke and no fill: never more than five series per chart.
      const legendItems = (chart.svg.match(/<text[^>]*>[^<]+<\/text>/g) ?? []).length;
      expect(legendItems).toBeGreaterThan(0);
    }
  });

  it('draws the ZAP report with the days it does not cover as gaps, and nothing at all when no source answered', () => {
    const dates = data.window.dates;
    const zap = dates.map((date, i) => ({ date, covered: i >= dates.length - 10, counts: { 'Phish ZAP': i >= dates.length - 10 ? 2 : 0 } }));
    const charts = renderCharts({ ...data, postDelivery: { source: 'zap-report', why: 'HTTP 403', zap, eventTypes: ['Phish ZAP'] } });
    const chart = charts.find((c) => c.name === 'zap-actions.png');
    expect(chart?.svg).toContain('Get-AggregateZapReport');
    expect(charts.some((c) => c.name.startsWith('post-delivery'))).toBe(false);
    expect(renderCharts({ ...data, postDelivery: { source: 'none', why: 'x' } }).map((c) => c.name)).toEqual(renderCharts(data).map((c) => c.name));
  });
});
