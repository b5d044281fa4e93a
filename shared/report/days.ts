import { ACTIVITY_KINDS, type ActivityKind, type CountedKind } from './activity';
import type { DayActivity, DayArrivals, DayTold } from './ports';

const DAY_MS = 86_400_000;
/** Days the counts are kept (the issue asks for at least 90); a report can span at most this many. */
export const RETENTION_DAYS = 90;
export const DEFAULT_REPORT_DAYS = 30;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(value: string): boolean {
  return DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return utcDay(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

/** Every date from..to inclusive; empty when to is before from. Bounded by the retention, whatever is asked. */
export function datesBetween(from: string, to: string): string[] {
  if (!isDate(from) || !isDate(to)) throw new Error(`Not a date range: ${from}..${to}`);
  const dates: string[] = [];
  for (let date = from; date <= to && dates.length < RETENTION_DAYS + 1; date = addDays(date, 1)) dates.push(date);
  return dates;
}

export interface ReportWindow {
  from: string;
  to: string;
  dates: string[];
}

/** `days` UTC days ending with today (today included), days within 1..RETENTION_DAYS. */
export function reportWindow(now: Date, days: number = DEFAULT_REPORT_DAYS): ReportWindow {
  const n = Number.isInteger(days) ? Math.min(Math.max(days, 1), RETENTION_DAYS) : DEFAULT_REPORT_DAYS;
  const to = utcDay(now);
  const from = addDays(to, -(n - 1));
  return { from, to, dates: datesBetween(from, to) };
}

export function zeroCounts(): Record<ActivityKind, number> {
  return Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, 0])) as Record<ActivityKind, number>;
}

export function emptyDayActivity(date: string): DayActivity {
  return {
    date,
    counts: zeroCounts(),
    other: 0,
    failed: { ...zeroCounts(), other: 0 } satisfies Record<CountedKind, number>,
    appHeaderReads: 0,
    systemReleases: 0,
    releasesByAccount: {},
    releasesByOtherAccounts: 0,
  };
}

export function emptyDayArrivals(date: string): DayArrivals {
  return { date, total: 0, byType: {}, byOrigin: {} };
}

export function emptyDayTold(date: string): DayTold {
  return { date, released: { audit: 0, listing: 0, both: 0 }, held: 0, deleted: 0, expired: 0 };
}
