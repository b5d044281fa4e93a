import { TableClient } from '@azure/data-tables';
import { ExchangeError } from '../../shared/exchange/exchangeClient';
import { OVERLAP_MS, snapshotQuarantine } from '../../shared/snapshot/snapshotQuarantine';
import type { QuarantineSnapshotStore } from '../../shared/snapshot/ports';
import { TABLES } from '../../shared/store/tables';
import { quarantineRow } from '../../simulator/fixtures';
import { World } from '../support/world';

const world = World.forSuite();

const HOUR = 3_600_000;

async function storedIdentities(): Promise<Set<string>> {
  const table = TableClient.fromConnectionString(world.azurite.connectionString, TABLES.snapshot, {
    allowInsecureConnection: true,
  });
  const ids = new Set<string>();
  for await (const e of table.listEntities()) ids.add(`${e.partitionKey}\\${e.rowKey}`);
  return ids;
}

function identitiesOf(rows: Array<{ Identity: string }>): Set<string> {
  return new Set(rows.map((r) => r.Identity.toLowerCase()));
}

function quarantineCalls(): Array<Record<string, unknown>> {
  return (
    world.sim.requests
      .filter((r) => r.service === 'exchange' && r.status === 200)
      .map((r) => (r.body as { CmdletInput: { CmdletName: string; Parameters: Record<string, unknown> } }).CmdletInput)
      .filter((c) => c.CmdletName === 'Get-QuarantineMessage')
      .map((c) => c.Parameters)
      // The released rows' listing (issue 22, test/story) reads all 30 days by design: these are the snapshot's own calls.
      .filter((p) => p.ReleaseStatus === undefined)
  );
}

