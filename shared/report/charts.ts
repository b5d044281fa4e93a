import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { ACTIVITY_KINDS } from './activity';
import { cleanText } from '../text/clean';
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

export const CHART_WIDTH = 900;
export const CHART_HEIGHT = 420;
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

const dateAxis = (data: ReportData): echarts.EChartsOption['xAxis'] => ({
  type: 'category',
  data: data.window.dates.map(shortDate),
  name: 'Day (UTC)',
  nameLocation: 'middle',
  nameGap: 30,
  axisLabel: { fontSize: 11, hideOverlap: true },
  axisTick: { alignWithLabel: true },
});

const countAxis = (name: string): echarts.EChartsOption['yAxis'] => ({
  type: 'value',
  name,
  nameLocation: 'middle',
  nameGap: 44,
  minInterval: 1,
  axisLabel: { fontSize: 11 },
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

/** (a) Each quarantine action per day, like a timechart. */
export function actionsChart(data: ReportData): Chart {
  const names = ACTIVITY_KINDS.map((k) => KIND_LABELS[k]);
  return chart('quarantine-actions', 'Quarantine actions per day', `Line chart of quarantine actions per day, ${period(data)}`, {
    title: titleOption('Quarantine actions per day', `${period(data)}; successful actions; this product's own header reads not included`),
    legend: legend(names),
    grid: GRID,
    xAxis: dateAxis(data),
    yAxis: countAxis('Actions'),
    series: ACTIVITY_KINDS.map((kind) => ({
      type: 'line',
      name: KIND_LABELS[kind],
      data: data.activity.map((d) => d.counts[kind]),
      symbol: 'circle',
      symbolSize: 5,
      lineStyle: { width: 2 },
    })),
  });
}

/** (b) Quarantine arrivals per day, stacked by quarantine type. */
export function arrivalsChart(data: ReportData): Chart {
  const types = arrivalTypes(data);
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
 * Every chart that renders; one that fails (a label the SVG parser refuses, a font problem) is left
 * out with its reason in `failed`, and the report shows that section as its table only.
 */
export function renderCharts(data: ReportData, failed: ChartFailure[] = []): Chart[] {
  const charts: Chart[] = [];
  for (const [name, make] of [['quarantine-actions', actionsChart], ['quarantine-arrivals', arrivalsChart], ['releases-by-account', accountsChart]] as const) {
    try {
      charts.push(make(data));
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
