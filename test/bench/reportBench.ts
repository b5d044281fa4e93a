/**
 * The activity report's benchmark section (`npm run bench`, section "report").
 *
 * 1. Counting a busy tenant's day through the store (10,000 quarantine audit records and 50,000
 *    arrivals), then the same records again (a blob read twice): items per second.
 * 2. The 30-day read (`readDays`) on tables holding 30 days at 100 records + 500 arrivals a day and at
 *    10x that, all written through the store (markers and aggregates), reads interleaved; medians and
 *    the ratio. A read costs three point reads a day whatever the day's volume, so the ratio stays ~1.
 *    BENCH_REPORT_FULL=1 adds a table at the full 10,000 + 50,000 a day (1.8 M items, about
 *    20 minutes on Azurite).
 */
import { TableClient } from '@azure/data-tables';
import type { CountedKind, QuarantineActivity } from '../../shared/report/activity';
import { addDays, reportWindow } from '../../shared/report/days';
import type { QuarantineArrival } from '../../shared/report/ports';
import { TableActivityStore } from '../../shared/store/activityStore';
import { fmt, list, median, round } from './stats';

export interface ReportBenchOptions {
  /** Azurite's (or a storage account's) connection string. */
  connectionString: string;
  say?: (line: string) => void;
  progress?: (line: string) => void;
  /** Reads per table for the medians. */
  reads?: number;
  full?: boolean;
}

const NOW = new Date('2026-12-02T12:00:00Z');
const BUSY_RECORDS = 10_000;
const BUSY_ARRIVALS = 50_000;

/** The mix of a busy tenant: mostly previews and the product's own header reads, few releases. */
const KIND_MIX: Array<[CountedKind, number]> = [
  ['preview', 55],
  ['viewHeader', 18],
  ['release', 10],
  ['delete', 6],
  ['export', 3],
  ['releaseRequest', 5],
  ['denyRelease', 1],
  ['other', 2],
];
const TYPE_MIX: Array<[string, number]> = [
  ['Spam', 58],
  ['Bulk', 15],
  ['Phish', 10],
  ['TransportRule', 8],
  ['HighConfPhish', 4],
  ['Malware', 3],
  ['DataLossPrevention', 2],
];

function pick<T>(mix: ReadonlyArray<[T, number]>, i: number): T {
  const total = mix.reduce((n, [, w]) => n + w, 0);
  let r = (i * 7919) % total;
  for (const [value, weight] of mix) {
    if (r < weight) return value;
    r -= weight;
  }
  return mix[0][0];
}

function records(day: string, count: number): QuarantineActivity[] {
  return Array.from({ length: count }, (_, i): QuarantineActivity => ({
    id: `${day}-rec-${String(i).padStart(7, '0')}`,
    day,
    kind: pick(KIND_MIX, i),
    failed: i % 53 === 0,
    actor: i % 29 === 0 ? { kind: 'system' } : { kind: 'user', account: `admin${i % 20}@contoso.com` },
    appOwn: i % 2 === 0,
  }));
}

function arrivals(day: string, count: number): QuarantineArrival[] {
  return Array.from({ length: count }, (_, i): QuarantineArrival => ({
    networkMessageId: `${day}-msg-${String(Math.floor(i / 2)).padStart(7, '0')}`,
    copyId: `copy-${i % 2}`,
    receivedAt: new Date(`${day}T${String(i % 24).padStart(2, '0')}:00:00Z`),
    quarantineType: pick(TYPE_MIX, i),
    origin: i % 3 === 0 ? 'inside' : 'outside',
  }));
}

async function table(connectionString: string, name: string): Promise<TableClient> {
  const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
  await client.createTable();
  return client;
}

/** Fills the 30 days of the window through the store, `perDay` records and 5x arrivals a day. */
async function fill(store: TableActivityStore, perDay: number, progress: (line: string) => void): Promise<number> {
  const started = Date.now();
  const { dates } = reportWindow(NOW, 30);
  for (const day of dates) {
    await store.countActivity(records(day, perDay), NOW);
    await store.countArrivals(arrivals(day, perDay * 5), NOW);
  }
  progress(
    `filled 30 days at ${fmt(perDay)} records + ${fmt(perDay * 5)} arrivals a day in ${fmt((Date.now() - started) / 1000, 1)} s`,
  );
  return Date.now() - started;
}

