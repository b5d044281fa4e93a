import { CONCURRENCY_MESSAGE, exchangeTime, M365Simulator, quarantineRow, TRUNCATION_WARNING } from '../../simulator';
import { call, DAY, HOUR, invoke, token, type Envelope, type ExchangeError } from './helpers';

interface Row {
  Identity: string;
  ReceivedTime: string;
  [key: string]: unknown;
}

describe('simulated Exchange admin REST (InvokeCommand)', () => {
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

  const quarantine = (parameters: unknown): ReturnType<typeof invoke> =>
    invoke(sim, 'Get-QuarantineMessage', parameters, { bearer });
  const rowsOf = async (parameters: unknown): Promise<Envelope<Row>> => {
    const reply = await quarantine(parameters);
    expect(reply.status).toBe(200);
    return reply.json<Envelope<Row>>();
  };
  const errorText = (reply: { json: <T>() => T }): string =>
    reply.json<ExchangeError>().error.innererror.internalexception.message;

  it('answers the documented envelope with type-hint sibling keys on each row', async () => {
    const row = quarantineRow({ networkMessageId: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d' });
    sim.tenant.quarantine.add(row);
    const reply = await quarantine({});
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json<Record<string, unknown>>()).slice(0, 4)).toEqual([
      '@odata.context',
      'adminapi.warnings@odata.type',
      '@adminapi.warnings',
      'value',
    ]);
    const body = reply.json<Envelope<Row>>();
    expect(body['@adminapi.warnings']).toEqual([]);
    expect(body['@odata.nextLink']).toBeUndefined();
    expect(body.value).toHaveLength(1);
    const wire = body.value[0];
    expect(wire).toMatchObject({
      'ReceivedTime@data.type': 'System.DateTime',
      'RecipientAddress@odata.type': '#Collection(String)',
      'Size@data.type': 'System.Int32',
      'Expires@data.type': 'System.DateTime',
      Identity: row.Identity,
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example'],
      Direction: 'Outbound',
    });
    expect(wire.Identity.split('\\')[0]).toBe('5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d');
    expect(wire.ReceivedTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00$/);
  });

  it('orders newest first, ties broken by Identity', async () => {
    const at = new Date(Date.now() - 2 * HOUR);
    const older = quarantineRow({ receivedAt: new Date(at.getTime() - HOUR) });
    const tieB = quarantineRow({ receivedAt: at, networkMessageId: 'bbbbbbbb-0000-4000-8000-000000000000' });
    const tieA = quarantineRow({ receivedAt: at, networkMessageId: 'aaaaaaaa-0000-4000-8000-000000000000' });
    const newest = quarantineRow({ receivedAt: new Date(at.getTime() + HOUR) });
    sim.tenant.quarantine.add([older, tieB, newest, tieA]);
    const body = await rowsOf({});
    expect(body.value.map((r) => r.Identity)).toEqual([newest.Identity, tieA.Identity, tieB.Identity, older.Identity]);
  });

  it('filters by an inclusive received-date window and by Direction, ReleaseStatus and QuarantineTypes', async () => {
    const start = new Date(Date.now() - 3 * DAY);
    const end = new Date(Date.now() - 2 * DAY);
    const atStart = quarantineRow({ receivedAt: start });
    const atEnd = quarantineRow({ receivedAt: end });
    const before = quarantineRow({ receivedAt: new Date(start.getTime() - 1) });
    const inbound = quarantineRow({ receivedAt: new Date(start.getTime() + HOUR), Direction: 'Inbound' });
    const released = quarantineRow({
      receivedAt: new Date(start.getTime() + HOUR),
      ReleaseStatus: 'RELEASED',
      Released: true,
    });
    const dlp = quarantineRow({
      receivedAt: new Date(start.getTime() + HOUR),
      QuarantineTypes: 'DataLossPrevention',
      Type: 'DataLossPrevention',
    });
    sim.tenant.quarantine.add([atStart, atEnd, before, inbound, released, dlp]);

    const window = { StartReceivedDate: start.toISOString(), EndReceivedDate: end.toISOString() };
    const all = await rowsOf(window);
    expect(all.value.map((r) => r.Identity).sort()).toEqual(
      [atStart, atEnd, inbound, released, dlp].map((r) => r.Identity).sort(),
    );

    const outbound = await rowsOf({ ...window, Direction: 'Outbound' });
    expect(outbound.value.map((r) => r.Identity)).not.toContain(inbound.Identity);

    const notReleased = await rowsOf({ ...window, ReleaseStatus: 'NotReleased' });
    expect(notReleased.value.map((r) => r.Identity)).not.toContain(released.Identity);
    const either = await rowsOf({ ...window, ReleaseStatus: ['NotReleased', 'Released'] });
    expect(either.value).toHaveLength(5);

    const rules = await rowsOf({ ...window, QuarantineTypes: ['TransportRule'] });
    expect(rules.value.map((r) => r.Identity)).not.toContain(dlp.Identity);
  });

  it('looks back 16 days without dates, never more than 30, and forgets expired rows', async () => {
    const recent = quarantineRow({ receivedAt: new Date(Date.now() - 15 * DAY) });
    const older = quarantineRow({ receivedAt: new Date(Date.now() - 20 * DAY) });
    const ancient = quarantineRow({
      receivedAt: new Date(Date.now() - 31 * DAY),
      Expires: exchangeTime(new Date(Date.now() + DAY)),
    });
    const expired = quarantineRow({
      receivedAt: new Date(Date.now() - 2 * DAY),
      Expires: exchangeTime(new Date(Date.now() - HOUR)),
    });
    sim.tenant.quarantine.add([recent, older, ancient, expired]);

    expect((await rowsOf({})).value.map((r) => r.Identity)).toEqual([recent.Identity]);
    const wide = await rowsOf({
      StartReceivedDate: new Date(Date.now() - 60 * DAY).toISOString(),
      EndReceivedDate: new Date().toISOString(),
    });
    expect(wide.value.map((r) => r.Identity)).toEqual([recent.Identity, older.Identity]);
  });

  it('pages with Page and PageSize (default 100); PageSize 0 answers 200 with no rows', async () => {
    const base = Date.now() - HOUR;
    sim.tenant.quarantine.add(
      Array.from({ length: 150 }, (_, i) => quarantineRow({ receivedAt: new Date(base - i * 1000) })),
    );
    expect((await rowsOf({})).value).toHaveLength(100);
    expect((await rowsOf({ Page: 2 })).value).toHaveLength(50);
    expect((await rowsOf({ Page: 2, PageSize: 60 })).value).toHaveLength(60);
    expect((await rowsOf({ Page: 4, PageSize: 50 })).value).toHaveLength(0);
    expect((await rowsOf({ PageSize: 0 })).value).toHaveLength(0);
  });

  it('refuses Page and PageSize outside 1..1000 with the PowerShell validation text', async () => {
    const tooBig = await quarantine({ PageSize: 1001 });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json<ExchangeError>().error.message).toBe('Invalid Operation');
    expect(errorText(tooBig)).toMatch(/^Cannot validate argument on parameter 'PageSize'/);
    expect(tooBig.json<ExchangeError>().error.details[0].message).toMatch(
      /greater than the maximum allowed range of 1000/,
    );

    const pageZero = await quarantine({ Page: 0 });
    expect(pageZero.status).toBe(400);
    expect(errorText(pageZero)).toMatch(/^Cannot validate argument on parameter 'Page'/);
  });

  it('refuses null or missing Parameters, unknown cmdlets and unknown parameters', async () => {
    const nullParameters = await quarantine(null);
    expect(nullParameters.status).toBe(400);
    expect(errorText(nullParameters)).toMatch(/Parameters/);

    const missing = await call(`${sim.exchangeEndpoint}/adminapi/beta/${sim.tenantId}/InvokeCommand`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-QuarantineMessage' } }),
    });
    expect(missing.status).toBe(400);

    const unknown = await invoke(sim, 'Get-QuarantineMessages', {}, { bearer });
    expect(unknown.status).toBe(400);
    expect(errorText(unknown)).toMatch(/^The term 'Get-QuarantineMessages' is not recognized as a name of a cmdlet/);

    const resultSize = await quarantine({ ResultSize: 'Unlimited' });
    expect(resultSize.status).toBe(400);
    expect(errorText(resultSize)).toBe("A parameter cannot be found that matches parameter name 'ResultSize'.");

    const badDate = await quarantine({ StartReceivedDate: 'yesterday' });
    expect(badDate.status).toBe(400);
    expect(errorText(badDate)).toMatch(/System\.DateTime/);
  });

  it('answers 401 without Exchange.ManageAsApp and 403 with NUL bytes without a directory role', async () => {
    sim.grants.exchangeManageAsApp = false;
    const noRole = await quarantine({});
    expect(noRole.status).toBe(401);
    expect(noRole.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(noRole.raw.length).toBe(0);

    sim.grants.exchangeManageAsApp = true;
    sim.grants.exchangeDirectoryRole = false;
    const noDirectoryRole = await quarantine({});
    expect(noDirectoryRole.status).toBe(403);
    expect(noDirectoryRole.raw.length).toBeGreaterThan(0);
    expect([...noDirectoryRole.raw].every((byte) => byte === 0)).toBe(true);
    expect(() => noDirectoryRole.json()).toThrow();

    sim.grants.exchangeDirectoryRole = true;
    expect((await quarantine({})).status).toBe(200);
  });

  it('answers 401 without a token or for another tenant', async () => {
    const noToken = await call(`${sim.exchangeEndpoint}/adminapi/beta/${sim.tenantId}/InvokeCommand`, {
      method: 'POST',
      body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-AcceptedDomain', Parameters: {} } }),
    });
    expect(noToken.status).toBe(401);
    const otherTenant = await invoke(
      sim,
      'Get-AcceptedDomain',
      {},
      { bearer, tenant: '11111111-2222-3333-4444-555555555555' },
    );
    expect(otherTenant.status).toBe(401);
  });

  describe('truncated windows', () => {
    const base = Date.now() - HOUR;
    const make = (count: number): ReturnType<typeof quarantineRow>[] =>
      Array.from({ length: count }, (_, i) => quarantineRow({ receivedAt: new Date(base - i * 60 * 1000) }));

    it('pages only the first exchangeWindowLimit rows, every page carrying a nextLink and the warning', async () => {
      sim.exchangeWindowLimit = 30;
      const rows = make(45);
      sim.tenant.quarantine.add(rows);

      const seen: string[] = [];
      for (let page = 1; page <= 5; page++) {
        const body = await rowsOf({ Page: page, PageSize: 10 });
        expect(body['@adminapi.warnings']).toEqual([TRUNCATION_WARNING]);
        expect(body['@odata.nextLink']).toMatch(
          new RegExp(`^${sim.exchangeEndpoint}/adminapi/beta/.+/InvokeCommand\\?%24skiptoken=`),
        );
        seen.push(...body.value.map((r) => r.Identity));
        if (page > 3) expect(body.value).toHaveLength(0);
      }
      expect(seen).toEqual(rows.slice(0, 30).map((r) => r.Identity));
    });

    it('refuses a replayed nextLink, by GET or POST', async () => {
      sim.exchangeWindowLimit = 5;
      sim.tenant.quarantine.add(make(8));
      const body = await rowsOf({ PageSize: 5 });
      const nextLink = body['@odata.nextLink'] ?? '';
      for (const method of ['GET', 'POST']) {
        const replay = await call(nextLink, {
          method,
          headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
          body:
            method === 'POST'
              ? JSON.stringify({ CmdletInput: { CmdletName: 'Get-QuarantineMessage', Parameters: {} } })
              : undefined,
        });
        expect(replay.status).toBe(400);
        expect(errorText(replay)).toMatch(/^Expired or Invalid pagination request/);
      }
    });

    it('gives everything to a client that splits the window into smaller date ranges', async () => {
      sim.exchangeWindowLimit = 30;
      const rows = make(45);
      sim.tenant.quarantine.add(rows);
      const split = new Date(base - 25 * 60 * 1000).toISOString();
      const newer = await rowsOf({
        StartReceivedDate: split,
        EndReceivedDate: new Date().toISOString(),
        PageSize: 1000,
      });
      const older = await rowsOf({
        StartReceivedDate: new Date(base - DAY).toISOString(),
        EndReceivedDate: new Date(Date.parse(split) - 1).toISOString(),
        PageSize: 1000,
      });
      for (const body of [newer, older]) {
        expect(body['@adminapi.warnings']).toEqual([]);
        expect(body['@odata.nextLink']).toBeUndefined();
      }
      expect([...newer.value, ...older.value].map((r) => r.Identity)).toEqual(rows.map((r) => r.Identity));
    });

    it('truncates at 5000 rows by default', async () => {
      sim.tenant.quarantine.add(
        Array.from({ length: 5001 }, (_, i) => quarantineRow({ receivedAt: new Date(base - i * 100) })),
      );
      const last = await rowsOf({ Page: 6, PageSize: 1000 });
      expect(last.value).toHaveLength(0);
      expect(last['@adminapi.warnings']).toEqual([TRUNCATION_WARNING]);
      const fifth = await rowsOf({ Page: 5, PageSize: 1000 });
      expect(fifth.value).toHaveLength(1000);
      expect(fifth['@odata.nextLink']).toBeDefined();
    });
  });

  it('lists accepted domains with Get-AcceptedDomain', async () => {
    sim.tenant.acceptedDomains = ['contoso.com', 'contoso.onmicrosoft.com', 'fabrikam-sales.com'];
    const reply = await invoke(sim, 'Get-AcceptedDomain', {}, { bearer });
    expect(reply.status).toBe(200);
    const rows = reply.json<Envelope>().value;
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      Identity: 'contoso.com',
      DomainName: 'contoso.com',
      DomainType: 'Authoritative',
      Default: true,
    });
    expect(rows[2]).toMatchObject({ DomainName: 'fabrikam-sales.com', Default: false });
  });

  it('refuses more than 3 concurrent calls per tenant with 429 and the concurrency text', async () => {
    sim.latencyMs.exchange = 300;
    const replies = await Promise.all(Array.from({ length: 5 }, () => quarantine({})));
    const refused = replies.filter((reply) => reply.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0].text).toContain(CONCURRENCY_MESSAGE);
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(5 - refused.length);
    expect(sim.peakInFlight.exchange).toBeGreaterThan(3);
  });

  it('lets a sequential client through', async () => {
    for (let i = 0; i < 5; i++) expect((await quarantine({})).status).toBe(200);
    expect(sim.peakInFlight.exchange).toBe(1);
  });

  it('answers injected faults first, in order, with Retry-After and the given body', async () => {
    sim.faults.add({ service: 'exchange', status: 429, retryAfterSeconds: 7 });
    sim.faults.add({ service: 'exchange', status: 503, times: 2, body: 'Service Unavailable' });
    sim.faults.add({
      service: 'exchange',
      status: 400,
      body: { error: { code: 'BadRequest', message: 'Invalid Operation' } },
      match: (req) => JSON.stringify(req.body).includes('Get-AcceptedDomain'),
    });

    const accepted = await invoke(sim, 'Get-AcceptedDomain', {}, { bearer });
    expect(accepted.status).toBe(429);
    expect(accepted.headers.get('retry-after')).toBe('7');
    expect(accepted.text).toContain(CONCURRENCY_MESSAGE);

    expect((await quarantine({})).text).toBe('Service Unavailable');
    expect((await quarantine({})).status).toBe(503);
    expect((await quarantine({})).status).toBe(200);
    expect(sim.faults.pending).toBe(1);
    expect((await invoke(sim, 'Get-AcceptedDomain', {}, { bearer })).status).toBe(400);
    expect(sim.faults.pending).toBe(0);
    expect(sim.requests.filter((r) => r.service === 'exchange').map((r) => r.status)).toEqual([
      429, 503, 503, 200, 400,
    ]);
  });
});
