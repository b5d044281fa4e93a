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

  it('renders the three charts as real PNGs of the size asked, with colour and text', () => {
    expect(charts.map((c) => c.name)).toEqual(['quarantine-actions.png', 'quarantine-arrivals.png', 'releases-by-account.png']);
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
    const [actions, arrivals, accounts] = charts.map((c) => c.svg);
    for (const text of ['Quarantine actions per day', 'Releases', 'Deletions', 'Previews', 'Exports', 'Header views', 'Release requests', 'Denied requests', 'Day (UTC)', 'Actions']) {
      expect(actions).toContain(`>${text}<`);
    }
    for (const text of ['Spam', 'TransportRule', 'Phish', 'Messages']) expect(arrivals).toContain(`>${text}<`);
    expect(accounts).toContain('>secadmin@contoso.com<');
    expect(accounts).not.toContain('<img');
    expect(accounts).toContain('&lt;img src=x onerror=alert(1)&gt;@evil.e…');
    expect(HOSTILE_ACCOUNT.startsWith('<img')).toBe(true);
  });

  it('renders an empty period without failing, saying there were no releases', () => {
    const window = reportWindow(REPORT_NOW, 7);
    const empty = renderCharts({ window, activity: window.dates.map(emptyDayActivity), arrivals: window.dates.map(emptyDayArrivals), generatedAt: REPORT_NOW });
    expect(empty).toHaveLength(3);
    expect(empty[2].svg).toContain('no releases in this period');
    for (const chart of empty) expect(darkPixels(decodePng(chart.png), TITLE_BOX)).toBeGreaterThan(300);
  });
});
