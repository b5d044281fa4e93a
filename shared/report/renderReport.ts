import { ACTIVITY_KINDS, type ActivityKind } from './activity';
import type { DayTold } from './ports';
import { ADMIN_ACTIONS, FINAL_LOCATIONS, type SeriesDay } from './postDelivery';
import {
  arrivalOrigins,
  arrivalsOfType,
  arrivalTypes,
  KIND_LABELS,
  releasesByAccount,
  toldTotals,
  windowTotals,
  type ReportData,
} from './reportData';

/**
 * The activity report as an HTML page, as an email body and as the CLI's JSON summary. Pure: charts
 * come in already rendered; every outside value (account names, quarantine types) is escaped here.
 */

export const REPORT_HTML_FILE = 'quarantine-activity.html';

/** What the page and the email need of a rendered chart. */
export interface ChartImage {
  name: string;
  contentId: string;
  title: string;
  alt: string;
  width: number;
  height: number;
  png: Buffer;
}

export interface ReportAttachment {
  name: string;
  contentId: string;
  contentType: 'image/png';
  bytes: Buffer;
}

export interface ReportEmail {
  subject: string;
  html: string;
  attachments: ReportAttachment[];
}

/** The CLI's last stdout line, in exactly the issue's shape. */
export interface ReportSummary {
  command: 'report';
  ok: true;
  from: string;
  to: string;
  days: Array<{ date: string } & Record<ActivityKind, number>>;
  arrivals: Array<{ date: string; total: number; byType: Record<string, number> }>;
  files: string[];
}

/** Accounts listed in the table; the rest are summed in one line (the chart shows the top 10). */
const MAX_ACCOUNT_ROWS = 50;
/** An account name longer than this is not a real UPN; it is cut in the table too. */
const MAX_ACCOUNT_CHARS = 120;

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

function cut(value: string, max: number): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}

const numberFormat = new Intl.NumberFormat('en-US');
function n(value: number): string {
  return numberFormat.format(value);
}

/** "1 release", "12 releases". */
function count(value: number, singular: string, plural = `${singular}s`): string {
  return `${n(value)} ${value === 1 ? singular : plural}`;
}

