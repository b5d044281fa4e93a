/**
 * The post-delivery series of the report: what happened to mail after it was delivered, per UTC day.
 *
 * Where the tenant has Microsoft Defender XDR and the app holds ThreatHunting.Read.All, the two hunting
 * queries of the project's sources run through Graph advanced hunting, and their series are drawn as
 * they are ("Post Delivery Events by Admin" and "Post Delivery Events by Location", Azure/Azure-Sentinel,
 * Hunting Queries/Microsoft 365 Defender/Email and Collaboration Queries/ZAP). Without it, the closest
 * documented source reachable with the product's own grants is Exchange's Get-AggregateZapReport (ZAP
 * actions per day, at most 10 days); the report says so, and says what it cannot show, rather than
 * drawing a look-alike of something else.
 *
 * Pure parsing and the use case behind two small ports; the adapters only translate HTTP.
 */
import type { Clock } from '../domain/clock';
import { addDays, type ReportWindow } from './days';

export const ADMIN_ACTIONS = [
  'Soft Delete',
  'Hard Delete',
  'Moved to junk folder',
  'Moved to inbox',
  'Quarantine release',
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];
export const FINAL_LOCATIONS = ['Quarantine', 'Delete', 'Junk', 'Inbox'] as const;
export type FinalLocation = (typeof FINAL_LOCATIONS)[number];

/** Get-AggregateZapReport answers at most this many days (its documentation: "up to ten days"). */
export const ZAP_REPORT_MAX_DAYS = 10;

/**
 * "Post Delivery Events by Admin": the 30 complete UTC days before today, per day, the emails with each
 * admin post-delivery action, zero-filled by a range of days joined with the counts.
 */
export const ADMIN_ACTIONS_QUERY = [
  'let gran = 1d;',
  'let minTime = startofday(ago(30d));',
  'let maxTime = startofday(now());',
  'let agg = EmailPostDeliveryEvents',
  '| where Timestamp >= minTime and Timestamp < maxTime',
  '| where ActionTrigger has "AdminAction"',
  `| summarize ${ADMIN_ACTIONS.map((a) => `["${a}"] = countif(Action has '${a}')`).join(', ')} by Timestamp = bin(Timestamp, gran);`,
  'range Timestamp from minTime to maxTime - 1d step gran',
  '| join kind=leftouter (agg) on Timestamp',
  `| project Timestamp, ${ADMIN_ACTIONS.map((a) => `["${a}"] = coalesce(["${a}"], 0)`).join(', ')}`,
  '| sort by Timestamp asc',
].join('\n');

/**
 * "Post Delivery Events by Location": per day, post-delivery events by final location, one make-series
 * per location over the same 30 days.
 */
export const LOCATIONS_QUERY = [
  'let TimeStart = startofday(ago(30d));',
  'let TimeEnd = startofday(now());',
  ...FINAL_LOCATIONS.map(
    (l) =>
      `let ${l.toLowerCase()} = EmailPostDeliveryEvents | where Timestamp >= TimeStart | where DeliveryLocation has '${l}' ` +
      `| make-series Count = count() default = 0 on Timestamp from TimeStart to TimeEnd step 1d | extend Details = "${l}";`,
  ),
  `union ${FINAL_LOCATIONS.map((l) => l.toLowerCase()).join(', ')}`,
  '| project Count, Details, Timestamp',
].join('\n');

/** One day of a series: a count per series name; `covered` false where the source holds no data for the day. */
export interface SeriesDay<K extends string> {
  date: string;
  covered: boolean;
  counts: Record<K, number>;
}

export type PostDeliveryReport =
  | {
      source: 'advanced-hunting';
      admin: SeriesDay<AdminAction>[];
      location: SeriesDay<FinalLocation>[];
    }
  | {
      source: 'zap-report';
      /** Why advanced hunting did not draw the two series. */
      why: string;
      /** ZAP actions per day by EventType; only the last ZAP_REPORT_MAX_DAYS days are covered. */
      zap: SeriesDay<string>[];
      eventTypes: string[];
    }
  | { source: 'none'; why: string };

/** Advanced hunting, through whatever carries it (Graph runHuntingQuery). */
export interface HuntingQueries {
  /** The result rows of one KQL query; throws PostDeliveryUnavailableError when it cannot be run. */
  run(query: string): Promise<Array<Record<string, unknown>>>;
}

/** Exchange's ZAP report cmdlet. */
export interface ZapReports {
  /** Get-AggregateZapReport rows from StartDate to EndDate (YYYY-MM-DD, each midnight UTC: the end day is not included). */
  aggregate(startDate: string, endDate: string): Promise<unknown[]>;
}

/** A source that cannot answer: not granted, not licensed, throttled past its retries, or refused. */
export class PostDeliveryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostDeliveryUnavailableError';
  }
}

function utcDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(value) || value.length <= 10 ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

