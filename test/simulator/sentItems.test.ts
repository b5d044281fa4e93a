import { M365Simulator, parseExtendedPropertyFilter } from '../../simulator';
import { call, token, type Reply } from './helpers';

interface Listing {
  value: Array<{
    id: string;
    subject?: string;
    createdDateTime?: string;
    sentDateTime?: string;
    toRecipients?: unknown;
    singleValueExtendedProperties?: Array<{ id: string; value: string }>;
  }>;
  '@odata.nextLink'?: string;
}

/** Finding a sent notification again through Sent Items (reference section 3, issue 9). */
describe('simulated Graph Sent Items', () => {
  let sim: M365Simulator;
  let bearer: string;
  const mailbox = 'quarantine-notices@contoso.com';
  const GUID = '8d3f6a1e-2b4c-4d5e-9f60-7a8b9c0d1e2f';
  const PROP = `String {${GUID}} Name QrnDeliveryKey`;

  beforeAll(async () => {
    sim = await M365Simulator.start();
    bearer = await token(sim, 'graph');
  });

  beforeEach(() => {
    sim.reset();
    sim.sentItemsDelayMs = 0;
  });

  afterAll(async () => {
    await sim.stop();
  });

  const send = (
    key: string | undefined,
    options: { saveToSentItems?: boolean; subject?: string; propertyId?: string; from?: string } = {},
  ): Promise<Reply> =>
    call(`${sim.graphEndpoint}/v1.0/users/${options.from ?? mailbox}/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        message: {
          subject: options.subject ?? `notice ${key ?? ''}`,
          toRecipients: [{ emailAddress: { address: 'alice@contoso.com' } }],
          ...(key === undefined
            ? {}
            : { singleValueExtendedProperties: [{ id: options.propertyId ?? PROP, value: key }] }),
        },
        saveToSentItems: options.saveToSentItems ?? true,
      }),
    });

  const filterFor = (key: string, propertyId = PROP): string =>
    `singleValueExtendedProperties/Any(ep: ep/id eq '${propertyId.replace(/'/g, "''")}' and ep/value eq '${key.replace(/'/g, "''")}')`;

  const list = (query: Record<string, string>, options: { path?: string; user?: string } = {}): Promise<Reply> => {
    const path = options.path ?? `mailFolders('sentitems')/messages`;
    const search = new URLSearchParams(query).toString();
    return call(
      `${sim.graphEndpoint}/v1.0/users/${encodeURIComponent(options.user ?? mailbox)}/${path}${search ? `?${search}` : ''}`,
      {
        headers: { Authorization: `Bearer ${bearer}` },
      },
    );
  };

  const find = async (key: string, propertyId = PROP): Promise<Listing['value']> => {
    const reply = await list({ $filter: filterFor(key, propertyId) });
    expect(reply.status).toBe(200);
    return reply.json<Listing>().value;
  };

  it('finds a sent message by its extended property, in the documented shape', async () => {
    expect((await send('delivery-1')).status).toBe(202);
    expect((await send('delivery-2')).status).toBe(202);
    const found = await find('delivery-1');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: sim.sentMail[0].sentItemId, subject: 'notice delivery-1' });
    expect(found[0].createdDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(found[0].sentDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    // Without $expand the properties are not in the answer.
    expect(found[0].singleValueExtendedProperties).toBeUndefined();
    expect(await find('delivery-3')).toEqual([]);
  });

  it('also answers on mailFolders/sentitems and with the quotes percent-encoded', async () => {
    await send('k1');
    const filter = filterFor('k1');
    for (const path of [
      'mailFolders/sentitems/messages',
      'mailFolders/SentItems/messages',
      'mailFolders(%27sentitems%27)/messages',
    ]) {
      const reply = await list({ $filter: filter }, { path });
      expect(reply.status).toBe(200);
      expect(reply.json<Listing>().value).toHaveLength(1);
    }
    expect((await list({}, { path: 'mailFolders/inbox/messages' })).status).toBe(404);
  });

  it('matches the GUID and the value in any case, the Name only exactly', async () => {
    await send('Delivery-ABC');
    expect(await find('delivery-abc')).toHaveLength(1);
    expect(await find('DELIVERY-ABC', `String {${GUID.toUpperCase()}} Name QrnDeliveryKey`)).toHaveLength(1);
    expect(await find('Delivery-ABC', `String {${GUID}} Name qrndeliverykey`)).toHaveLength(0);
    expect(await find('Delivery-ABC', `String {${GUID.replace('8d3f', '0000')}} Name QrnDeliveryKey`)).toHaveLength(0);
    // A value is matched whole, not as a prefix.
    expect(await find('Delivery-AB')).toHaveLength(0);
  });

  it('shows the copy only after sentItemsDelayMs', async () => {
    sim.sentItemsDelayMs = 600;
    await send('late');
    expect(await find('late')).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await find('late')).toHaveLength(1);
  });

  it('keeps nothing in Sent Items when saveToSentItems is false, and defaults it to true', async () => {
    await send('unsaved', { saveToSentItems: false });
    expect(sim.sentMail).toHaveLength(1);
    expect(await find('unsaved')).toHaveLength(0);
    await call(`${sim.graphEndpoint}/v1.0/users/${mailbox}/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        message: {
          subject: 's',
          toRecipients: [{ emailAddress: { address: 'a@contoso.com' } }],
          singleValueExtendedProperties: [{ id: PROP, value: 'default' }],
        },
      }),
    });
    expect(await find('default')).toHaveLength(1);
  });

  it("returns the filtered property with $expand, its id in Graph's spelling, and honours $select and $top", async () => {
    const otherProp = `String {${GUID}} Name Other`;
    await call(`${sim.graphEndpoint}/v1.0/users/${mailbox}/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        message: {
          subject: 'two props',
          toRecipients: [{ emailAddress: { address: 'a@contoso.com' } }],
          singleValueExtendedProperties: [
            { id: `string {${GUID.toUpperCase()}} Name QrnDeliveryKey`, value: 'x1' },
            { id: otherProp, value: 'y' },
          ],
        },
      }),
    });
    const reply = await list({
      $filter: filterFor('x1'),
      $select: 'id,subject',
      $expand: `singleValueExtendedProperties($filter=id eq '${PROP}')`,
      $top: '1',
    });
    expect(reply.status).toBe(200);
    const [message] = reply.json<Listing>().value;
    expect(Object.keys(message).filter((k) => !k.startsWith('@') && !k.includes('@'))).toEqual([
      'id',
      'subject',
      'singleValueExtendedProperties',
    ]);
    expect(message.singleValueExtendedProperties).toEqual([
      { id: `String {${GUID}} Name QrnDeliveryKey`, value: 'x1' },
    ]);
  });

  it('pages with $top and an @odata.nextLink', async () => {
    for (let i = 0; i < 3; i++) await send(`same`, { subject: `copy ${i}` });
    const first = await list({ $filter: filterFor('same'), $top: '2' });
    const page = first.json<Listing>();
    expect(page.value).toHaveLength(2);
    expect(page['@odata.nextLink']).toBeDefined();
    const next = await call(page['@odata.nextLink'] ?? '', { headers: { Authorization: `Bearer ${bearer}` } });
    expect(next.json<Listing>().value).toHaveLength(1);
    expect(next.json<Listing>()['@odata.nextLink']).toBeUndefined();
  });

  it.each([
    ['a broken lambda', "singleValueExtendedProperties/Any(ep: ep/id eq 'x' and", 'BadRequest'],
    [
      'an unterminated literal',
      `singleValueExtendedProperties/Any(ep: ep/id eq '${PROP} and ep/value eq 'k')`,
      'BadRequest',
    ],
    ['a filter on another property', "subject eq 'x'", 'ErrorInvalidUrlQueryFilter'],
    [
      'a property id of the wrong shape',
      "singleValueExtendedProperties/Any(ep: ep/id eq 'QrnDeliveryKey' and ep/value eq 'k')",
      'ErrorInvalidExtendedProperty',
    ],
    ['ne instead of eq', `singleValueExtendedProperties/Any(ep: ep/id ne '${PROP}' and ep/value eq 'k')`, 'BadRequest'],
    [
      'another lambda variable on one side',
      `singleValueExtendedProperties/Any(ep: x/id eq '${PROP}' and ep/value eq 'k')`,
      'BadRequest',
    ],
  ])('answers 400 for %s', async (_label, filter, code) => {
    const reply = await list({ $filter: filter });
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ error: { code } });
  });

  it('answers 400 for a bad $top, $select or $expand', async () => {
    expect((await list({ $top: '0' })).status).toBe(400);
    expect((await list({ $top: 'ten' })).status).toBe(400);
    expect((await list({ $select: 'id,bogus' })).status).toBe(400);
    expect((await list({ $expand: 'attachments' })).status).toBe(400);
  });

  it('parses the filter in either order, any lambda variable, with quotes doubled', () => {
    const parsed = parseExtendedPropertyFilter(
      `singleValueExtendedProperties/any(m:m/value eq 'it''s' and m/id eq '${PROP}')`,
    );
    expect(parsed.value).toBe("it's");
    expect(parsed.id.canonical).toBe(PROP);
  });

  it('needs Mail.Read for that mailbox: 403 ErrorAccessDenied without it, 404 for an unknown mailbox', async () => {
    await send('k');
    sim.grants.mailRead = 'none';
    const denied = await list({ $filter: filterFor('k') });
    expect(denied.status).toBe(403);
    expect(denied.json()).toMatchObject({ error: { code: 'ErrorAccessDenied' } });
    sim.grants.mailRead = ['someone-else@contoso.com'];
    expect((await list({ $filter: filterFor('k') })).status).toBe(403);
    sim.grants.mailRead = [mailbox.toUpperCase()];
    expect((await list({ $filter: filterFor('k') })).status).toBe(200);
    sim.grants.mailRead = 'tenant';
    const unknown = await list({}, { user: 'nobody@contoso.com' });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'ErrorInvalidUser' } });
  });

  it("keeps each mailbox's Sent Items apart", async () => {
    await send('mine', { from: 'alice@contoso.com' });
    expect(await find('mine')).toHaveLength(0);
    const reply = await list({ $filter: filterFor('mine') }, { user: 'alice@contoso.com' });
    expect(reply.json<Listing>().value).toHaveLength(1);
  });

  it('lets injected faults hit reads too', async () => {
    sim.faults.add({ service: 'graph', status: 503, match: (req) => req.method === 'GET' });
    expect((await send('k')).status).toBe(202);
    expect((await list({ $filter: filterFor('k') })).status).toBe(503);
    expect((await list({ $filter: filterFor('k') })).status).toBe(200);
  });

  it.each([
    ['no id', [{ value: 'x' }], 'ErrorInvalidExtendedProperty'],
    ['a non-string value', [{ id: PROP, value: 5 }], 'RequestBodyRead'],
    ['an id without a GUID', [{ id: 'String Name QrnDeliveryKey', value: 'x' }], 'ErrorInvalidExtendedProperty'],
    ['an unknown key', [{ id: PROP, value: 'x', name: 'y' }], 'RequestBodyRead'],
    ['not a list', { id: PROP, value: 'x' }, 'RequestBodyRead'],
  ])('refuses singleValueExtendedProperties with %s, sending nothing', async (_label, properties, code) => {
    const reply = await call(`${sim.graphEndpoint}/v1.0/users/${mailbox}/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        message: {
          subject: 's',
          toRecipients: [{ emailAddress: { address: 'a@contoso.com' } }],
          singleValueExtendedProperties: properties,
        },
      }),
    });
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ error: { code } });
    expect(sim.sentMail).toHaveLength(0);
  });
});