function listInWords(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

const KIND_WORDS: Readonly<Record<ActivityKind, [string, string]>> = {
  release: ['release', 'releases'],
  delete: ['deletion', 'deletions'],
  preview: ['preview', 'previews'],
  export: ['export', 'exports'],
  viewHeader: ['header view', 'header views'],
  releaseRequest: ['release request', 'release requests'],
  denyRelease: ['denied release request', 'denied release requests'],
};

/** The period's totals in words, one sentence per line. */
export function totalsInWords(data: ReportData): string[] {
  const t = windowTotals(data);
  const days = data.window.dates.length;
  const span = `${days === 1 ? 'On' : `In the last ${days} days,`} ${data.window.from === data.window.to ? data.window.from : `${data.window.from} to ${data.window.to}`} (UTC)`;
  const actions = ACTIVITY_KINDS.map((kind) => {
    const text = count(t.counts[kind], ...KIND_WORDS[kind]);
    return kind === 'release' && t.systemReleases > 0 ? `${text} (${n(t.systemReleases)} by the system)` : text;
  });
  const lines = [`${span}: ${listInWords(actions)}.`];
  const types = arrivalTypes(data);
  const byType = types.map((type) => `${n(data.arrivals.reduce((sum, d) => sum + arrivalsOfType(d, type, types), 0))} ${type}`);
  lines.push(`${count(t.arrivals, 'message was', 'messages were')} quarantined${byType.length > 0 ? `: ${listInWords(byType)}` : ''}.`);
  const apart: string[] = [];
  if (t.failed > 0) apart.push(count(t.failed, 'failed action'));
  if (t.other > 0) apart.push(count(t.other, 'action of an unknown type', 'actions of an unknown type'));
  if (t.appHeaderReads > 0) apart.push(`${count(t.appHeaderReads, 'header read')} by this product itself (to decide whom to notify)`);
  if (apart.length > 0) lines.push(`Not counted above: ${listInWords(apart)}.`);
  if (data.told) lines.push(toldInWords(data.told));
  return lines;
}

/** The notices handed over in words: by event, and releases by the source that saw them. */
function toldInWords(days: readonly DayTold[]): string {
  const t = toldTotals(days);
  const released = t.released.audit + t.released.listing + t.released.both;
  const sources = `${n(t.released.audit)} seen in the audit feed only, ${n(t.released.listing)} in the quarantine listing only, ${n(t.released.both)} in both`;
  const others = [count(t.held, 'hold notice'), count(t.deleted, 'deletion notice'), count(t.expired, 'expiry notice')];
  return `Senders were sent ${count(t.total, 'notice')}: ${count(released, 'release notice')} (${sources}), ${listInWords(others)}.`;
}

export function reportSummary(data: ReportData, files: readonly string[]): ReportSummary {
  // Every type of the window on every day, zeros included, so each day has the same keys.
  const types = [...new Set(data.arrivals.flatMap((d) => Object.keys(d.byType)))].sort();
  return {
    command: 'report',
    ok: true,
    from: data.window.from,
    to: data.window.to,
    days: data.activity.map((d) => ({ date: d.date, ...d.counts })),
    arrivals: data.arrivals.map((d) => ({
      date: d.date,
      total: d.total,
      byType: Object.fromEntries(types.map((type) => [type, Object.hasOwn(d.byType, type) ? d.byType[type] : 0])),
    })),
    files: [...files],
  };
}

// Inline styles only: mail clients drop <style> blocks, and the page must need nothing from outside.
const S = {
  body: "margin:0;padding:24px;background:#ffffff;color:#222222;font-family:'Segoe UI',Arial,Helvetica,sans-serif;font-size:14px;line-height:1.45;",
  h1: 'font-size:22px;margin:0 0 4px 0;',
  h2: 'font-size:17px;margin:28px 0 8px 0;',
  muted: 'color:#555555;margin:0 0 16px 0;',
  p: 'margin:4px 0;',
  // A chart keeps its natural width: on a phone its figure scrolls sideways instead of shrinking the text.
  figure: 'margin:12px 0;overflow-x:auto;max-width:100%;',
  img: 'display:block;max-width:none;border:1px solid #dddddd;',
  scroll: 'overflow-x:auto;max-width:100%;margin:8px 0 16px 0;',
  table: 'border-collapse:collapse;font-size:13px;',
  th: 'border:1px solid #cccccc;background:#f2f4f7;padding:4px 8px;text-align:right;',
  thLeft: 'border:1px solid #cccccc;background:#f2f4f7;padding:4px 8px;text-align:left;white-space:nowrap;',
  td: 'border:1px solid #dddddd;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;',
  // Dates and account names are never broken: the table scrolls sideways in its box instead.
  tdLeft: 'border:1px solid #dddddd;padding:3px 8px;text-align:left;white-space:nowrap;',
  total: 'border:1px solid #cccccc;padding:3px 8px;text-align:right;font-weight:bold;background:#fafafa;',
  totalLeft: 'border:1px solid #cccccc;padding:3px 8px;text-align:left;font-weight:bold;background:#fafafa;',
  note: 'margin:8px 0;padding:8px 12px;background:#f6f6f6;border-left:4px solid #0072B2;',
} as const;

function table(head: string[], rows: string[][], total?: string[]): string {
  const th = head.map((h, i) => `<th style="${i === 0 ? S.thLeft : S.th}">${escapeHtml(h)}</th>`).join('');
  const tr = (cells: string[], left: string, right: string): string => `<tr>${cells.map((c, i) => `<td style="${i === 0 ? left : right}">${escapeHtml(c)}</td>`).join('')}</tr>`;
  const body = rows.map((r) => tr(r, S.tdLeft, S.td)).join('\n');
  const foot = total ? `\n${tr(total, S.totalLeft, S.total)}` : '';
  return `<div style="${S.scroll}"><table style="${S.table}"><thead><tr>${th}</tr></thead><tbody>\n${body}${foot}\n</tbody></table></div>`;
}

/** Columns in reading order: releases, and beside them how many of those the system did. */
const TABLE_KINDS: readonly ActivityKind[] = ['release', 'delete', 'releaseRequest', 'denyRelease', 'preview', 'export', 'viewHeader'];

function actionsTable(data: ReportData): string {
  const head = ['Day (UTC)', KIND_LABELS.release, 'of which by the system', ...TABLE_KINDS.slice(1).map((k) => KIND_LABELS[k]), 'Failed (not counted)'];
  const row = (d: (typeof data.activity)[number]): string[] => [
    d.date,
    n(d.counts.release),
    n(d.systemReleases),
    ...TABLE_KINDS.slice(1).map((k) => n(d.counts[k])),
    n(Object.values(d.failed).reduce((a, b) => a + b, 0)),
  ];
  const t = windowTotals(data);
  return table(head, data.activity.map(row), ['Total', n(t.counts.release), n(t.systemReleases), ...TABLE_KINDS.slice(1).map((k) => n(t.counts[k])), n(t.failed)]);
}

/** Why the Defender XDR series are not drawn, in words an admin can act on. */
const WITHOUT_XDR =
  'Admin soft deletes, hard deletes, moves to junk and to the inbox after delivery, and post-delivery events by final location, ' +
  'come only from Microsoft Defender XDR advanced hunting (EmailPostDeliveryEvents; Graph permission ThreatHunting.Read.All). ' +
  'They are not shown: no other documented source counts them. Quarantine releases per day are in the first chart, from the quarantine audit records.';

function seriesTable<K extends string>(days: ReadonlyArray<SeriesDay<K>>, keys: readonly K[]): string {
  const rows = days.map((d) => [d.date, ...keys.map((k) => (d.covered ? n(d.counts[k]) : 'no data'))]);
  const total = ['Total', ...keys.map((k) => n(days.reduce((sum, d) => sum + (d.covered ? d.counts[k] : 0), 0)))];
  return table(['Day (UTC)', ...keys], rows, total);
}

/** The post-delivery section: which source drew it, its charts and tables, and what it cannot show. */
function postDeliverySection(data: ReportData, image: (name: string) => string): string[] {
  const p = data.postDelivery;
  if (!p) return [];
  const head = `<h2 style="${S.h2}">After delivery</h2>`;
  if (p.source === 'advanced-hunting') {
    return [
      head,
      `<p style="${S.note}">${escapeHtml('Source: Microsoft Defender XDR advanced hunting (Graph runHuntingQuery), the hunting queries "Post Delivery Events by Admin" and "Post Delivery Events by Location" over EmailPostDeliveryEvents, 30 complete UTC days.')}</p>`,
      image('post-delivery-admin'),
      seriesTable(p.admin, ADMIN_ACTIONS),
      image('post-delivery-location'),
      seriesTable(p.location, FINAL_LOCATIONS),
    ];
  }
  const why = `Advanced hunting could not be used: ${cut(p.why, 300)}.`;
  if (p.source === 'zap-report') {
    const covered = p.zap.filter((d) => d.covered);
    return [
      head,
      `<p style="${S.note}">${escapeHtml(`Source: Exchange Online Get-AggregateZapReport (zero-hour auto purge actions per day and type). It answers at most 10 days, so only ${covered[0]?.date ?? '-'} to ${covered[covered.length - 1]?.date ?? '-'} are shown. ${why}`)}</p>`,
      `<p style="${S.p}">${escapeHtml(WITHOUT_XDR)}</p>`,
      image('zap-actions'),
      seriesTable(p.zap, p.eventTypes),
    ];
  }
  return [head, `<p style="${S.note}">${escapeHtml(`No post-delivery source answered. ${why}`)}</p>`, `<p style="${S.p}">${escapeHtml(WITHOUT_XDR)}</p>`];
}

function accountsTable(data: ReportData): string {
  const rows = releasesByAccount(data);
  if (rows.length === 0) return `<p style="${S.p}">No releases in this period.</p>`;
  const shown = rows.slice(0, MAX_ACCOUNT_ROWS).map(([account, c]) => [cut(account, MAX_ACCOUNT_CHARS), n(c)]);
  const rest = rows.slice(MAX_ACCOUNT_ROWS);
  if (rest.length > 0) shown.push([`${count(rest.length, 'more account')}`, n(rest.reduce((s, [, c]) => s + c, 0))]);
  return table(['Account', 'Releases'], shown, ['Total', n(rows.reduce((s, [, c]) => s + c, 0))]);
}

function arrivalsTable(data: ReportData): string {
  const types = arrivalTypes(data);
  const head = ['Day (UTC)', 'Total', ...types];
  const rows = data.arrivals.map((d) => [d.date, n(d.total), ...types.map((type) => n(arrivalsOfType(d, type, types)))]);
  const total = ['Total', n(data.arrivals.reduce((s, d) => s + d.total, 0)), ...types.map((type) => n(data.arrivals.reduce((s, d) => s + arrivalsOfType(d, type, types), 0)))];
  return table(head, rows, total);
}

function originsTable(data: ReportData): string {
  const origins = arrivalOrigins(data);
  if (origins.length === 0) return '';
  return `<h2 style="${S.h2}">Where quarantined messages came from (where known)</h2>\n${table(['Origin', 'Messages'], origins.map(([o, c]) => [cut(o, MAX_ACCOUNT_CHARS), n(c)]))}`;
}

function toldSection(data: ReportData): string[] {
  if (!data.told) return [];
  const row = (d: DayTold): string[] => {
    const total = d.released.audit + d.released.listing + d.released.both + d.held + d.deleted + d.expired;
    return [d.date, n(d.released.audit), n(d.released.listing), n(d.released.both), n(d.held), n(d.deleted), n(d.expired), n(total)];
  };
  const t = toldTotals(data.told);
  return [
    `<h2 style="${S.h2}">What senders were told</h2>`,
    `<p style="${S.p}">Notices handed to the sending queue, one per message, recipient and event, on the UTC day detection handed them over. A release notice counts under the sources whose records it settled: the audit feed, the quarantine listing, or both (a source that saw the release only after the notice went out is not counted).</p>`,
    table(
      ['Day (UTC)', 'Released: audit only', 'Released: listing only', 'Released: both', 'Held', 'Deleted', 'Expired', 'Total'],
      data.told.map(row),
      ['Total', n(t.released.audit), n(t.released.listing), n(t.released.both), n(t.held), n(t.deleted), n(t.expired), n(t.total)],
    ),
  ];
}

/** The last `days` days of a report (the week inside the weekly email's 30 days). */
export function lastDays(data: ReportData, days: number): ReportData {
  const n = Math.max(1, Math.min(Math.floor(days), data.window.dates.length));
  const dates = data.window.dates.slice(-n);
  return {
    window: { from: dates[0], to: dates[dates.length - 1], dates },
    activity: data.activity.slice(-n),
    arrivals: data.arrivals.slice(-n),
    generatedAt: data.generatedAt,
    ...(data.told ? { told: data.told.slice(-n) } : {}),
  };
}

/** The report's content; `src` says how an image is referenced (a file beside the page, or cid: in an email); `lead` comes first (the week's totals). */
function reportBody(data: ReportData, charts: readonly ChartImage[], src: (chart: ChartImage) => string, lead: string[] = []): string {
  const image = (chart: ChartImage | undefined): string =>
    chart
      ? `<div style="${S.figure}"><img src="${escapeHtml(src(chart))}" width="${chart.width}" height="${chart.height}" alt="${escapeHtml(chart.alt)}" style="${S.img}"></div>`
      : '';
  const byName = (prefix: string): ChartImage | undefined => charts.find((c) => c.contentId === prefix);
  return [
    `<h1 style="${S.h1}">Quarantine activity</h1>`,
    `<p style="${S.muted}">${escapeHtml(`${data.window.from} to ${data.window.to} (UTC), ${count(data.window.dates.length, 'day')}. Generated ${data.generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}.`)}</p>`,
    ...lead,
    ...totalsInWords(data).map((line) => `<p style="${S.p}">${escapeHtml(line)}</p>`),
    `<h2 style="${S.h2}">Actions on quarantined messages</h2>`,
    image(byName('quarantine-actions')),
    image(byName('quarantine-looks')),
    `<p style="${S.p}">Each quarantine audit record is counted once, on the UTC day it was recorded. Header views leave out the product's own header reads; failed actions are listed apart.</p>`,
    actionsTable(data),
    `<h2 style="${S.h2}">Releases per account</h2>`,
    image(byName('releases-by-account')),
    accountsTable(data),
    `<h2 style="${S.h2}">Messages quarantined</h2>`,
    image(byName('quarantine-arrivals')),
    `<p style="${S.p}">One per recipient copy, on the UTC day it was received, from the product's snapshot of the quarantine.</p>`,
    arrivalsTable(data),
    originsTable(data),
    ...toldSection(data),
    ...postDeliverySection(data, (name) => image(byName(name))),
  ].filter((part) => part !== '').join('\n');
}

function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Defence in depth: the page never runs a script, whatever got into it.
    `<meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="${S.body}">`,
    body,
    '</body></html>',
    '',
  ].join('\n');
}

