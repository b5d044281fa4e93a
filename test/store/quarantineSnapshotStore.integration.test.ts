import { TableClient } from '@azure/data-tables';
import type { QuarantinedMessage } from '../../shared/domain/types';
import { MAX_TEXT_CHARS, TableQuarantineSnapshotStore } from '../../shared/store/quarantineSnapshotStore';
import { startAzurite, type Azurite } from '../support/azurite';
import { quarantined } from '../support/mothers';

let azurite: Azurite;
let table: TableClient;
let store: TableQuarantineSnapshotStore;

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(() => azurite?.stop());

beforeEach(async () => {
  table = TableClient.fromConnectionString(azurite.connectionString, `Snap${Date.now()}${Math.floor(Math.random() * 1000)}`, { allowInsecureConnection: true });
  await table.createTable();
  store = new TableQuarantineSnapshotStore(table);
});

const message = (over: Partial<QuarantinedMessage> = {}): QuarantinedMessage =>
  quarantined({ receivedAt: new Date('2026-11-20T14:02:11.123Z'), expiresAt: new Date('2026-12-20T14:02:11.123Z'), releaseStatus: 'NOTRELEASED', size: 48211, ...over });

async function countRows(): Promise<number> {
  let n = 0;
  for await (const _ of table.listEntities()) n++;
  return n;
}

describe('the quarantine snapshot table', () => {
  it('reads back what it stored, found by NetworkMessageId in any case', async () => {
    await store.upsert([message()]);
    const found = await store.findByNetworkMessageId('5B0F7C1E-3C1A-4E22-9D3C-08DE0A1B2C3D');
    expect(found).toEqual([message()]);
  });

  it('keeps one row per Identity however often the same rows are written', async () => {
    const copies = Array.from({ length: 150 }, (_, i) => message({ copyId: `copy-${i}` }));
    await store.upsert(copies);
    await store.upsert(copies);
    await store.upsert([...copies, copies[0]]);
    expect(await countRows()).toBe(150);
  });

  it('stores a subject longer than a property holds, cut on a character boundary and flagged', async () => {
    const subject = `${'a'.repeat(MAX_TEXT_CHARS - 1)}😀tail`;
    await store.upsert([message({ subject })]);
    const [row] = await store.findByNetworkMessageId(message().networkMessageId);
    expect(row.subject).toBe('a'.repeat(MAX_TEXT_CHARS - 1));
    const entity = await table.getEntity(message().networkMessageId, message().copyId);
    expect(entity.SubjectTruncated).toBe(true);
  });

  it('stores thousands of recipients within the property limit and counts the ones left out', async () => {
    const recipients = Array.from({ length: 5000 }, (_, i) => `recipient-${i}@fabrikam.example`);
    await store.upsert([message({ recipients })]);
    const entity = await table.getEntity<{ Recipients: string; RecipientsOmitted: number }>(message().networkMessageId, message().copyId);
    const kept = JSON.parse(entity.Recipients) as string[];
    expect(kept.length + entity.RecipientsOmitted).toBe(5000);
    expect(entity.Recipients.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
  });

  it('forgets rows a week after they expire, not before', async () => {
    await store.upsert([
      message({ copyId: 'expired-long-ago', expiresAt: new Date('2026-11-01T00:00:00Z') }),
      message({ copyId: 'expired-yesterday', expiresAt: new Date('2026-11-22T00:00:00Z') }),
    ]);
    expect(await store.purge(new Date('2026-11-23T00:00:00Z'))).toBe(1);
    expect((await store.findByNetworkMessageId(message().networkMessageId)).map((m) => m.copyId)).toEqual(['expired-yesterday']);
  });
});
