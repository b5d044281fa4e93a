import {
  M365Simulator,
  noiseRecords,
  releaseRecord,
  quarantineRow,
  signInRecord,
  systemReleaseRecord,
} from '../../simulator';
import { call, DAY, HOUR, token, type Reply } from './helpers';

interface ContentItem {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

interface AfError {
  error: { code: string; message: string };
}

describe('simulated Office 365 Management Activity API', () => {
  let sim: M365Simulator;
  let bearer: string;
  const publisher = '00000000-0000-0000-0000-0000000000aa';

  beforeAll(async () => {
    sim = await M365Simulator.start();
    bearer = await token(sim, 'management');
  });

  beforeEach(() => sim.reset());

  afterAll(async () => {
    await sim.stop();
  });

  const feed = (): string => `${sim.managementEndpoint}/api/v1.0/${sim.tenantId}/activity/feed`;
  const get = (url: string, auth = bearer): Promise<Reply> =>
    call(url, { headers: { Authorization: `Bearer ${auth}` } });
  const post = (url: string): Promise<Reply> =>
    call(url, { method: 'POST', headers: { Authorization: `Bearer ${bearer}` } });
  const listContent = (query: Record<string, string>): Promise<Reply> =>
    get(
      `${feed()}/subscriptions/content?${new URLSearchParams({ contentType: 'Audit.General', PublisherIdentifier: publisher, ...query })}`,
    );
  const windowOf = (start: Date, end: Date): Record<string, string> => ({
    startTime: start.toISOString(),
    endTime: end.toISOString(),
  });
  const codeOf = (reply: Reply): string => reply.json<AfError>().error.code;

  it('lists, starts and re-starts the Audit.General subscription (AF20024 when already enabled)', async () => {
    expect((await get(`${feed()}/subscriptions/list?PublisherIdentifier=${publisher}`)).json()).toEqual([]);

    const started = await post(
      `${feed()}/subscriptions/start?contentType=Audit.General&PublisherIdentifier=${publisher}`,
    );
    expect(started.status).toBe(200);
    expect(started.json()).toEqual({ contentType: 'Audit.General', status: 'enabled', webhook: null });
    expect(sim.audit.subscriptionEnabled).toBe(true);
    expect((await get(`${feed()}/subscriptions/list?PublisherIdentifier=${publisher}`)).json()).toEqual([
      { contentType: 'Audit.General', status: 'enabled', webhook: null },
    ]);

    const again = await post(
      `${feed()}/subscriptions/start?contentType=Audit.General&PublisherIdentifier=${publisher}`,
    );
    expect(again.status).toBe(400);
    expect(again.json()).toEqual({
      error: { code: 'AF20024', message: 'The subscription is already enabled. No property change.' },
    });
  });

  it('records whether each call carried PublisherIdentifier, and still answers without it', async () => {
    const without = await get(`${feed()}/subscriptions/list`);
    expect(without.status).toBe(200);
    await get(`${feed()}/subscriptions/list?PublisherIdentifier=${publisher}`);
    const calls = sim.requests.filter((r) => r.service === 'management');
    expect(calls.map((r) => r.query.PublisherIdentifier)).toEqual([undefined, publisher]);
  });

  it('refuses a token without ActivityFeed.Read with 401 AF10001', async () => {
    sim.grants.activityFeedRead = false;
    const reply = await get(`${feed()}/subscriptions/list`);
    expect(reply.status).toBe(401);
    expect(codeOf(reply)).toBe('AF10001');
    expect(reply.json<AfError>().error.message).toMatch(
      /^The permission set \(.*\) sent in the request does not include the expected permission\.$/,
    );
  });

  it('refuses a token for another service, another tenant in the URL, or a tenant that is no GUID', async () => {
    expect((await get(`${feed()}/subscriptions/list`, await token(sim, 'graph'))).status).toBe(401);
    const otherTenant = await get(
      `${sim.managementEndpoint}/api/v1.0/11111111-2222-3333-4444-555555555555/activity/feed/subscriptions/list`,
    );
    expect(otherTenant.status).toBe(400);
    expect(codeOf(otherTenant)).toBe('AF20010');
    const notGuid = await get(
      `${sim.managementEndpoint}/api/v1.0/contoso.onmicrosoft.com/activity/feed/subscriptions/list`,
    );
    expect(codeOf(notGuid)).toBe('AF20013');
  });

  it('without unified auditing: start fails with the tenant-does-not-exist error and listing with AF20022', async () => {
    sim.audit.auditingEnabled = false;
    const start = await post(
      `${feed()}/subscriptions/start?contentType=Audit.General&PublisherIdentifier=${publisher}`,
    );
    expect(start.status).toBe(400);
    const error = start.json<AfError>().error;
    expect(error.code).toMatch(/^StartSubscription \[/);
    expect(error.message).toContain(`Tenant ${sim.tenantId} does not exist.`);

    sim.audit.subscriptionEnabled = true;
    const list = await listContent({});
    expect(list.status).toBe(400);
    expect(list.json()).toEqual({
      error: { code: 'AF20022', message: 'No subscription found for the specified content type.' },
    });
  });

  it('answers AF20022 when listing content without a subscription', async () => {
    const reply = await listContent({});
    expect(reply.status).toBe(400);
    expect(codeOf(reply)).toBe('AF20022');
  });

  it('validates the listing window: both or neither, end after start, at most 24 hours, at most 7 days back', async () => {
    sim.audit.subscriptionEnabled = true;
    const now = Date.now();
    const cases: Array<Record<string, string>> = [
      { startTime: new Date(now - HOUR).toISOString() },
      { endTime: new Date(now).toISOString() },
      windowOf(new Date(now - HOUR), new Date(now - 2 * HOUR)),
      windowOf(new Date(now - 25 * HOUR), new Date(now)),
      windowOf(new Date(now - 8 * DAY), new Date(now - 8 * DAY + HOUR)),
    ];
    for (const query of cases) {
      const reply = await listContent(query);
      expect(reply.status).toBe(400);
      expect(codeOf(reply)).toBe('AF20055');
    }
    expect((await listContent(windowOf(new Date(now - 24 * HOUR), new Date(now)))).status).toBe(200);
    expect((await listContent(windowOf(new Date(now - 7 * DAY + HOUR), new Date(now - 6 * DAY)))).status).toBe(200);
  });

  it('lists blobs created in [startTime, endTime), and the last 24 hours without times', async () => {
    sim.audit.subscriptionEnabled = true;
    const start = new Date(Date.now() - 10 * HOUR);
    const end = new Date(Date.now() - 5 * HOUR);
    const atStart = sim.audit.publish([releaseRecord()], { contentCreated: start });
    const atEnd = sim.audit.publish([releaseRecord()], { contentCreated: end });
    const old = sim.audit.publish([releaseRecord()], { contentCreated: new Date(Date.now() - 30 * HOUR) });

    const windowed = await listContent(windowOf(start, end));
    expect(windowed.json<ContentItem[]>().map((item) => item.contentId)).toEqual([atStart]);

    const lastDay = await listContent({});
    expect(
      lastDay
        .json<ContentItem[]>()
        .map((item) => item.contentId)
        .sort(),
    ).toEqual([atStart, atEnd].sort());
    expect(lastDay.json<ContentItem[]>().map((item) => item.contentId)).not.toContain(old);
  });

  it('hides a blob until its availableAt, even when its contentCreated is in the window', async () => {
    sim.audit.subscriptionEnabled = true;
    const created = new Date(Date.now() - 2 * HOUR);
    const late = sim.audit.publish([releaseRecord()], {
      contentCreated: created,
      availableAt: new Date(Date.now() + 300),
    });
    const window = windowOf(new Date(Date.now() - 3 * HOUR), new Date());
    expect((await listContent(window)).json<ContentItem[]>()).toEqual([]);
    expect((await get(`${feed()}/audit/${late}`)).status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await listContent(window)).json<ContentItem[]>().map((item) => item.contentId)).toEqual([late]);
  });

  it('pages with the NextPageUri header, in an order that is not chronological', async () => {
    sim.audit.subscriptionEnabled = true;
    const base = Date.now() - 20 * HOUR;
    const published = Array.from({ length: 45 }, (_, i) =>
      sim.audit.publish([releaseRecord()], { contentCreated: new Date(base + i * 60 * 1000) }),
    );

    const items: ContentItem[] = [];
    let url: string | null =
      `${feed()}/subscriptions/content?${new URLSearchParams({ contentType: 'Audit.General', PublisherIdentifier: publisher })}`;
    const pageSizes: number[] = [];
    while (url) {
      const reply: Reply = await get(url);
      expect(reply.status).toBe(200);
      const page = reply.json<ContentItem[]>();
      pageSizes.push(page.length);
      items.push(...page);
      url = reply.headers.get('NextPageUri');
    }
    expect(pageSizes).toEqual([20, 20, 5]);
    expect(items.map((item) => item.contentId).sort()).toEqual([...published].sort());
    const created = items.map((item) => Date.parse(item.contentCreated));
    expect(created).not.toEqual([...created].sort((a, b) => a - b));
    expect(created).not.toEqual([...created].sort((a, b) => b - a));
    expect(
      sim.requests.filter((r) => r.path.endsWith('/content')).every((r) => r.query.PublisherIdentifier === publisher),
    ).toBe(true);

    const item = items[0];
    expect(item.contentType).toBe('Audit.General');
    expect(item.contentUri).toBe(
      `${sim.managementEndpoint}/api/v1.0/${sim.tenantId}/activity/feed/audit/${item.contentId}`,
    );
    expect(Date.parse(item.contentExpiration) - Date.parse(item.contentCreated)).toBe(7 * DAY);
  });

  it('serves a blob at its contentUri: release records mixed with other operations and workloads', async () => {
    sim.audit.subscriptionEnabled = true;
    const row = quarantineRow();
    sim.tenant.quarantine.add(row);
    const releases = sim.tenant.quarantine.release(row.Identity);
    const records = [
      ...noiseRecords(9),
      ...releases,
      systemReleaseRecord({ NetworkMessageId: 'aaaaaaaa-0000-4000-8000-000000000000' }),
      signInRecord(),
    ];
    sim.audit.publish(records);

    const [item] = (await listContent({})).json<ContentItem[]>();
    const blob = await get(`${item.contentUri}?PublisherIdentifier=${publisher}`);
    expect(blob.status).toBe(200);
    const served = blob.json<Array<Record<string, unknown>>>();
    expect(served).toEqual(records);

    const released = served.filter((r) => r.Operation === 'QuarantineReleaseMessage' && r.RequestType === 2);
    expect(released).toHaveLength(3); // the admin release, the system release, and one failed release from the noise
    expect(released.filter((r) => r.ResultStatus === 'Failed')).toHaveLength(1);
    expect(releases[0]).toMatchObject({
      NetworkMessageId: row.Identity.split('\\')[0],
      ReleaseTo: 'bob@fabrikam.example',
      OrganizationId: sim.tenantId,
      RecordType: 65,
      Workload: 'Quarantine',
      UserId: 'secadmin@contoso.com',
    });
    expect(String(releases[0].CreationTime)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(new Set(served.map((r) => r.Workload))).toEqual(
      new Set(['Quarantine', 'AzureActiveDirectory', 'SharePoint', 'MicrosoftTeams']),
    );
    expect(sim.tenant.quarantine.find(row.Identity)).toMatchObject({
      Released: true,
      ReleaseStatus: 'RELEASED',
      ReleasedUser: ['bob@fabrikam.example'],
    });
  });

  it('answers AF20051 for content older than 7 days and AF20050 for unknown content', async () => {
    const expired = sim.audit.publish([releaseRecord()], { contentCreated: new Date(Date.now() - 8 * DAY) });
    const old = await get(`${feed()}/audit/${expired}`);
    expect(old.status).toBe(400);
    expect(codeOf(old)).toBe('AF20051');
    const unknown = await get(`${feed()}/audit/nope`);
    expect(codeOf(unknown)).toBe('AF20050');
  });

  it('answers injected faults with the AF429 body and Retry-After', async () => {
    sim.faults.add({
      service: 'management',
      status: 429,
      retryAfterSeconds: 2,
      match: (req) => req.path.endsWith('/subscriptions/list'),
    });
    const throttled = await get(`${feed()}/subscriptions/list?PublisherIdentifier=${publisher}`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(throttled.json<AfError>().error.code).toBe('AF429');
    expect((await get(`${feed()}/subscriptions/list?PublisherIdentifier=${publisher}`)).status).toBe(200);
  });
});
