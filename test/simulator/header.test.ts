import {
  exchangeTime,
  giantInboundSpam,
  hostileHeader,
  HUGE_HEADER_BYTES,
  M365Simulator,
  massRelease,
  messageHeader,
  quarantineRow,
  type AuditRecord,
} from '../../simulator';
import { invoke, token, type Envelope, type ExchangeError } from './helpers';

/** Unfolds a header block and returns every value of one field (the way a careful parser would). */
function fieldValues(header: string, name: string): string[] {
  const unfolded = header.replace(/\r\n[ \t]/g, ' ');
  return unfolded
    .split('\r\n')
    .filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((line) => line.slice(name.length + 1).trim());
}

describe('simulated Get-QuarantineMessageHeader', () => {
  let sim: M365Simulator;
  let bearer: string;

  beforeAll(async () => {
    sim = await M365Simulator.start();
    bearer = await token(sim, 'exchange');
  });

  beforeEach(() => sim.reset());

  afterAll(async () => {
    await sim.stop();
  });

  const readHeader = (parameters: unknown): ReturnType<typeof invoke> =>
    invoke(sim, 'Get-QuarantineMessageHeader', parameters, { bearer });
  const headerOf = async (identity: string): Promise<string> => {
    const reply = await readHeader({ Identity: identity });
    expect(reply.status).toBe(200);
    const body = reply.json<Envelope<{ Identity: string; Header: string }>>();
    expect(body.value).toHaveLength(1);
    expect(body.value[0].Identity).toBe(identity);
    return body.value[0].Header;
  };
  const viewHeaderRecords = (): AuditRecord[] =>
    sim.audit.blobs.flatMap((blob) => blob.records as AuditRecord[]).filter((record) => record.RequestType === 4);

  it('answers an outbound message header with Originating / Internal / DIR:OUT and no Authentication-Results', async () => {
    const row = quarantineRow({ SenderAddress: 'alice@contoso.com', Subject: 'Q3 pricing sheet' });
    sim.tenant.quarantine.add(row);
    const header = await headerOf(row.Identity);
    expect(fieldValues(header, 'X-MS-Exchange-Organization-MessageDirectionality')).toEqual(['Originating']);
    expect(fieldValues(header, 'X-MS-Exchange-Organization-AuthAs')).toEqual(['Internal']);
    expect(fieldValues(header, 'X-Forefront-Antispam-Report')[0]).toContain(';DIR:OUT;');
    expect(fieldValues(header, 'Authentication-Results')).toEqual([]);
    expect(fieldValues(header, 'From')).toEqual(['<alice@contoso.com>']);
    expect(fieldValues(header, 'Subject')).toEqual(['Q3 pricing sheet']);
    expect(fieldValues(header, 'Message-ID')).toEqual([row.MessageId]);
    expect(fieldValues(header, 'X-MS-Exchange-Organization-Network-Message-Id')).toEqual([row.Identity.split('\\')[0]]);
    // Real headers fold long lines: CRLF then whitespace, and every line ends in CRLF.
    expect(header).toMatch(/\r\n[ \t]/);
    expect(header.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(fieldValues(header, 'Received').length).toBeGreaterThanOrEqual(2);
  });

  it('answers the hybrid and connector shapes real Exchange Online headers show', async () => {
    const hybrid = quarantineRow({ SenderAddress: 'leo@contoso.com', RecipientAddress: ['carol@contoso.com'] });
    const routed = quarantineRow({ SenderAddress: 'mia@contoso.com' });
    sim.tenant.quarantine.add(hybrid, { origin: 'hybrid' });
    sim.tenant.quarantine.add(routed, { origin: 'connector' });

    // Hybrid: the on-premises mailbox, over the hybrid connector: internal stamps beside DIR:INB.
    const h = await headerOf(hybrid.Identity);
    expect(fieldValues(h, 'X-MS-Exchange-Organization-MessageDirectionality')).toEqual(['Originating']);
    expect(fieldValues(h, 'X-MS-Exchange-Organization-AuthAs')).toEqual(['Internal']);
    expect(fieldValues(h, 'X-MS-Exchange-Organization-AuthMechanism')).toEqual(['10']);
    expect(fieldValues(h, 'X-Forefront-Antispam-Report')[0]).toMatch(/SFV:SKI;.*DIR:INB;/);
    expect(fieldValues(h, 'X-MS-Exchange-CrossTenant-AuthAs')).toEqual(['Internal']);
    expect(fieldValues(h, 'X-MS-Exchange-CrossTenant-FromEntityHeader')).toEqual(['HybridOnPrem']);
    expect(fieldValues(h, 'Authentication-Results')).toEqual([]);

    // Routed through the own hop: Anonymous, HybridOnPrem, DIR:OUT.
    const c = await headerOf(routed.Identity);
    expect(fieldValues(c, 'X-MS-Exchange-Organization-AuthAs')).toEqual(['Anonymous']);
    expect(fieldValues(c, 'X-Forefront-Antispam-Report')[0]).toMatch(/DIR:OUT;/);
    expect(fieldValues(c, 'X-MS-Exchange-CrossTenant-AuthAs')).toEqual(['Anonymous']);
    expect(fieldValues(c, 'X-MS-Exchange-CrossTenant-FromEntityHeader')).toEqual(['HybridOnPrem']);
    // Exchange's stamps come after the sender's fields.
    expect(c.indexOf('\r\nSubject:')).toBeLessThan(c.indexOf('X-MS-Exchange-Organization-AuthAs'));
  });

  it('answers an inbound header with Incoming / Anonymous / DIR:INB and passing authentication', async () => {
    const row = quarantineRow({
      SenderAddress: 'billing@fabrikam.example',
      Direction: 'Inbound',
      QuarantineTypes: 'Spam',
      Type: 'Spam',
    });
    sim.tenant.quarantine.add(row);
    const header = await headerOf(row.Identity);
    expect(fieldValues(header, 'X-MS-Exchange-Organization-MessageDirectionality')).toEqual(['Incoming']);
    expect(fieldValues(header, 'X-MS-Exchange-Organization-AuthAs')).toEqual(['Anonymous']);
    expect(fieldValues(header, 'X-Forefront-Antispam-Report')[0]).toContain(';DIR:INB;');
    expect(fieldValues(header, 'Authentication-Results')[0]).toMatch(/dmarc=pass .*compauth=pass/);
  });

  it('tells the truth where Direction lies: a spoof of the own domain labelled Outbound, an internal message labelled Inbound', async () => {
    const spoof = quarantineRow({
      SenderAddress: 'ceo@contoso.com',
      Direction: 'Outbound',
      QuarantineTypes: 'HighConfPhish',
      Type: 'HighConfPhish',
    });
    const internal = quarantineRow({ SenderAddress: 'alice@contoso.com', Direction: 'Inbound' });
    const intra = quarantineRow({
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['carol@contoso.com'],
      QuarantineTypes: 'DataLossPrevention',
    });
    sim.tenant.quarantine.add(spoof, { origin: 'spoof' });
    sim.tenant.quarantine.add(internal, { origin: 'outbound' });
    sim.tenant.quarantine.add(intra, { origin: 'intra-org' });

    const spoofed = await headerOf(spoof.Identity);
    expect(fieldValues(spoofed, 'X-MS-Exchange-Organization-MessageDirectionality')).toEqual(['Incoming']);
    expect(fieldValues(spoofed, 'X-Forefront-Antispam-Report')[0]).toMatch(/CAT:HPHISH;.*DIR:INB;/);
    expect(fieldValues(spoofed, 'Authentication-Results')[0]).toMatch(
      /dmarc=fail action=quarantine header\.from=contoso\.com;compauth=fail/,
    );

    expect(fieldValues(await headerOf(internal.Identity), 'X-MS-Exchange-Organization-AuthAs')).toEqual(['Internal']);
    expect(fieldValues(await headerOf(intra.Identity), 'X-Forefront-Antispam-Report')[0]).toContain(';DIR:INT;');
  });

  it('encodes a non-ASCII subject as RFC 2047 words, and the giant CJK subject yields a large folded header', async () => {
    const [giant] = giantInboundSpam({ copies: 1 });
    sim.tenant.quarantine.add(giant);
    const header = await headerOf(giant.Identity);
    expect(header).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    const subject = fieldValues(header, 'Subject')[0];
    const decoded = subject
      .split(' ')
      .map((word) => Buffer.from(/^=\?utf-8\?B\?(.*)\?=$/.exec(word)?.[1] ?? '', 'base64').toString('utf8'))
      .join('');
    expect(decoded).toBe(giant.Subject);
  });

  it('answers an explicit header override as it is, for the hostile cases', async () => {
    const row = quarantineRow({ SenderAddress: 'alice@contoso.com' });
    const kinds = ['field-twice', 'huge', 'non-ascii', 'bare-lf', 'bare-cr', 'no-origin'] as const;
    sim.tenant.quarantine.add(row);
    for (const kind of kinds) {
      const text = hostileHeader(row, kind);
      sim.tenant.quarantine.setHeader(row.Identity, { header: text });
      expect(await headerOf(row.Identity)).toBe(text);
    }
    expect(Buffer.byteLength(hostileHeader(row, 'huge'))).toBeGreaterThanOrEqual(HUGE_HEADER_BYTES);
    expect(hostileHeader(row, 'bare-lf')).not.toContain('\r');
    expect(hostileHeader(row, 'bare-cr')).not.toContain('\n');
    expect(hostileHeader(row, 'no-origin')).not.toMatch(/X-MS-Exchange|X-Forefront|Authentication-Results/);
    expect(hostileHeader(row, 'non-ascii')).toMatch(/[^\x00-\x7f]/);
    const twice = hostileHeader(row, 'field-twice');
    expect(fieldValues(twice, 'X-MS-Exchange-Organization-MessageDirectionality')).toEqual(['Originating', 'Incoming']);
  });

  it('answers 400 "couldn\'t be found" for an unknown, removed or expired copy', async () => {
    const expired = quarantineRow({
      receivedAt: new Date(Date.now() - 40 * 86_400_000),
      Expires: exchangeTime(new Date(Date.now() - 1000)),
    });
    const removed = quarantineRow();
    sim.tenant.quarantine.add([expired, removed]);
    sim.tenant.quarantine.remove(removed.Identity);
    for (const identity of [
      expired.Identity,
      removed.Identity,
      '11111111-2222-4333-8444-555555555555\\66666666-7777-4888-8999-000000000000',
    ]) {
      const reply = await readHeader({ Identity: identity });
      expect(reply.status).toBe(400);
      const error = reply.json<ExchangeError>().error;
      expect(error.message).toBe('Invalid Operation');
      expect(error.details[0].message).toMatch(/couldn't be found/);
      expect(error.innererror.internalexception.message).toMatch(/couldn't be found/);
    }
    expect(viewHeaderRecords()).toHaveLength(0);
  });

  it('answers 400 for a missing or malformed Identity', async () => {
    expect((await readHeader({})).status).toBe(400);
    const malformed = await readHeader({ Identity: 'not-an-identity' });
    expect(malformed.status).toBe(400);
    expect(malformed.json<ExchangeError>().error.innererror.internalexception.message).toMatch(/Identity/);
  });

  it('answers 403 to -EntityType, and 403 with a NUL-byte body when the role does not allow the cmdlet', async () => {
    const row = quarantineRow();
    sim.tenant.quarantine.add(row);
    expect((await readHeader({ Identity: row.Identity, EntityType: 'Email' })).status).toBe(403);
    sim.grants.quarantineHeaderRead = false;
    const denied = await readHeader({ Identity: row.Identity });
    expect(denied.status).toBe(403);
    expect(denied.raw.length).toBeGreaterThan(0);
    expect([...denied.raw].every((byte) => byte === 0)).toBe(true);
    // Get-QuarantineMessage still works: only the header is withheld.
    expect((await invoke(sim, 'Get-QuarantineMessage', {}, { bearer })).status).toBe(200);
    expect(viewHeaderRecords()).toHaveLength(0);
  });

  it('audits each read as ViewHeader (RequestType 4) under the app, in Audit.General', async () => {
    const row = quarantineRow();
    sim.tenant.quarantine.add(row);
    await headerOf(row.Identity);
    await headerOf(row.Identity);
    const records = viewHeaderRecords();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      RecordType: 65,
      Workload: 'Quarantine',
      Operation: 'QuarantineViewHeader',
      RequestType: 4,
      UserId: sim.clientId,
      NetworkMessageId: row.Identity.split('\\')[0],
      OrganizationId: sim.tenantId,
    });
    expect(new Set(records.map((r) => r.Id)).size).toBe(2);
    expect(sim.audit.blobs.every((blob) => blob.contentType === 'Audit.General')).toBe(true);
  });

  it('holds the ViewHeader record back for headerReadLatencyMs', async () => {
    sim.audit.headerReadLatencyMs = 3_600_000;
    const row = quarantineRow();
    sim.tenant.quarantine.add(row);
    await headerOf(row.Identity);
    expect(sim.audit.blobs[0].availableAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it('is the same header on every read of a row (stable ids, no random parts)', () => {
    const row = quarantineRow();
    expect(messageHeader(row)).toBe(messageHeader(row));
  });
});

describe('fixtures for big messages', () => {
  it('massRelease: 120 recipient copies, released to all, one audit record per recipient', () => {
    const mass = massRelease();
    expect(mass.rows).toHaveLength(120);
    expect(new Set(mass.rows.map((r) => r.Identity.split('\\')[0])).size).toBe(1);
    expect(new Set(mass.rows.map((r) => r.Identity)).size).toBe(120);
    expect(mass.rows.every((r) => r.Released && r.ReleaseStatus === 'RELEASED')).toBe(true);
    expect(mass.records).toHaveLength(120);
    expect(new Set(mass.records.map((r) => r.ReleaseTo)).size).toBe(120);
    expect(
      mass.records.every(
        (r) =>
          r.NetworkMessageId === mass.networkMessageId &&
          r.Operation === 'QuarantineReleaseMessage' &&
          r.RequestType === 2,
      ),
    ).toBe(true);
    expect(new Set(mass.records.map((r) => r.Id)).size).toBe(120);
    const single = massRelease({ recipients: 60, rows: 'single' });
    expect(single.rows).toHaveLength(1);
    expect(single.rows[0].RecipientAddress).toHaveLength(60);
    expect(single.rows[0].RecipientCount).toBe(60);
  });

  it('giantInboundSpam: 100 inbound copies with a 15,000-character CJK subject, more than a Table transaction holds', () => {
    const rows = giantInboundSpam();
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.Subject.length === 15_000 && r.Direction === 'Inbound')).toBe(true);
    expect(rows[0].Subject).toMatch(/^[\u3000-\u9fff\uff00-\uffef]+$/);
    const bytes = rows.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
  });
});
