import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { ACTIVITY_KINDS, type QuarantineActivity } from '../report/activity';
import {
  addDays,
  datesBetween,
  emptyDayActivity,
  emptyDayArrivals,
  emptyDayTold,
  isDate,
  RETENTION_DAYS,
  utcDay,
} from '../report/days';
import type {
  ActivityStore,
  CountOutcome,
  DayActivity,
  DayArrivals,
  DayTold,
  QuarantineArrival,
  ToldNotice,
} from '../report/ports';
import { statusOf } from '../log/errors';
import { forEachLimited, tableKey } from './tables';

/**
 * The activity report's counts in Table Storage.
 *
 * One partition per UTC day holds a marker row per counted item (`r|<record Id>`, `a|<NetworkMessageId>|<copy>`,
 * `t|<ledger key>`) and that day's aggregate rows (`!activity`, `!arrivals`, `!told`). Markers and the aggregate they add to are
 * written in ONE entity group transaction (same partition), the aggregate under its ETag: either both
 * land or neither, so a crash between any two calls, a duplicate record or a re-read blob never
 * changes a count. A report reads three aggregate rows per day by key, whatever the day's volume.
 */
export const ACTIVITY_TABLE = 'QuarantineActivity';

const ACTIVITY_ROW = '!activity';
const ARRIVALS_ROW = '!arrivals';
const TOLD_ROW = '!told';
const RECORD_PREFIX = 'r|';
const ARRIVAL_PREFIX = 'a|';
const TOLD_PREFIX = 't|';
/** A transaction holds at most 100 operations: 99 markers and the aggregate. */
const MARKERS_PER_TRANSACTION = 99;
/** Conflicts (another writer, a duplicate in the batch) are resolved by re-reading; this many rounds at most. */
const MAX_ATTEMPTS = 8;
const DAYS_IN_PARALLEL = 8;
const READ_CONCURRENCY = 16;
/** Per-day map limits keep the aggregate row within one string property (64 KiB) and the chart readable. */
const MAX_ACCOUNTS_PER_DAY = 200;
const MAX_TYPES_PER_DAY = 40;
const MAX_ORIGINS_PER_DAY = 20;
const MAX_JSON_CHARS = 30_000;
const MAX_LABEL_CHARS = 64;
export const OTHER_TYPES = '(other types)';
export const UNKNOWN_TYPE = '(unknown)';

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

interface Aggregate<S> {
  state: S;
  etag: string | undefined;
}

/** How one kind of aggregate row is read, added to and written. */
interface AggregateCodec<S, I> {
  rowKey: string;
  empty(date: string): S;
  decode(date: string, entity: Record<string, unknown>): S;
  encode(state: S): Record<string, unknown>;
  add(state: S, item: I): void;
}

type Keyed<I> = { day: string; markerKey: string; item: I };

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Our own JSON, read back defensively: only non-negative finite numbers survive. */
function parseCounts(value: unknown): Map<string, number> {
  const map = new Map<string, number>();
  if (typeof value !== 'string') return map;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return map;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return map;
  for (const [key, count] of Object.entries(parsed)) if (num(count) > 0) map.set(key, num(count));
  return map;
}

function countsJson(map: ReadonlyMap<string, number>): string {
  return JSON.stringify(Object.fromEntries(map));
}

/** Adds to a bounded map: a new key beyond the limit (or too long for the row) goes to `overflow`. */
function addBounded(map: Map<string, number>, key: string, limit: number): boolean {
  const current = map.get(key);
  if (current !== undefined) {
    map.set(key, current + 1);
    return true;
  }
  if (map.size >= limit) return false;
  map.set(key, 1);
  if (countsJson(map).length > MAX_JSON_CHARS) {
    map.delete(key);
    return false;
  }
  return true;
}