export interface ReportBenchFigures {
  busyDayRecordsPerSecond: number;
  busyDayArrivalsPerSecond: number;
  busyDayRecountSeconds: number;
  read30DaysMs: Record<string, number>;
  readRatio: number;
  pointReadsPerReport: number;
}

export async function reportBench(options: ReportBenchOptions): Promise<ReportBenchFigures> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const progress = options.progress ?? ((line: string) => process.stderr.write(`  .. ${line}\n`));
  const reads = options.reads ?? 15;
  const full = options.full ?? process.env.BENCH_REPORT_FULL === '1';
  const suffix = Date.now().toString(36);

  say('Activity report: counting once per record, reading 30 days');
  // 1. One busy day through the real counting path.
  const busy = new TableActivityStore(await table(options.connectionString, `ReportBusy${suffix}`));
  const day = addDays('2026-12-02', -1);
  const busyRecords = records(day, BUSY_RECORDS);
  let t0 = Date.now();
  const counted = await busy.countActivity(busyRecords, NOW);
  const recordsMs = Date.now() - t0;
  t0 = Date.now();
  const arrived = await busy.countArrivals(arrivals(day, BUSY_ARRIVALS), NOW);
  const arrivalsMs = Date.now() - t0;
  t0 = Date.now();
  const again = await busy.countActivity(busyRecords, NOW);
  const recountMs = Date.now() - t0;
  if (counted.counted !== BUSY_RECORDS || arrived.counted !== BUSY_ARRIVALS || again.counted !== 0) {
    throw new Error(`busy day miscounted: ${JSON.stringify({ counted, arrived, again })}`);
  }
  say(
    `  busy day (${fmt(BUSY_RECORDS)} audit records, ${fmt(BUSY_ARRIVALS)} arrivals): records ${fmt(BUSY_RECORDS / (recordsMs / 1000))}/s, arrivals ${fmt(BUSY_ARRIVALS / (arrivalsMs / 1000))}/s; the same records again (a blob read twice): ${fmt(recountMs / 1000, 1)} s, 0 counted`,
  );

  // 2. The 30-day read at two (or three) volumes, interleaved.
  const levels: Array<[string, number]> = [
    ['100/day', 100],
    ['1000/day', 1_000],
  ];
  if (full) levels.push(['10000/day', BUSY_RECORDS]);
  const stores: Array<[string, TableActivityStore]> = [];
  for (const [label, perDay] of levels) {
    const store = new TableActivityStore(await table(options.connectionString, `Report${perDay}x${suffix}`));
    await fill(store, perDay, progress);
    stores.push([label, store]);
  }
  const { from, to } = reportWindow(NOW, 30);
  const times = new Map<string, number[]>(stores.map(([label]) => [label, []]));
  for (let i = 0; i < reads; i++) {
    for (const [label, store] of stores) {
      const start = process.hrtime.bigint();
      const result = await store.readDays(from, to);
      times.get(label)?.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (result.activity.length !== 30) throw new Error('30-day read returned the wrong number of days');
    }
  }
  const medians: Record<string, number> = {};
  for (const [label, ms] of times) {
    medians[label] = round(median(ms), 1);
    say(
      `  30-day read, ${label} records (+5x arrivals): median ${fmt(median(ms), 1)} ms over ${reads} reads (${list(ms, 0)})`,
    );
  }
  const labels = stores.map(([label]) => label);
  const ratio = round(medians[labels[labels.length - 1]] / medians[labels[0]], 2);
  say(
    `  read time ratio ${labels[labels.length - 1]} / ${labels[0]}: ${ratio} (90 point reads per report: three aggregate rows a day)`,
  );
  return {
    busyDayRecordsPerSecond: round(BUSY_RECORDS / (recordsMs / 1000)),
    busyDayArrivalsPerSecond: round(BUSY_ARRIVALS / (arrivalsMs / 1000)),
    busyDayRecountSeconds: round(recountMs / 1000, 1),
    read30DaysMs: medians,
    readRatio: ratio,
    pointReadsPerReport: 90,
  };
}
