import { TableClient } from '@azure/data-tables';
import { ACTIVITY_KINDS, type CountedKind, type QuarantineActivity } from '../../shared/report/activity';
import { emptyDayActivity } from '../../shared/report/days';
import type { DayActivity, QuarantineArrival } from '../../shared/report/ports';
import { TableActivityStore } from '../../shared/store/activityStore';
import { startAzurite, type Azurite } from '../support/azurite';
import { CrashPlan, InjectedCrash } from '../support/crash';

let azurite: Azurite;
let table: TableClient;

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(() => azurite?.stop());

async function freshTable(): Promise<TableClient> {
  const client = TableClient.fromConnectionString(azurite.connectionString, `Act${Date.now()}${Math.floor(Math.random() * 100000)}`, { allowInsecureConnection: true });
  await client.createTable();
  return client;
}

beforeEach(async () => {
  table = await freshTable();
});

const NOW = new Date('2026-12-02T10:00:00Z');
const KINDS: CountedKind[] = [...ACTIVITY_KINDS, 'other'];

/** 250 records over two days: every kind, some failed, system releases, the app's header reads, five admins. */
function sampleRecords(): QuarantineActivity[] {
  return Array.from({ length: 250 }, (_, i): QuarantineActivity => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    day: i % 2 === 0 ? '2026-11-30' : '2026-12-01',
    kind: i % 3 === 0 ? 'release' : KINDS[i % KINDS.length],
    failed: i % 17 === 0,
    actor: i % 11 === 0 ? { kind: 'system' } : { kind: 'user', account: `admin${i % 5}@contoso.com` },
    appOwn: i % 4 === 0,
  }));
}

/** What the counts must be: the records taken once each, counted by hand. */
function expected(records: readonly QuarantineActivity[], date: string): DayActivity {
  const day = emptyDayActivity(date);
  const seen = new Set<string>();
  for (const r of records) {
    if (r.day !== date || seen.has(r.id)) continue;
    seen.add(r.id);
    if (r.failed) day.failed[r.kind]++;
    else if (r.kind === 'other') day.other++;
    else if (r.kind === 'viewHeader' && r.appOwn) day.appHeaderReads++;
    else {
      day.counts[r.kind]++;
      if (r.kind === 'release' && r.actor.kind === 'system') day.systemReleases++;
      else if (r.kind === 'release' && r.actor.kind === 'user') day.releasesByAccount[r.actor.account] = (day.releasesByAccount[r.actor.account] ?? 0) + 1;
    }
  }
  return day;
}

async function expectExact(store: TableActivityStore, records: readonly QuarantineActivity[]): Promise<void> {
  const { activity } = await store.readDays('2026-11-30', '2026-12-01');
  expect(activity).toEqual([expected(records, '2026-11-30'), expected(records, '2026-12-01')]);
}

/** A table client whose every call after the `failAt`-th fails AFTER it reached storage: the answer is lost. */
function losingAnswers(client: TableClient, failAt: number): { client: TableClient; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(client, {
    get: (target, key, receiver) => {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== 'submitTransaction' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (++calls === failAt) throw new InjectedCrash(calls);
        return result;
      };
    },
  });
  return { client: proxy, calls: () => calls };
}