function label(value: string | undefined, fallback: string): string {
  const cleaned = (value ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .slice(0, MAX_LABEL_CHARS);
  return cleaned === '' ? fallback : cleaned;
}

interface ActivityState {
  day: DayActivity;
  accounts: Map<string, number>;
}

const activityCodec: AggregateCodec<ActivityState, QuarantineActivity> = {
  rowKey: ACTIVITY_ROW,
  empty: (date) => ({ day: emptyDayActivity(date), accounts: new Map() }),
  decode(date, e) {
    const day = emptyDayActivity(date);
    for (const kind of ACTIVITY_KINDS) day.counts[kind] = num(e[kind]);
    for (const kind of [...ACTIVITY_KINDS, 'other'] as const) day.failed[kind] = num(e[`failed_${kind}`]);
    day.other = num(e.other);
    day.appHeaderReads = num(e.appHeaderReads);
    day.systemReleases = num(e.systemReleases);
    day.releasesByOtherAccounts = num(e.releasesByOtherAccounts);
    const accounts = parseCounts(e.ReleasesByAccount);
    day.releasesByAccount = Object.fromEntries(accounts);
    return { day, accounts };
  },
  encode({ day, accounts }) {
    const props: Record<string, unknown> = {
      other: day.other,
      appHeaderReads: day.appHeaderReads,
      systemReleases: day.systemReleases,
      releasesByOtherAccounts: day.releasesByOtherAccounts,
      ReleasesByAccount: countsJson(accounts),
    };
    for (const kind of ACTIVITY_KINDS) props[kind] = day.counts[kind];
    for (const kind of [...ACTIVITY_KINDS, 'other'] as const) props[`failed_${kind}`] = day.failed[kind];
    return props;
  },
  add({ day, accounts }, record) {
    if (record.failed) {
      day.failed[record.kind]++;
      return;
    }
    if (record.kind === 'other') {
      day.other++;
      return;
    }
    // The product's own header reads are left out of the admins' header reads and counted apart.
    if (record.kind === 'viewHeader' && record.appOwn) {
      day.appHeaderReads++;
      return;
    }
    day.counts[record.kind]++;
    if (record.kind !== 'release') return;
    if (record.actor.kind === 'system') day.systemReleases++;
    else if (!addBounded(accounts, record.actor.account, MAX_ACCOUNTS_PER_DAY)) day.releasesByOtherAccounts++;
  },
};

interface ArrivalState {
  total: number;
  byType: Map<string, number>;
  byOrigin: Map<string, number>;
}

const arrivalCodec: AggregateCodec<ArrivalState, QuarantineArrival> = {
  rowKey: ARRIVALS_ROW,
  empty: () => ({ total: 0, byType: new Map(), byOrigin: new Map() }),
  decode: (_date, e) => ({ total: num(e.total), byType: parseCounts(e.ByType), byOrigin: parseCounts(e.ByOrigin) }),
  encode: (s) => ({ total: s.total, ByType: countsJson(s.byType), ByOrigin: countsJson(s.byOrigin) }),
  add(state, arrival) {
    state.total++;
    if (!addBounded(state.byType, label(arrival.quarantineType, UNKNOWN_TYPE), MAX_TYPES_PER_DAY)) {
      state.byType.set(OTHER_TYPES, (state.byType.get(OTHER_TYPES) ?? 0) + 1);
    }
    if (
      arrival.origin !== undefined &&
      !addBounded(state.byOrigin, label(arrival.origin, UNKNOWN_TYPE), MAX_ORIGINS_PER_DAY)
    ) {
      state.byOrigin.set(OTHER_TYPES, (state.byOrigin.get(OTHER_TYPES) ?? 0) + 1);
    }
  },
};

/** Notices handed over; the day is the partition, so the state is the DayTold itself. */
const toldCodec: AggregateCodec<DayTold, ToldNotice> = {
  rowKey: TOLD_ROW,
  empty: emptyDayTold,
  decode(date, e) {
    const day = emptyDayTold(date);
    day.released = { audit: num(e.releasedAudit), listing: num(e.releasedListing), both: num(e.releasedBoth) };
    day.held = num(e.held);
    day.deleted = num(e.deleted);
    day.expired = num(e.expired);
    return day;
  },
  encode: (d) => ({
    releasedAudit: d.released.audit,
    releasedListing: d.released.listing,
    releasedBoth: d.released.both,
    held: d.held,
    deleted: d.deleted,
    expired: d.expired,
  }),
  add(day, notice) {
    if (notice.event === 'released') day.released[notice.source ?? 'audit']++;
    else day[notice.event]++;
  },
};

function toDayArrivals(date: string, s: ArrivalState): DayArrivals {
  return { date, total: s.total, byType: Object.fromEntries(s.byType), byOrigin: Object.fromEntries(s.byOrigin) };
}

/** The days whose counts are kept, relative to now: records outside them are skipped (a future day is a bad clock or a forged record). */
function keptDays(now: Date): { oldest: string; newest: string } {
  const today = utcDay(now);
  return { oldest: addDays(today, -RETENTION_DAYS), newest: addDays(today, 1) };
}

export class TableActivityStore implements ActivityStore {
  constructor(private readonly table: TableClient) {}

  async countActivity(records: readonly QuarantineActivity[], now: Date): Promise<CountOutcome> {
    const keyed: Array<Keyed<QuarantineActivity>> = records.map((r) => ({
      day: r.day,
      markerKey: RECORD_PREFIX + tableKey(r.id.trim().toLowerCase()),
      item: r,
    }));
    return this.countOnce(keyed, activityCodec, now);
  }

  async countArrivals(arrivals: readonly QuarantineArrival[], now: Date): Promise<CountOutcome> {
    const keyed: Array<Keyed<QuarantineArrival>> = [];
    let unusable = 0;
    for (const a of arrivals) {
      const id = a.networkMessageId.trim().toLowerCase();
      const copy = a.copyId.trim().toLowerCase();
      const received = a.receivedAt.getTime();
      if (id === '' || Number.isNaN(received)) {
        unusable++;
        continue;
      }
      keyed.push({ day: utcDay(a.receivedAt), markerKey: ARRIVAL_PREFIX + tableKey(`${id}|${copy}`), item: a });
    }
    const outcome = await this.countOnce(keyed, arrivalCodec, now);
    return { ...outcome, skipped: outcome.skipped + unusable };
  }

  async recordArrival(arrival: QuarantineArrival, now: Date): Promise<boolean> {
    return (await this.countArrivals([arrival], now)).counted === 1;
  }

  async countTold(notices: readonly ToldNotice[], now: Date): Promise<CountOutcome> {
    const day = utcDay(now);
    const keyed = notices.map((n) => ({ day, markerKey: TOLD_PREFIX + tableKey(n.key.trim().toLowerCase()), item: n }));
    return this.countOnce(keyed, toldCodec, now);
  }

  async readDays(
    from: string,
    to: string,
  ): Promise<{ activity: DayActivity[]; arrivals: DayArrivals[]; told: DayTold[] }> {
    const dates = datesBetween(from, to);
    const activity = new Map<string, DayActivity>();
    const arrivals = new Map<string, DayArrivals>();
    const told = new Map<string, DayTold>();
    const reads = dates.flatMap((date) => [
      async () => activity.set(date, (await this.readAggregate(date, activityCodec)).state.day),
      async () => arrivals.set(date, toDayArrivals(date, (await this.readAggregate(date, arrivalCodec)).state)),
      async () => told.set(date, (await this.readAggregate(date, toldCodec)).state),
    ]);
    await forEachLimited(reads, READ_CONCURRENCY, (read) => read().then(() => undefined));
    return {
      activity: dates.map((d) => activity.get(d) ?? emptyDayActivity(d)),
      arrivals: dates.map((d) => arrivals.get(d) ?? emptyDayArrivals(d)),
      told: dates.map((d) => told.get(d) ?? emptyDayTold(d)),
    };
  }

  async purge(now: Date): Promise<number> {
    const { oldest } = keptDays(now);
    const byDay = new Map<string, string[]>();
    for await (const row of this.table.listEntities({
      queryOptions: { filter: odata`PartitionKey lt ${oldest}`, select: ['PartitionKey', 'RowKey'] },
    })) {
      if (row.partitionKey === undefined || row.rowKey === undefined) continue;
      const keys = byDay.get(row.partitionKey) ?? [];
      keys.push(row.rowKey);
      byDay.set(row.partitionKey, keys);
    }
    let deleted = 0;
    for (const [day, keys] of byDay) {
      for (let i = 0; i < keys.length; i += 100) deleted += await this.deleteChunk(day, keys.slice(i, i + 100));
    }
    return deleted;
  }

  private async deleteChunk(day: string, rowKeys: string[]): Promise<number> {
    try {
      await this.table.submitTransaction(
        rowKeys.map((rowKey): TransactionAction => ['delete', { partitionKey: day, rowKey }]),
      );
      return rowKeys.length;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    // Someone else deleted one of them: the batch failed whole, so delete one by one.
    let deleted = 0;
    for (const rowKey of rowKeys) {
      try {
        await this.table.deleteEntity(day, rowKey);
        deleted++;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    return deleted;
  }

  private async readAggregate<S, I>(date: string, codec: AggregateCodec<S, I>): Promise<Aggregate<S>> {
    try {
      const entity: TableEntityResult<Record<string, unknown>> = await this.table.getEntity(date, codec.rowKey);
      return { state: codec.decode(date, entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return { state: codec.empty(date), etag: undefined };
      throw error;
    }
  }

  private async countOnce<S, I>(
    items: ReadonlyArray<Keyed<I>>,
    codec: AggregateCodec<S, I>,
    now: Date,
  ): Promise<CountOutcome> {
    const outcome: CountOutcome = { counted: 0, duplicates: 0, skipped: 0 };
    const { oldest, newest } = keptDays(now);
    const byDay = new Map<string, Map<string, Keyed<I>>>();
    for (const k of items) {
      if (!isDate(k.day) || k.day < oldest || k.day > newest) {
        outcome.skipped++;
        continue;
      }
      const day = byDay.get(k.day) ?? new Map<string, Keyed<I>>();
      // The same Id twice in one call counts once (and two operations on one row would fail the transaction).
      if (day.has(k.markerKey)) outcome.duplicates++;
      else day.set(k.markerKey, k);
      byDay.set(k.day, day);
    }
    // Days are independent partitions; within a day, chunks go one after another (one aggregate row).
    await forEachLimited([...byDay], DAYS_IN_PARALLEL, async ([day, keyed]) => {
      const all = [...keyed.values()];
      for (let i = 0; i < all.length; i += MARKERS_PER_TRANSACTION) {
        const result = await this.countChunk(day, all.slice(i, i + MARKERS_PER_TRANSACTION), codec);
        outcome.counted += result.counted;
        outcome.duplicates += result.duplicates;
      }
    });
    return outcome;
  }

  /** Markers and the aggregate in one transaction; on a conflict, drops what was already counted and tries again. */
  private async countChunk<S, I>(
    day: string,
    chunk: Array<Keyed<I>>,
    codec: AggregateCodec<S, I>,
  ): Promise<{ counted: number; duplicates: number }> {
    let pending = chunk;
    let duplicates = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (pending.length === 0) return { counted: 0, duplicates };
      const aggregate = await this.readAggregate(day, codec);
      for (const k of pending) codec.add(aggregate.state, k.item);
      const row: Entity = { partitionKey: day, rowKey: codec.rowKey, ...codec.encode(aggregate.state) };
      const actions: TransactionAction[] = pending.map((k): TransactionAction => [
        'create',
        { partitionKey: day, rowKey: k.markerKey },
      ]);
      actions.push(
        aggregate.etag === undefined ? ['create', row] : ['update', row, 'Replace', { etag: aggregate.etag }],
      );
      try {
        await this.table.submitTransaction(actions);
        return { counted: pending.length, duplicates };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412) throw error;
      }
      // 409: a marker exists (counted before) or the aggregate was just created; 412: the aggregate moved on.
      const seen = await this.existingMarkers(day, pending);
      duplicates += seen.size;
      pending = pending.filter((k) => !seen.has(k.markerKey));
    }
    throw new Error(`Could not count ${pending.length} item(s) of ${day} after ${MAX_ATTEMPTS} conflicting attempts`);
  }

  private async existingMarkers<I>(day: string, chunk: ReadonlyArray<Keyed<I>>): Promise<Set<string>> {
    const seen = new Set<string>();
    await forEachLimited(chunk, READ_CONCURRENCY, async (k) => {
      try {
        await this.table.getEntity(day, k.markerKey, { queryOptions: { select: ['RowKey'] } });
        seen.add(k.markerKey);
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    });
    return seen;
  }
}