function count(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 1e9 ? n : 0;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** Dynamic columns come as JSON arrays, or as their JSON text. */
function array(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.length < 1_000_000) {
    try {
      const parsed = JSON.parse(value) as unknown;
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** The admin query's rows on the report's days: a day the query did not return is not covered. */
export function adminSeries(rows: ReadonlyArray<Record<string, unknown>>, dates: readonly string[]): SeriesDay<AdminAction>[] {
  const byDate = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const date = utcDate(row.Timestamp);
    if (date) byDate.set(date, row);
  }
  return dates.map((date) => {
    const row = byDate.get(date);
    const counts = zeros(ADMIN_ACTIONS);
    if (row) for (const action of ADMIN_ACTIONS) counts[action] = count(row[action]);
    return { date, covered: row !== undefined, counts };
  });
}

/** The location query's make-series rows (Count[], Details, Timestamp[]) on the report's days. */
export function locationSeries(rows: ReadonlyArray<Record<string, unknown>>, dates: readonly string[]): SeriesDay<FinalLocation>[] {
  const byDate = new Map<string, Record<FinalLocation, number>>();
  for (const row of rows) {
    const location = FINAL_LOCATIONS.find((l) => l === row.Details);
    if (!location) continue;
    const counts = array(row.Count);
    array(row.Timestamp).forEach((stamp, i) => {
      const date = utcDate(stamp);
      if (!date) return;
      const day = byDate.get(date) ?? zeros(FINAL_LOCATIONS);
      day[location] = count(counts[i]);
      byDate.set(date, day);
    });
  }
  return dates.map((date) => {
    const day = byDate.get(date);
    return { date, covered: day !== undefined, counts: day ?? zeros(FINAL_LOCATIONS) };
  });
}

/** Get-AggregateZapReport rows on the report's days; days outside start..end are not covered. */
export function zapSeries(
  rows: readonly unknown[],
  dates: readonly string[],
  start: string,
  end: string,
): { zap: SeriesDay<string>[]; eventTypes: string[] } {
  const byDate = new Map<string, Record<string, number>>();
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) continue;
    const r = row as Record<string, unknown>;
    const date = utcDate(r.Date);
    const type = typeof r.EventType === 'string' ? r.EventType.trim().slice(0, 60) : '';
    if (!date || type === '' || type === '__proto__') continue;
    const day = byDate.get(date) ?? {};
    const n = count(r.ZapActionCount);
    day[type] = (Object.hasOwn(day, type) ? day[type] : 0) + n;
    byDate.set(date, day);
    totals.set(type, (totals.get(type) ?? 0) + n);
  }
  // At most 5 lines: the four largest types, the rest as one.
  const ranked = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
  const eventTypes = ranked.length <= 5 ? ranked : [...ranked.slice(0, 4), '(other types)'];
  const zap = dates.map((date) => {
    const day = byDate.get(date) ?? {};
    const counts: Record<string, number> = {};
    for (const type of eventTypes) counts[type] = 0;
    for (const [type, n] of Object.entries(day)) {
      const key = eventTypes.includes(type) ? type : '(other types)';
      counts[key] = (counts[key] ?? 0) + n;
    }
    return { date, covered: date >= start && date <= end, counts };
  });
  return { zap, eventTypes };
}

export interface PostDeliveryDeps {
  /** Absent: advanced hunting is not configured. */
  hunting?: HuntingQueries;
  zap?: ZapReports;
  log: { info(message: string): void; warn(message: string): void };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300);
}

/**
 * The post-delivery series for the report's window. The hunting queries always cover the 30 complete
 * days before the run (the window of a default report); a day of the window they do not cover is drawn
 * as "no data", never as zero.
 */
export async function loadPostDelivery(window: ReportWindow, deps: PostDeliveryDeps): Promise<PostDeliveryReport> {
  let why = 'advanced hunting is not configured';
  if (deps.hunting) {
    try {
      const [admin, location] = [await deps.hunting.run(ADMIN_ACTIONS_QUERY), await deps.hunting.run(LOCATIONS_QUERY)];
      return {
        source: 'advanced-hunting',
        admin: adminSeries(admin, window.dates),
        location: locationSeries(location, window.dates),
      };
    } catch (error) {
      // Optional series: whatever went wrong (a refusal, a sign-in failure) is said in the report, never fatal.
      why = reason(error);
      deps.log.info(`post-delivery series: advanced hunting unavailable (${reason(error)}); trying Get-AggregateZapReport`);
    }
  }
  if (!deps.zap) return { source: 'none', why };
  const end = window.to;
  const start = addDays(end, -(ZAP_REPORT_MAX_DAYS - 1));
  try {
    // EndDate is an instant: midnight after the last day, so the last complete day is in and today is not.
    const rows = await deps.zap.aggregate(start, addDays(end, 1));
    return { source: 'zap-report', why, ...zapSeries(rows, window.dates, start, end) };
  } catch (error) {
    deps.log.warn(`post-delivery series: Get-AggregateZapReport failed (${reason(error)})`);
    return { source: 'none', why: `${why}; Get-AggregateZapReport failed: ${reason(error)}` };
  }
}

/** The smallest query that proves advanced hunting and EmailPostDeliveryEvents answer. */
export const HUNTING_PROBE_QUERY = 'EmailPostDeliveryEvents | take 1 | project Timestamp';

/**
 * For a doctor line: which source the next report's post-delivery section will come from, and why
 * not the better one. One hunting call (or one cmdlet call); never throws.
 */
export async function checkPostDeliverySource(
  deps: PostDeliveryDeps,
  clock: Clock,
): Promise<{ source: PostDeliveryReport['source']; detail: string }> {
  let why = 'advanced hunting is not configured';
  if (deps.hunting) {
    try {
      await deps.hunting.run(HUNTING_PROBE_QUERY);
      return { source: 'advanced-hunting', detail: 'Graph runHuntingQuery answers (ThreatHunting.Read.All, Defender XDR data)' };
    } catch (error) {
      why = reason(error);
    }
  }
  if (deps.zap) {
    const day = clock.now().toISOString().slice(0, 10);
    try {
      await deps.zap.aggregate(addDays(day, -1), day);
      return { source: 'zap-report', detail: `Get-AggregateZapReport answers (10 days at most); advanced hunting: ${why}` };
    } catch (error) {
      why = `${why}; Get-AggregateZapReport failed: ${reason(error)}`;
    }
  }
  return { source: 'none', detail: why };
}
