import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { cleanText } from '../text/clean';
import type { ActivityKind } from './activity';
import { ADMIN_ACTIONS, FINAL_LOCATIONS, type SeriesDay } from './postDelivery';
import { arrivalsOfType, arrivalTypes, KIND_LABELS, SYSTEM_ACCOUNT_LABEL, topAccounts, type ReportData } from './reportData';

/**
 * The report's charts, drawn on the server: echarts renders SVG (no DOM, no browser), resvg turns it
 * into PNG with a font shipped in an npm package (without one, resvg silently drops every label).
 */
export interface Chart {
  /** File name beside the HTML page. */
  name: string;
  /** Content-ID of the inline attachment in the email (`cid:<contentId>`). */
  contentId: string;
  title: string;
  /** Text alternative for the image. */
  alt: string;
  width: number;
  height: number;
  svg: string;
  png: Buffer;
}

/**
 * Natural size: the page shows a chart at this width in a figure that scrolls sideways on a phone,
 * never shrunk until its labels are unreadable.
 */
export const CHART_WIDTH = 760;
export const CHART_HEIGHT = 400;
/** More lines than this and nobody tells them apart: a chart draws at most this many series. */
export const MAX_SERIES = 5;
const FONT_FAMILY = 'DejaVu Sans';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));
/** Account names are outside input: long ones are cut so the bars keep their room. */
const MAX_AXIS_LABEL_CHARS = 36;