describe('snapshotting the quarantine', () => {
  it('copies 2,500 rows of both directions into 2,500 entities, and a second run adds nothing and only re-reads the overlap', async () => {
    const now = Date.now();
    const rows = Array.from({ length: 2500 }, (_, i) =>
      quarantineRow({
        receivedAt: new Date(now - (i % 25) * 24 * HOUR - (i % 60) * 60_000 - 5 * 60_000),
        Direction: i % 3 === 0 ? 'Inbound' : 'Outbound',
      }),
    );
    world.sim.tenant.quarantine.add(rows);

    const first = await world.runtime().snapshot();
    expect(first).toMatchObject({ rowsRead: 2500, rowsStored: 2500, rowsSkipped: 0 });
    expect(await storedIdentities()).toEqual(identitiesOf(rows));

    world.sim.requests.length = 0;
    const second = await world.runtime().snapshot();
    expect(await storedIdentities()).toEqual(identitiesOf(rows));
    const calls = quarantineCalls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(Date.parse(String(call.StartReceivedDate))).toBeGreaterThanOrEqual(Date.parse(first.to) - OVERLAP_MS);
      expect(call.PageSize).toBe(1000);
    }
    expect(second.rowsRead).toBeLessThan(200);
  });

  it('splits a window Exchange truncates, ignoring its nextLink, and loses no row', async () => {
    world.sim.exchangeWindowLimit = 400;
    const now = Date.now();
    const rows = Array.from({ length: 1500 }, (_, i) =>
      quarantineRow({ receivedAt: new Date(now - 2 * HOUR - i * 20_000) }),
    );
    world.sim.tenant.quarantine.add(rows);

    const summary = await world.runtime().snapshot();
    expect(summary.windowsSplit).toBeGreaterThan(0);
    expect(summary.windowsIncomplete).toBe(0);
    expect(await storedIdentities()).toEqual(identitiesOf(rows));
    expect(
      world.sim.requests
        .filter((r) => r.service === 'exchange')
        .some((r) => Object.keys(r.query).some((k) => k.includes('skiptoken'))),
    ).toBe(false);
  });

  it('rides out throttling: 429 with Retry-After, 503, and the concurrent-requests answer', async () => {
    const rows = [quarantineRow(), quarantineRow()];
    world.sim.tenant.quarantine.add(rows);
    world.sim.faults.add({ service: 'exchange', status: 429, retryAfterSeconds: 1, times: 1 });
    world.sim.faults.add({ service: 'exchange', status: 503, times: 1 });
    world.sim.faults.add({
      service: 'exchange',
      status: 400,
      body: {
        error: {
          code: 'BadRequest',
          message: 'Invalid Operation',
          innererror: {
            internalexception: {
              message:
                'You have reached the maximum number of concurrent requests per tenant. Please wait for your previous requests to complete.',
            },
          },
        },
      },
    });

    const summary = await world.runtime().snapshot();
    expect(summary.rowsStored).toBe(2);
    // Retry-After: 1 is honoured to the millisecond rather than replaced by the backoff.
    expect(world.log.text()).toMatch(/retry 1 in 1000 ms/);
    expect(world.log.text()).toMatch(/busy with other requests/);
    expect(world.sim.peakInFlight.exchange).toBe(1);
  }, 60_000);

  it.each([
    ['no Exchange.ManageAsApp', { exchangeManageAsApp: false }, /401.*Exchange\.ManageAsApp/],
    ['no directory role (403 with a NUL body)', { exchangeDirectoryRole: false }, /403.*Security Reader/],
  ])('fails with the fix an admin needs when the app has %s', async (_what, grants, message) => {
    Object.assign(world.sim.grants, grants);
    const error = await world
      .runtime()
      .snapshot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeError);
    expect((error as Error).message).toMatch(message);
  });

  it('reports the useful text of a 400 instead of "Invalid Operation"', async () => {
    world.sim.faults.add({
      service: 'exchange',
      status: 400,
      body: {
        error: {
          code: 'BadRequest',
          message: 'Invalid Operation',
          innererror: { internalexception: { message: "Cannot bind parameter 'StartReceivedDate'." } },
        },
      },
    });
    await expect(world.runtime().snapshot()).rejects.toThrow(/HTTP 400\): Cannot bind parameter 'StartReceivedDate'\./);
  });

  it('skips bad rows with a logged reason and stores the rest', async () => {
    const good = quarantineRow();
    const odd = quarantineRow({ SenderAddress: '', RecipientAddress: [], Subject: 'x'.repeat(40_000) });
    world.sim.tenant.quarantine.add([
      good,
      odd,
      quarantineRow({ Identity: 'not-an-identity' }),
      quarantineRow({ Identity: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d\\a#b' }),
    ]);

    const summary = await world.runtime().snapshot();
    expect(summary).toMatchObject({ rowsStored: 2, rowsSkipped: 2 });
    expect(await storedIdentities()).toEqual(identitiesOf([good, odd]));
    expect(world.log.text()).toMatch(/Skipped quarantine row "not-an-identity": Identity is not/);
  });

  it('keeps the watermark where it was when a run fails, so the next run repeats the window', async () => {
    world.sim.tenant.quarantine.add([quarantineRow()]);
    const first = await world.runtime().snapshot();
    world.sim.tenant.quarantine.add([quarantineRow({ receivedAt: new Date(Date.now() - 60_000) })]);
    world.sim.faults.add({ service: 'exchange', status: 401, times: 1 });
    await expect(world.runtime().snapshot()).rejects.toThrow(ExchangeError);
    const after = await world.runtime().snapshot();
    expect(Date.parse(after.from)).toBe(Date.parse(first.to) - OVERLAP_MS);
    expect((await storedIdentities()).size).toBe(2);
  });
  it('moves the watermark past a row Table Storage refuses, logging which row and why, and stores the days after it', async () => {
    const now = Date.now();
    const refused = quarantineRow({ receivedAt: new Date(now - 3 * 24 * HOUR), Subject: 'refused' });
    const before = quarantineRow({ receivedAt: new Date(now - 3 * 24 * HOUR - HOUR) });
    const later = quarantineRow({ receivedAt: new Date(now - 2 * HOUR) });
    world.sim.tenant.quarantine.add([before, refused, later]);
    const runtime = world.runtime();
    const inner = await runtime.snapshotStore();
    // The service's answer to a row it will not take (as a 413 or 400 would come back), for one row only.
    const store: QuarantineSnapshotStore = {
      upsert: async (messages) => {
        const bad = messages.filter((m) => m.subject === 'refused');
        const result = await inner.upsert(messages.filter((m) => m.subject !== 'refused'));
        return {
          stored: result.stored,
          rejected: [
            ...result.rejected,
            ...bad.map((m) => ({
              networkMessageId: m.networkMessageId,
              copyId: m.copyId,
              reason: 'refused by Table Storage (413)',
              detail: 'The request body is too large',
            })),
          ],
        };
      },
      findByNetworkMessageId: (id) => inner.findByNetworkMessageId(id),
      purge: (at) => inner.purge(at),
    };
    const summary = await snapshotQuarantine({
      exchange: runtime.exchange,
      store,
      state: await runtime.state(),
      log: world.log,
      clock: runtime.clock,
    });
    expect(summary).toMatchObject({
      rowsRead: 3,
      rowsStored: 2,
      rowsSkipped: 1,
      skippedByReason: { 'refused by Table Storage (413)': 1 },
    });
    expect(await storedIdentities()).toEqual(identitiesOf([before, later]));
    expect(world.log.text()).toContain(
      `Skipped quarantine row "${refused.Identity.toLowerCase()}": refused by Table Storage (413): The request body is too large`,
    );
    // The next run starts from this run's end, not from the refused row's day.
    const next = await world.runtime().snapshot();
    expect(Date.parse(next.from)).toBe(Date.parse(summary.to) - OVERLAP_MS);
  });
});
