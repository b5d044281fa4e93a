import { ACTIVITY_KINDS, type ActivityKind } from './activity';
import { zeroCounts, type ReportWindow } from './days';
import type { DayActivity, DayArrivals, DayTold } from './ports';
import type { PostDeliveryReport } from './postDelivery';

/** Everything a report shows: one entry per day of the window in both lists (zeros included). */
export interface ReportData {
  window: ReportWindow;
  activity: DayActivity[];
  arrivals: DayArrivals[];
  generatedAt: Date;
  /** Notices handed over to senders per day (same days as `activity`); absent: the store does not count them. */
  told?: DayTold[];
  /** The post-delivery series and which source drew them; absent: not asked for (tests, old callers). */
  postDelivery?: PostDeliveryReport;
}

/** How an action reads in titles, legends and sentences (plural nouns). */
export const KIND_LABELS: Readonly<Record<ActivityKind, string>> = {
  release: 'Releases',
  delete: 'Deletions',
  preview: 'Previews',
  export: 'Exports',
  viewHeader: 'Header views',
  releaseRequest: 'Release requests',
  denyRelease: 'Denied requests',
};

export const SYSTEM_ACCOUNT_LABEL = 'System (automatic releases)';
export const OTHER_ACCOUNTS_LABEL = '(other accounts)';
export const OTHER_TYPES_LABEL = '(other types)';

export interface WindowTotals {
  counts: Record<ActivityKind, number>;
  other: number;
  failed: number;
  appHeaderReads: number;
  systemReleases: number;
  arrivals: number;
}

export function windowTotals(data: ReportData): WindowTotals {
  const totals: WindowTotals = { counts: zeroCounts(), other: 0, failed: 0, appHeaderReads: 0, systemReleases: 0, arrivals: 0 };
  for (const day of data.activity) {
    for (const kind of ACTIVITY_KINDS) totals.counts[kind] += day.counts[kind];
    totals.other += day.other;
    totals.failed += Object.values(day.failed).reduce((a, b) => a + b, 0);
    totals.appHeaderReads += day.appHeaderReads;
    totals.systemReleases += day.systemReleases;
  }
  for (const day of data.arrivals) totals.arrivals += day.total;
  return totals;
}

/** Sums a per-day map over the window; Map, not an object, so a key like "__proto__" stays plain data. */
function sumMaps(maps: ReadonlyArray<Readonly<Record<string, number>>>): Map<string, number> {
  const sum = new Map<string, number>();
  for (const map of maps) for (const [key, n] of Object.entries(map)) sum.set(key, (sum.get(key) ?? 0) + n);
  return sum;
}

/** Largest first, ties by name, so the order is stable from one report to the next. */
function ranked(map: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...map].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Releases per releasing account over the window, largest first: the system and the overflow bucket included as rows. */
export function releasesByAccount(data: ReportData): Array<[string, number]> {
  const accounts = sumMaps(data.activity.map((d) => d.releasesByAccount));
  const system = data.activity.reduce((n, d) => n + d.systemReleases, 0);
  const overflow = data.activity.reduce((n, d) => n + d.releasesByOtherAccounts, 0);
  const rows = ranked(accounts);
  if (system > 0) rows.push([SYSTEM_ACCOUNT_LABEL, system]);
  if (overflow > 0) rows.push([OTHER_ACCOUNTS_LABEL, overflow]);
  return rows.sort((a, b) => b[1] - a[1]);
}

/** The top accounts, the rest summed into one row, so a chart has at most `limit` bars. */
export function topAccounts(data: ReportData, limit = 10): Array<[string, number]> {
  const rows = releasesByAccount(data);
  if (rows.length <= limit) return rows;
  const rest = rows.slice(limit - 1).reduce((n, [, c]) => n + c, 0);
  return [...rows.slice(0, limit - 1), [OTHER_ACCOUNTS_LABEL, rest]];
}

/** Quarantine types over the window, largest first, at most `limit` (the rest as "(other types)"). */
export function arrivalTypes(data: ReportData, limit = 8): string[] {
  const types = ranked(sumMaps(data.arrivals.map((d) => d.byType))).map(([type]) => type);
  if (types.length <= limit) return types;
  return [...types.slice(0, limit - 1), OTHER_TYPES_LABEL];
}

/** One day's arrivals of `type`, where OTHER_TYPES_LABEL collects every type not in `shown`. */
export function arrivalsOfType(day: DayArrivals, type: string, shown: readonly string[]): number {
  if (type !== OTHER_TYPES_LABEL || !shown.includes(OTHER_TYPES_LABEL)) return Object.hasOwn(day.byType, type) ? day.byType[type] : 0;
  const named = new Set(shown.filter((t) => t !== OTHER_TYPES_LABEL));
  return Object.entries(day.byType).filter(([t]) => !named.has(t)).reduce((n, [, c]) => n + c, 0);
}

/** Origins over the window, largest first. */
export function arrivalOrigins(data: ReportData): Array<[string, number]> {
  return ranked(sumMaps(data.arrivals.map((d) => d.byOrigin)));
}

/** The notices handed over in the window, summed over its days. */
export function toldTotals(days: readonly DayTold[]): Omit<DayTold, 'date'> & { total: number } {
  const t = { released: { audit: 0, listing: 0, both: 0 }, held: 0, deleted: 0, expired: 0, total: 0 };
  for (const d of days) {
    t.released.audit += d.released.audit;
    t.released.listing += d.released.listing;
    t.released.both += d.released.both;
    t.held += d.held;
    t.deleted += d.deleted;
    t.expired += d.expired;
  }
  t.total = t.released.audit + t.released.listing + t.released.both + t.held + t.deleted + t.expired;
  return t;
}