export function reportTitle(data: ReportData): string {
  return `Quarantine activity ${data.window.from} to ${data.window.to}`;
}

/** The page written as quarantine-activity.html, its charts as PNG files beside it. */
export function reportHtml(data: ReportData, charts: readonly ChartImage[]): string {
  return page(reportTitle(data), reportBody(data, charts, (c) => c.name));
}

/**
 * The weekly email: the same content, charts as inline attachments referenced by cid:. With
 * `recentDays`, the last that many days' totals in words come first (the week in a 30-day report).
 */
export function reportEmail(data: ReportData, charts: readonly ChartImage[], options: { recentDays?: number } = {}): ReportEmail {
  const lead: string[] = [];
  if (options.recentDays !== undefined && options.recentDays < data.window.dates.length) {
    lead.push(`<h2 style="${S.h2}">${escapeHtml(`The last ${count(options.recentDays, 'day')}`)}</h2>`);
    lead.push(...totalsInWords(lastDays(data, options.recentDays)).map((line) => `<p style="${S.p}">${escapeHtml(line)}</p>`));
    lead.push(`<h2 style="${S.h2}">${escapeHtml(`The last ${count(data.window.dates.length, 'day')}`)}</h2>`);
  }
  return {
    subject: reportTitle(data),
    html: page(reportTitle(data), reportBody(data, charts, (c) => `cid:${c.contentId}`, lead)),
    attachments: charts.map((c) => ({ name: c.name, contentId: c.contentId, contentType: 'image/png', bytes: c.png })),
  };
}
