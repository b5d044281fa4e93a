import { TableClient } from '@azure/data-tables';
import type { QuarantinedMessage } from '../../shared/domain/types';
import { cjkText } from '../../simulator/fixtures';
import {
  encodedSize,
  MAX_RECIPIENTS,
  MAX_RECIPIENTS_CHARS,
  MAX_SUBJECT_CHARS,
  MAX_TRANSACTION_BYTES,
  splitBySize,
  TableQuarantineSnapshotStore,
  toEntity,
} from '../../shared/store/quarantineSnapshotStore';
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
  table = TableClient.fromConnectionString(
    azurite.connectionString,
    `Snap${Date.now()}${Math.floor(Math.random() * 1000)}`,
    { allowInsecureConnection: true },
  );
  await table.createTable();
  store = new TableQuarantineSnapshotStore(table);
});

const message = (over: Partial<QuarantinedMessage> = {}): QuarantinedMessage =>
  quarantined({
    receivedAt: new Date('2026-11-20T14:02:11.123Z'),
    expiresAt: new Date('2026-12-20T14:02:11.123Z'),
    releaseStatus: 'NOTRELEASED',
    size: 48211,
    ...over,
  });

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

  it('stores a subject longer than a notice needs, cut on a character boundary and flagged', async () => {
    const subject = `${'a'.repeat(MAX_SUBJECT_CHARS - 1)}😀tail`;
    await store.upsert([message({ subject })]);
    const [row] = await store.findByNetworkMessageId(message().networkMessageId);
    expect(row.subject).toBe('a'.repeat(MAX_SUBJECT_CHARS - 1));
    const entity = await table.getEntity(message().networkMessageId, message().copyId);
    expect(entity.SubjectTruncated).toBe(true);
  });

  it('stores thousands of recipients as the first ones a notice lists, keeping the true count', async () => {
    const recipients = Array.from({ length: 5000 }, (_, i) => `recipient-${i}@fabrikam.example`);
    await store.upsert([message({ recipients })]);
    const entity = await table.getEntity<{ Recipients: string; RecipientsOmitted: number; RecipientCount: number }>(
      message().networkMessageId,
      message().copyId,
    );
    const kept = JSON.parse(entity.Recipients) as string[];
    expect(kept).toEqual(recipients.slice(0, MAX_RECIPIENTS));
    expect(entity.RecipientCount).toBe(5000);
    expect(entity.RecipientsOmitted).toBe(5000 - MAX_RECIPIENTS);
  });

  it('keeps the recipient list within its character budget when the addresses are long', async () => {
    const recipients = Array.from({ length: 150 }, (_, i) => `${'r'.repeat(200)}-${i}@fabrikam.example`);
    await store.upsert([message({ recipients })]);
    const entity = await table.getEntity<{ Recipients: string; RecipientsOmitted: number; RecipientCount: number }>(
      message().networkMessageId,
      message().copyId,
    );
    const kept = JSON.parse(entity.Recipients) as string[];
    expect(entity.Recipients.length).toBeLessThanOrEqual(MAX_RECIPIENTS_CHARS);
    expect(kept.length).toBeGreaterThan(30);
    expect(kept.length + entity.RecipientsOmitted).toBe(150);
  });

  it('stores the 100 copies of a spam with a 15,000-character CJK subject (one 8.6 MiB transaction before)', async () => {
    const subject = cjkText(15_000);
    const copies = Array.from({ length: 100 }, (_, i) =>
      message({ copyId: `copy-${i}`, subject, recipients: [`user${i}@contoso.com`] }),
    );
    const result = await store.upsert(copies);
    expect(result).toEqual({ stored: 100, rejected: [] });
    const rows = await store.findByNetworkMessageId(message().networkMessageId);
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.subject === subject.slice(0, MAX_SUBJECT_CHARS))).toBe(true);
  });

  it('splits a partition into transactions of at most 100 rows and the byte budget, counting CJK as the service does', () => {
    // Rows near the budget's scale: 60 KiB of CJK each, so 100 of them would be ~17 MiB of UTF-8.
    const big = Array.from({ length: 100 }, (_, i) => ({ partitionKey: 'p', rowKey: `r${i}`, Text: cjkText(30_000) }));
    const chunks = splitBySize(big);
    expect(chunks.flat()).toEqual(big);
    for (const chunk of chunks) {
      expect(chunk.reduce((sum, row) => sum + encodedSize(row), 0)).toBeLessThanOrEqual(MAX_TRANSACTION_BYTES);
      expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThan(MAX_TRANSACTION_BYTES);
    }
    expect(chunks.length).toBeGreaterThan(4);
    // ASCII is charged as UTF-16 (2 bytes a character), as Table Storage counts it.
    expect(encodedSize({ Text: 'a'.repeat(10_000) })).toBeGreaterThanOrEqual(20_000);
    const small = Array.from({ length: 250 }, (_, i) => toEntity(message({ copyId: `c${i}` })));
    expect(splitBySize(small).map((c) => c.length)).toEqual([100, 100, 50]);
  });

  it('stores the rest of a partition when Table Storage refuses one of its rows, and names that row', async () => {
    const good = Array.from({ length: 5 }, (_, i) => message({ copyId: `copy-${i}` }));
    // A RowKey Table Storage refuses (a control character), as hostile data might produce.
    const bad = message({ copyId: 'bad\u0001key' });
    const result = await store.upsert([...good.slice(0, 2), bad, ...good.slice(2)]);
    expect(result.stored).toBe(5);
    expect(result.rejected).toEqual([
      {
        networkMessageId: bad.networkMessageId,
        copyId: bad.copyId,
        reason: expect.stringMatching(/^refused by Table Storage \(4\d\d\)$/),
        detail: expect.any(String),
      },
    ]);
    expect((await store.findByNetworkMessageId(message().networkMessageId)).map((m) => m.copyId).sort()).toEqual(
      good.map((m) => m.copyId).sort(),
    );
  });

  it('forgets rows a week after they expire, not before', async () => {
    await store.upsert([
      message({ copyId: 'expired-long-ago', expiresAt: new Date('2026-11-01T00:00:00Z') }),
      message({ copyId: 'expired-yesterday', expiresAt: new Date('2026-11-22T00:00:00Z') }),
    ]);
    expect(await store.purge(new Date('2026-11-23T00:00:00Z'))).toBe(1);
    expect((await store.findByNetworkMessageId(message().networkMessageId)).map((m) => m.copyId)).toEqual([
      'expired-yesterday',
    ]);
  });
});