/** Distinct and readable for the common colour-vision deficiencies (Okabe-Ito; yellow last: it is faint on white). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999', '#F0E442'];

const TEXT = { fontFamily: FONT_FAMILY, color: '#222222' };

/** Labels are cleaned again here: rows stored before text was cleaned at the boundary stay 30 days. */
function cut(value: string, max: number): string {
  const chars = [...cleanText(value)];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

function shortDate(date: string): string {
  return date.slice(5);
}

function renderSvg(option: echarts.EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', color: PALETTE, textStyle: TEXT, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export function svgToPng(svg: string, width: number): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}

function chart(name: string, title: string, alt: string, option: echarts.EChartsOption, height = CHART_HEIGHT): Chart {
  const svg = renderSvg(option, CHART_WIDTH, height);
  return { name: `${name}.png`, contentId: name, title, alt, width: CHART_WIDTH, height, svg, png: svgToPng(svg, CHART_WIDTH) };
}

function period(data: ReportData): string {
  return `${data.window.from} to ${data.window.to} (UTC)`;
}

const titleOption = (text: string, subtext: string): echarts.EChartsOption['title'] => ({
  text,
  subtext,
  left: 16,
  top: 10,
  textStyle: { fontFamily: FONT_FAMILY, fontSize: 17, fontWeight: 'bold', color: '#222222' },
  subtextStyle: { fontFamily: FONT_FAMILY, fontSize: 12, color: '#555555' },
});

/** Every 7th day labelled, counted back from the last, so the last day always carries its date. */
const dateAxis = (data: ReportData): echarts.EChartsOption['xAxis'] => {
  const last = data.window.dates.length - 1;
  const step = data.window.dates.length > 10 ? 7 : 1;
  return {
    type: 'category',
    data: data.window.dates.map(shortDate),
    name: 'Day (UTC)',
    nameLocation: 'middle',
    nameGap: 30,
    axisLabel: { fontSize: 12, interval: (index: number) => (last - index) % step === 0 },
    axisTick: { alignWithLabel: true, interval: (index: number) => (last - index) % step === 0 },
  };
};

const countAxis = (name: string): echarts.EChartsOption['yAxis'] => ({
  type: 'value',
  name,
  nameLocation: 'middle',
  nameGap: 44,
  minInterval: 1,
  axisLabel: { fontSize: 12 },
  splitLine: { lineStyle: { color: '#e4e4e4' } },
});

const legend = (names: string[]): echarts.EChartsOption['legend'] => ({
  data: names,
  top: 58,
  left: 16,
  right: 16,
  itemGap: 14,
  textStyle: { fontFamily: FONT_FAMILY, fontSize: 12 },
});

const GRID = { left: 70, right: 30, top: 110, bottom: 50 };

/** One line per series, at most MAX_SERIES; a day the source does not cover is a gap, not a zero. */
function lines(names: readonly string[], values: (name: string) => Array<number | null>): echarts.SeriesOption[] {
  return names.slice(0, MAX_SERIES).map((name) => ({
    type: 'line',
    name,
    data: values(name),
    connectNulls: false,
    symbol: 'circle',
    symbolSize: 5,
    lineStyle: { width: 2 },
  }));
}

function lineChart(
  name: string,
  title: string,
  subtitle: string,
  yName: string,
  data: ReportData,
  names: readonly string[],
  values: (name: string) => Array<number | null>,
): Chart {
  return chart(name, title, `Line chart: ${title.toLowerCase()}, ${period(data)}`, {
    title: titleOption(title, subtitle),
    legend: legend(names.slice(0, MAX_SERIES).map((n) => cut(n, 30))),
    grid: GRID,
    xAxis: dateAxis(data),
    yAxis: countAxis(yName),
    series: lines(names, values),
  });
}

const RELEASE_KINDS: readonly ActivityKind[] = ['release', 'delete', 'releaseRequest', 'denyRelease'];
const LOOK_KINDS: readonly ActivityKind[] = ['preview', 'export', 'viewHeader'];
const BY_SYSTEM = 'of which by the system';

/** (a) Releases (and those by the system), deletions and release requests per day. */
export function actionsChart(data: ReportData): Chart {
  const names = [KIND_LABELS.release, BY_SYSTEM, ...RELEASE_KINDS.slice(1).map((k) => KIND_LABELS[k])];
  return lineChart(
    'quarantine-actions',
    'Releases, deletions and requests per day',
    `${period(data)}; quarantine audit records, successful actions`,
    'Actions',
    data,
    names,
    (name) =>
      name === BY_SYSTEM
        ? data.activity.map((d) => d.systemReleases)
        : data.activity.map((d) => d.counts[RELEASE_KINDS.find((k) => KIND_LABELS[k] === name) ?? 'release']),
  );
}

/** (a2) Looks at quarantined messages: previews, exports, header views per day. */
export function looksChart(data: ReportData): Chart {
  return lineChart(
    'quarantine-looks',
    'Previews, exports and header views per day',
    `${period(data)}; this product's own header reads not included`,
    'Actions',
    data,
    LOOK_KINDS.map((k) => KIND_LABELS[k]),
    (name) => data.activity.map((d) => d.counts[LOOK_KINDS.find((k) => KIND_LABELS[k] === name) ?? 'preview']),
  );
}

function seriesValues<K extends string>(days: ReadonlyArray<SeriesDay<K>>, key: K): Array<number | null> {
  return days.map((d) => (d.covered ? d.counts[key] : null));
}

/** (d) The post-delivery charts of whichever source drew them; none when no source could. */
export function postDeliveryCharts(data: ReportData): Chart[] {
  const p = data.postDelivery;
  if (!p || p.source === 'none') return [];
  if (p.source === 'zap-report') {
    return [
      lineChart(
        'zap-actions',
        'ZAP actions per day, by type',
        `Exchange Get-AggregateZapReport: the last ${p.zap.filter((d) => d.covered).length} days only; earlier days not available`,
        'ZAP actions',
        data,
        p.eventTypes,
        (type) => seriesValues(p.zap, type),
      ),
    ];
  }
  return [
    lineChart(
      'post-delivery-admin',
      'Post-delivery admin actions per day',
      `${period(data)}; advanced hunting, EmailPostDeliveryEvents (Post Delivery Events by Admin)`,
      'Emails',
      data,
      ADMIN_ACTIONS,
      (action) => seriesValues(p.admin, action as (typeof ADMIN_ACTIONS)[number]),
    ),
    lineChart(
      'post-delivery-location',
      'Post-delivery events per day, by final location',
      `${period(data)}; advanced hunting, EmailPostDeliveryEvents (Post Delivery Events by Location)`,
      'Events',
      data,
      FINAL_LOCATIONS,
      (location) => seriesValues(p.location, location as (typeof FINAL_LOCATIONS)[number]),
    ),
  ];
}

/** (b) Quarantine arrivals per day, stacked by quarantine type. */
export function arrivalsChart(data: ReportData): Chart {
  const types = arrivalTypes(data, MAX_SERIES);
  const shown = types.length > 0 ? types : ['(none)'];
  return chart('quarantine-arrivals', 'Messages quarantined per day, by type', `Stacked bar chart of messages quarantined per day by quarantine type, ${period(data)}`, {
    title: titleOption('Messages quarantined per day, by type', `${period(data)}; one per recipient copy`),
    legend: legend(shown.map((t) => cut(t, 30))),
    grid: GRID,
    xAxis: dateAxis(data),
    yAxis: countAxis('Messages'),
    series: shown.map((type) => ({
      type: 'bar',
      name: cut(type, 30),
      stack: 'arrivals',
      barMaxWidth: 28,
      data: data.arrivals.map((d) => arrivalsOfType(d, type, types)),
    })),
  });
}

/** (c) Releases per releasing account, the top 10 over the window. */
export function accountsChart(data: ReportData): Chart {
  const rows = topAccounts(data, 10);
  // Largest at the top: echarts draws category axes bottom-up.
  const bars = [...rows].reverse();
  const empty = bars.length === 0;
  return chart('releases-by-account', 'Releases per account (top 10)', `Bar chart of quarantine releases per releasing account, ${period(data)}`, {
    title: titleOption('Releases per account (top 10)', empty ? `${period(data)}; no releases in this period` : `${period(data)}; successful releases`),
    grid: { left: 290, right: 60, top: 80, bottom: 50 },
    xAxis: { type: 'value', name: 'Releases', nameLocation: 'middle', nameGap: 30, minInterval: 1, axisLabel: { fontSize: 11 }, splitLine: { lineStyle: { color: '#e4e4e4' } } },
    yAxis: {
      type: 'category',
      data: empty ? ['(none)'] : bars.map(([account]) => cut(account, MAX_AXIS_LABEL_CHARS)),
      axisLabel: { fontSize: 12, width: 270, overflow: 'truncate' },
    },
    series: [{
      type: 'bar',
      name: 'Releases',
      barMaxWidth: 26,
      label: { show: true, position: 'right', fontFamily: FONT_FAMILY, fontSize: 12 },
      data: empty ? [0] : bars.map(([account, n]) => ({ value: n, itemStyle: { color: account === SYSTEM_ACCOUNT_LABEL ? PALETTE[1] : PALETTE[0] } })),
    }],
  });
}

/**
 * Every chart of the report, the one place they are drawn. One that fails (a label the SVG parser
 * refuses, a font problem) is left out with its reason in `failed`, and the report shows that section
 * as its table only.
 */
export function renderCharts(data: ReportData, failed: ChartFailure[] = []): Chart[] {
  const makers: Array<[string, (d: ReportData) => Chart[]]> = [
    ['quarantine-actions', (d) => [actionsChart(d)]],
    ['quarantine-looks', (d) => [looksChart(d)]],
    ['quarantine-arrivals', (d) => [arrivalsChart(d)]],
    ['releases-by-account', (d) => [accountsChart(d)]],
    ['post-delivery', postDeliveryCharts],
  ];
  const charts: Chart[] = [];
  for (const [name, make] of makers) {
    try {
      charts.push(...make(data));
    } catch (error) {
      failed.push({ chart: name, reason: error instanceof Error ? error.message.slice(0, 200) : 'chart failed' });
    }
  }
  return charts;
}

export interface ChartFailure {
  chart: string;
  reason: string;
}
