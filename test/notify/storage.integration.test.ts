/** The ledger and the pace counter on real Table Storage semantics (Azurite): 409s, 412s, ETags. */
import { TableClient } from '@azure/data-tables';
import { systemClock } from '../../shared/domain/clock';
import { TableNotificationLedger } from '../../shared/store/notificationLedger';
import { MailboxPacer, Semaphore } from '../../shared/notify/pacing';
import { TablePaceStore } from '../../shared/store/paceStore';
import { type PaceState } from '../../shared/notify/ports';
import { startAzurite, type Azurite } from '../support/azurite';
import { ID_A } from './fakes';

let azurite: Azurite;
let table: TableClient;

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(() => azurite?.stop());

beforeEach(async () => {
  table = TableClient.fromConnectionString(
    azurite.connectionString,
    `Ledger${Date.now()}${Math.floor(Math.random() * 1000)}`,
    { allowInsecureConnection: true },
  );
  await table.createTable();
});

const key = { scope: ID_A.toUpperCase(), item: 'Odd/Name#1?%@Fabrikam.example' };
const first = { jobId: 'job-1', deliveryId: 'msg-1' };
const second = { jobId: 'job-2', deliveryId: 'msg-2' };

describe('TableNotificationLedger', () => {
  it('claims once, recognises its own claim, refuses a live claim of another delivery, and remembers sent', async () => {
    let now = new Date('2026-08-21T10:00:00Z');
    const ledger = new TableNotificationLedger(table, { now: () => now });
    const claim = await ledger.claim(key, first);
    expect(claim.kind).toBe('claimed');
    expect(await ledger.claim(key, first)).toMatchObject({ kind: 'claimed' });
    expect(await ledger.claim(key, second)).toMatchObject({
      kind: 'ownedElsewhere',
      entry: { jobId: 'job-1', deliveryId: 'msg-1' },
    });

    if (claim.kind !== 'claimed') throw new Error('unreachable');
    now = new Date('2026-08-21T10:01:00Z');
    await ledger.markSent(key, first, claim.etag, 'accepted');
    expect(await ledger.claim(key, second)).toMatchObject({
      kind: 'alreadyTold',
      entry: { status: 'sent', jobId: 'job-1', dryRun: false },
    });
    // The key is stored encoded, the address as given.
    const row = await table.getEntity<Record<string, unknown>>(ID_A, 'odd%2Fname%231%3F%25@fabrikam.example');
    expect(row.ReleasedTo).toBe('Odd/Name#1?%@Fabrikam.example');
  });

  it('takes over a stale claim, and only one of two racing takers wins', async () => {
    let now = new Date('2026-08-21T10:00:00Z');
    const ledger = new TableNotificationLedger(table, { now: () => now });
    await ledger.claim(key, first);
    now = new Date('2026-08-21T10:11:00Z');
    const results = await Promise.all([
      ledger.claim(key, second),
      ledger.claim(key, { jobId: 'job-3', deliveryId: 'msg-3' }),
    ]);
    expect(results.map((r) => r.kind).sort()).toEqual(['claimed', 'ownedElsewhere']);
    const won = results.find((r) => r.kind === 'claimed');
    expect(won).toMatchObject({ takenOverFrom: { jobId: 'job-1' } });
  });

  it('records sent even when its claim was taken over meanwhile (the email is out)', async () => {
    let now = new Date('2026-08-21T10:00:00Z');
    const ledger = new TableNotificationLedger(table, { now: () => now });
    const mine = await ledger.claim(key, first);
    now = new Date('2026-08-21T10:11:00Z');
    await ledger.claim(key, second);
    if (mine.kind !== 'claimed') throw new Error('unreachable');
    await ledger.markSent(key, first, mine.etag, 'dry-run');
    expect(await ledger.claim(key, second)).toMatchObject({
      kind: 'alreadyTold',
      entry: { jobId: 'job-1', dryRun: true },
    });
  });

  it('purges rows written before the cutoff', async () => {
    const ledger = new TableNotificationLedger(table, systemClock);
    await ledger.claim(key, first);
    await ledger.claim({ ...key, item: 'other@fabrikam.example' }, first);
    expect(await ledger.purge(new Date(Date.now() - 3_600_000))).toBe(0);
    expect(await ledger.purge(new Date(Date.now() + 60_000))).toBe(2);
  });
});

describe('TablePaceStore', () => {
  it('gives concurrent pacers sharing the row distinct slots, a minute over the limit apart', async () => {
    const reserved: number[] = [];
    const store = new (class extends TablePaceStore {
      override async write(mailbox: string, state: PaceState, etag: string | undefined): Promise<boolean> {
        const ok = await super.write(mailbox, state, etag);
        if (ok) reserved.push(state.nextFreeAt);
        return ok;
      }
    })(table);
    const time = { now: Date.parse('2026-08-21T12:00:05Z') };
    const sleep = async (ms: number): Promise<void> => {
      time.now += ms;
    };
    const pacers = [0, 1, 2].map(
      () =>
        new MailboxPacer(store, {
          maxPerMinute: 3,
          // This test is about the shared schedule, not how long one invocation may wait for it.
          maxWaitMs: 10 * 60_000,
          clock: () => time.now,
          sleep,
          random: () => 0,
          concurrency: () => new Semaphore(4),
        }),
    );
    let sent = 0;
    await Promise.all(pacers.map((p) => p.run('Notices@Contoso.com', async () => sent++)));
    await Promise.all(pacers.map((p) => p.run('notices@contoso.com', async () => sent++)));
    expect(sent).toBe(6);
    const sorted = [...reserved].sort((a, b) => a - b);
    expect(sorted).toHaveLength(6);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(20_000);
    expect((await store.read('NOTICES@contoso.com')).state?.nextFreeAt).toBe(sorted[5]);
  });
});
