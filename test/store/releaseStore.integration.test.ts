import { TableClient } from '@azure/data-tables';
import type { ReleaseEvent } from '../../shared/domain/types';
import { TableReleaseStore } from '../../shared/store/releaseStore';
import { startAzurite, type Azurite } from '../support/azurite';
import { releaseEvent } from '../support/mothers';

let azurite: Azurite;
let table: TableClient;
let store: TableReleaseStore;
const now = new Date('2026-11-23T12:00:00Z');

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(() => azurite?.stop());

beforeEach(async () => {
  table = TableClient.fromConnectionString(
    azurite.connectionString,
    `Rel${Date.now()}${Math.floor(Math.random() * 1000)}`,
    { allowInsecureConnection: true },
  );
  await table.createTable();
  store = new TableReleaseStore(table);
});

const release = (i: number, over: Partial<ReleaseEvent> = {}): ReleaseEvent =>
  releaseEvent({
    recordId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    releasedTo: `member${i}@fabrikam.example`,
    releasedAt: new Date('2026-11-23T11:30:00Z'),
    ...over,
  });

describe('ingesting many release records at once', () => {
  it('stores a 250-record mass release as new, each exactly once, and reports every one pending', async () => {
    const all = Array.from({ length: 250 }, (_, i) => release(i));
    expect(await store.addMany(all, now)).toEqual({ added: 250, duplicates: 0, rejected: [] });
    const pending = await store.pending();
    expect(pending).toHaveLength(250);
    expect(new Set(pending.map((p) => p.recordId))).toEqual(new Set(all.map((r) => r.recordId)));
  });

  it('counts new and duplicate exactly when a batch mixes records seen before with new ones', async () => {
    const all = Array.from({ length: 250 }, (_, i) => release(i));
    // 30 seen in an earlier run, spread over the batches of 100; one record repeated within this blob.
    await store.addMany(all.filter((_, i) => i % 8 === 0).slice(0, 30), now);
    const result = await store.addMany([...all, all[7]], now);
    expect(result).toEqual({ added: 220, duplicates: 31, rejected: [] });
    expect(await store.pending()).toHaveLength(250);
    expect(await store.addMany(all, now)).toEqual({ added: 0, duplicates: 250, rejected: [] });
  });

  it('stores the rest when Table Storage refuses one record, and names that record and why', async () => {
    const all = Array.from({ length: 40 }, (_, i) => release(i));
    // A property past Table Storage's 64 KiB limit: the service refuses the row (and its transaction).
    const hostile = release(99, { releasedTo: `${'x'.repeat(70_000)}@fabrikam.example` });
    const result = await store.addMany([...all.slice(0, 20), hostile, ...all.slice(20)], now);
    expect(result.added).toBe(40);
    expect(result.duplicates).toBe(0);
    expect(result.rejected).toEqual([
      {
        recordId: hostile.recordId,
        reason: expect.stringMatching(/^refused by Table Storage \(4\d\d\)$/),
        detail: expect.any(String),
      },
    ]);
    expect(await store.pending()).toHaveLength(40);
  });

  it('settles a record whose Id needs escaping, found by the Id the feed gave', async () => {
    const odd = release(1, { recordId: 'rec~1%2F/with#odd?chars' });
    await store.addMany([odd, release(2)], now);
    const [first] = (await store.pending()).filter((p) => p.recordId === odd.recordId);
    expect(first).toBeDefined();
    await store.settleMany([odd.recordId], 'queued', now);
    expect((await store.pending()).map((p) => p.recordId)).toEqual([release(2).recordId]);
  });
});