describe('counting quarantine activity once per record Id', () => {
  it('counts every kind, failures apart, system releases and per-account releases, with sane figures', async () => {
    const store = new TableActivityStore(table);
    const records = sampleRecords();
    const outcome = await store.countActivity(records, NOW);
    expect(outcome).toEqual({ counted: 250, duplicates: 0, skipped: 0 });
    await expectExact(store, records);
    const { activity } = await store.readDays('2026-11-30', '2026-11-30');
    // Sanity on the hand count itself: releases exist, some by the system, some failed.
    expect(activity[0].counts.release).toBeGreaterThan(10);
    expect(activity[0].systemReleases).toBeGreaterThan(0);
    expect(Object.values(activity[0].failed).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(activity[0].appHeaderReads).toBeGreaterThan(0);
  });

  it('does not change a count for duplicate records in one call, or a blob read twice', async () => {
    const store = new TableActivityStore(table);
    const records = sampleRecords();
    const doubled = [...records, ...records.slice(0, 40)];
    expect(await store.countActivity(doubled, NOW)).toEqual({ counted: 250, duplicates: 40, skipped: 0 });
    // The same blob again, and an overlapping one, case-changed Ids included.
    expect(await store.countActivity(records, NOW)).toEqual({ counted: 0, duplicates: 250, skipped: 0 });
    const shouted = records.slice(100, 130).map((r) => ({ ...r, id: r.id.toUpperCase() }));
    expect((await store.countActivity(shouted, NOW)).counted).toBe(0);
    await expectExact(store, records);
  });

  it('counts blobs that overlap: only the new records of the second blob add up', async () => {
    const store = new TableActivityStore(table);
    const records = sampleRecords();
    await store.countActivity(records.slice(0, 150), NOW);
    expect(await store.countActivity(records.slice(100), NOW)).toEqual({ counted: 100, duplicates: 50, skipped: 0 });
    await expectExact(store, records);
  });

  it('is exact after a crash before any table call of a run, then a rerun', async () => {
    const records = sampleRecords();
    // A clean run makes this many calls; crash at each one in turn.
    const probe = new CrashPlan(Number.MAX_SAFE_INTEGER);
    await new TableActivityStore(probe.wrap(await freshTable())).countActivity(records, NOW);
    expect(probe.calls).toBeGreaterThanOrEqual(8);
    for (let crashAt = 1; crashAt <= probe.calls; crashAt++) {
      const client = await freshTable();
      const plan = new CrashPlan(crashAt);
      await expect(new TableActivityStore(plan.wrap(client)).countActivity(records, NOW)).rejects.toBeInstanceOf(InjectedCrash);
      const rerun = new TableActivityStore(client);
      await rerun.countActivity(records, NOW);
      await expectExact(rerun, records);
    }
  });

  it('is exact when a write reached storage but its answer was lost, then a rerun', async () => {
    const records = sampleRecords();
    for (let failAt = 1; failAt <= 4; failAt++) {
      const client = await freshTable();
      const lossy = losingAnswers(client, failAt);
      await expect(new TableActivityStore(lossy.client).countActivity(records, NOW)).rejects.toBeInstanceOf(InjectedCrash);
      const rerun = new TableActivityStore(client);
      const outcome = await rerun.countActivity(records, NOW);
      expect(outcome.counted + outcome.duplicates).toBe(250);
      expect(outcome.duplicates).toBeGreaterThan(0);
      await expectExact(rerun, records);
    }
  });

  it('stays exact when two runs count overlapping records at the same time', async () => {
    const records = sampleRecords();
    const a = new TableActivityStore(table);
    const b = new TableActivityStore(TableClient.fromConnectionString(azurite.connectionString, table.tableName, { allowInsecureConnection: true }));
    const [ra, rb] = await Promise.all([a.countActivity(records.slice(0, 200), NOW), b.countActivity(records.slice(50), NOW)]);
    expect(ra.counted + rb.counted).toBe(250);
    await expectExact(a, records);
  });

  it('skips records older than the retention or in the future, and forgets days older than 90', async () => {
    const store = new TableActivityStore(table);
    const base = sampleRecords()[3];
    const at = (day: string, n: number): QuarantineActivity => ({ ...base, day, id: `${day}-record-${n}` });
    // Today is 2026-12-02: the 90 days before it are kept (from 2026-09-03), tomorrow is allowed for clock skew.
    const outcome = await store.countActivity([at('2026-09-02', 1), at('2026-09-03', 2), at('2026-09-04', 3), at('2026-12-03', 4), at('2026-12-04', 5), at('2026/12/01', 6), at('2026-11-31', 7)], NOW);
    expect(outcome).toEqual({ counted: 3, duplicates: 0, skipped: 4 });

    // A day later, 2026-09-03 is beyond the 90 kept days.
    const purged = await store.purge(new Date('2026-12-03T01:00:00Z'));
    expect(purged).toBe(2); // the marker and the aggregate of 2026-09-03
    const { activity } = await store.readDays('2026-09-03', '2026-09-04');
    expect(activity.map((d) => d.counts.release)).toEqual([0, 1]);
  });

  it('keeps hostile account names as data and bounds how many a day stores, with the release total exact', async () => {
    const store = new TableActivityStore(table);
    const release = (i: number, account: string): QuarantineActivity => ({ id: `hostile-record-${i}`, day: '2026-12-01', kind: 'release', failed: false, actor: { kind: 'user', account }, appOwn: false });
    const records = [release(1, '__proto__'), release(2, 'constructor'), release(3, '<img src=x onerror=alert(1)>@evil.example')];
    for (let i = 0; i < 300; i++) records.push(release(100 + i, `admin-${i}-${'x'.repeat(200)}@contoso.com`));
    await store.countActivity(records, NOW);
    const [day] = (await store.readDays('2026-12-01', '2026-12-01')).activity;
    expect(day.counts.release).toBe(303);
    expect(Object.values(day.releasesByAccount).reduce((a, b) => a + b, 0) + day.releasesByOtherAccounts).toBe(303);
    expect(day.releasesByOtherAccounts).toBeGreaterThan(0);
    expect(Object.entries(day.releasesByAccount).slice(0, 3)).toEqual([['__proto__', 1], ['constructor', 1], ['<img src=x onerror=alert(1)>@evil.example', 1]]);
  });
});

describe('counting quarantine arrivals once per copy', () => {
  const arrival = (i: number, over: Partial<QuarantineArrival> = {}): QuarantineArrival => ({
    networkMessageId: `5b0f7c1e-3c1a-4e22-9d3c-${String(i).padStart(12, '0')}`,
    copyId: 'copy-1',
    receivedAt: new Date(`2026-12-0${1 + (i % 2)}T23:59:59.999Z`),
    quarantineType: ['Spam', 'TransportRule', 'Phish'][i % 3],
    origin: i % 2 === 0 ? 'outside' : undefined,
    ...over,
  });

  it('counts by UTC day and type, once per (NetworkMessageId, copy) in any case, recordArrival included', async () => {
    const store = new TableActivityStore(table);
    const arrivals = Array.from({ length: 120 }, (_, i) => arrival(i));
    expect(await store.countArrivals(arrivals, NOW)).toEqual({ counted: 120, duplicates: 0, skipped: 0 });
    expect(await store.countArrivals(arrivals.map((a) => ({ ...a, networkMessageId: a.networkMessageId.toUpperCase() })), NOW)).toEqual({ counted: 0, duplicates: 120, skipped: 0 });
    // A second recipient copy of one message is a second arrival.
    expect(await store.recordArrival(arrival(0, { copyId: 'copy-2' }), NOW)).toBe(true);
    expect(await store.recordArrival(arrival(0, { copyId: 'copy-2' }), NOW)).toBe(false);

    const { arrivals: days } = await store.readDays('2026-11-30', '2026-12-02');
    expect(days.map((d) => d.date)).toEqual(['2026-11-30', '2026-12-01', '2026-12-02']);
    expect(days[0]).toEqual({ date: '2026-11-30', total: 0, byType: {}, byOrigin: {} });
    expect(days[1]).toEqual({ date: '2026-12-01', total: 61, byType: { Spam: 21, Phish: 20, TransportRule: 20 }, byOrigin: { outside: 61 } });
    expect(days[2].total).toBe(60);
    expect(days[2].byOrigin).toEqual({});
  });

  it('folds an unbounded number of types into "(other types)" and an empty type into "(unknown)"', async () => {
    const store = new TableActivityStore(table);
    const arrivals = Array.from({ length: 60 }, (_, i) => arrival(i * 2, { quarantineType: `Type${i}\u0000` }));
    arrivals.unshift(arrival(500, { quarantineType: '   ' }));
    await store.countArrivals(arrivals, NOW);
    const [day] = (await store.readDays('2026-12-01', '2026-12-01')).arrivals;
    expect(day.total).toBe(61);
    expect(Object.values(day.byType).reduce((a, b) => a + b, 0)).toBe(61);
    expect(day.byType['(other types)']).toBeGreaterThan(0);
    expect(day.byType['(unknown)']).toBe(1);
    expect(Object.keys(day.byType).some((k) => k.includes('\u0000'))).toBe(false);
  });
});
