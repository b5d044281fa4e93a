import { TableClient } from '@azure/data-tables';
import { Deployment } from '../../shared/app/deployment';
import { tablePrefixFor } from '../../shared/tenants/tenantSettings';
import { quarantineRow, type TenantWorld } from '../../simulator';
import { QueueHost } from '../support/host';
import { takeEach } from '../support/queues';
import { World } from '../support/world';

const world = World.forSuite();
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

const hasHeader = (m: { message: { internetMessageHeaders?: Array<{ name: string }> } }, name: string) =>
  m.message.internetMessageHeaders?.some((h) => h.name === name) ?? false;
const isNotice = (m: { message: { internetMessageHeaders?: Array<{ name: string }> } }) =>
  hasHeader(m, 'x-qrn-network-message-ids') && !hasHeader(m, 'x-qrn-alert');
const noticesOf = (w: TenantWorld) => w.sentMail.filter(isNotice);
const toOf = (m: { message: { toRecipients?: Array<{ emailAddress: { address: string } }> } }) =>
  m.message.toRecipients?.[0]?.emailAddress.address ?? '';

/** One outbound message from `sender`, quarantined three hours ago and released an hour ago by the tenant's admin. */
function releasedMessage(w: TenantWorld, sender: string): string {
  const row = quarantineRow({
    SenderAddress: sender,
    RecipientAddress: ['bob@partner.example'],
    receivedAt: ago(3 * HOUR),
  });
  w.tenant.quarantine.add(row);
  w.audit.publish(
    w.tenant.quarantine.release(row.Identity, undefined, { by: `secadmin@${w.tenant.domain}`, at: ago(HOUR) }),
  );
  return row.Identity.split('\\')[0].toLowerCase();
}

/** The NetworkMessageIds the notices tell, from their header. */
const toldIds = (mail: Array<{ message: { internetMessageHeaders?: Array<{ name: string; value: string }> } }>) =>
  mail.flatMap(
    (m) =>
      m.message.internetMessageHeaders
        ?.find((h) => h.name === 'x-qrn-network-message-ids')
        ?.value.split(/[\s,;]+/)
        .filter(Boolean) ?? [],
  );

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const claimsOf = (authorization: string | undefined): { tid?: string } => {
  const jwt = /^Bearer\s+(\S+)/i.exec(authorization ?? '')?.[1] ?? '';
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: string };
  } catch {
    return {};
  }
};

describe('one deployment serving several customer tenants', () => {
  let deployment: Deployment;
  let host: QueueHost;

  async function serve(worlds: Array<[TenantWorld, string, Record<string, string>?]>): Promise<void> {
    const registry = await deployment.registry();
    for (const [w, name, own] of worlds)
      await registry.put({
        tenantId: w.tenantId,
        name,
        disabled: false,
        settings: {
          NOTIFY_SENDER_MAILBOX: `quarantine-notices@${w.tenant.domain}`,
          // A customer starts telling at its first run: these releases came an hour before it.
          NOTIFY_RELEASES_SINCE: '2020-01-01T00:00:00Z',
          ALERT_RECIPIENTS: `secadmin@${w.tenant.domain}`,
          ...own,
        },
        addedAt: new Date().toISOString(),
      });
    deployment.forgetTenants();
  }

  beforeEach(() => {
    deployment = new Deployment(world.env({ MULTI_TENANT_APP_ID: world.sim.multiTenantApp.clientId }), world.log);
    host = new QueueHost(deployment, world.azurite.connectionString, 4);
  });
  afterEach(() => host.stop());

  it('a revoked, a throttled and a mass-releasing tenant hold up nobody; each tenant is told exactly once, in its own tenant', async () => {
    const revoked = world.sim.addTenant({ domain: 'revoked.example' });
    const throttled = world.sim.addTenant({ domain: 'throttled.example' });
    const mass = world.sim.addTenant({ domain: 'mass.example' });
    const plain = world.sim.addTenant({ domain: 'plain.example' });
    for (const w of [revoked, throttled, plain]) releasedMessage(w, `alice@${w.tenant.domain}`);
    // A bulk release: 60 messages of 30 senders released by one admin at once (a burst alert too).
    const massSenders = Array.from({ length: 30 }, (_, i) => `sender${i}@mass.example`);
    const massIds = massSenders.flatMap((sender) => [releasedMessage(mass, sender), releasedMessage(mass, sender)]);
    revoked.consented = false;
    // Every Exchange call of this tenant answers 429 Retry-After 3: its snapshot retries for about 15 s, then fails.
    throttled.throttle('exchange', { retryAfterSeconds: 3 });
    await serve([
      [revoked, 'Revoked Ltd'],
      [throttled, 'Throttled Inc'],
      // Its own pace (the default 30 a minute would make the test wait two minutes): the others never wait on it.
      [mass, 'Mass Corp', { NOTIFY_MAX_PER_MINUTE: '150' }],
      [plain, 'Plain plc'],
    ]);

    host.start();
    await deployment.fanOut('snapshot');
    await until(() => host.runs.filter((r) => r.stage === 'snapshot').length >= 3, 'the quick snapshots');
    await deployment.fanOut('detect');
    await until(
      () => noticesOf(plain).length === 1 && toldIds(noticesOf(mass)).length === 60,
      'the notices of the healthy tenants',
      60_000,
    );
    // The plain tenant's sender was not kept waiting behind the bulk release's paced notices.
    expect(noticesOf(plain)[0]!.at.getTime()).toBeLessThan(Math.max(...noticesOf(mass).map((m) => m.at.getTime())));
    await host.idle();

    // The throttled tenant's snapshot was still retrying when the others' senders had their notices.
    const throttledSnapshot = host.runs.find((r) => r.tenant === throttled.tenantId && r.stage === 'snapshot');
    expect(throttledSnapshot?.ok).toBe(false);
    expect(throttledSnapshot?.endedAt).toBeGreaterThan(noticesOf(plain)[0]!.at.getTime());
    // Exactly once, each from its own tenant's mailbox, to its own senders.
    expect(noticesOf(plain).map(toOf)).toEqual(['alice@plain.example']);
    expect([...new Set(noticesOf(mass).map(toOf))].sort()).toEqual([...massSenders].sort());
    expect(toldIds(noticesOf(mass)).sort()).toEqual([...massIds].sort());
    // The bulk release raised the burst alert, to that tenant's own security team only.
    const alerts = world.sim.allSentMail().filter((m) => hasHeader(m, 'x-qrn-alert'));
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) expect([alert.tenantId, toOf(alert)]).toEqual([mass.tenantId, 'secadmin@mass.example']);
    for (const w of [plain, mass])
      for (const m of w.sentMail) expect(m.mailbox).toBe(`quarantine-notices@${w.tenant.domain}`);
    expect(revoked.sentMail).toHaveLength(0);
    expect(throttled.sentMail).toHaveLength(0);
    expect(world.sim.sentMail).toHaveLength(0);

    // Each broken tenant's trouble is its own health problem, and the provider sees both in one place.
    const health = await (await deployment.tenantHealth()).list();
    const openOf = (w: TenantWorld) => health.find((l) => l.tenantId === w.tenantId)?.open ?? [];
    expect(openOf(revoked)).toContain('sign-in');
    // Its failed run says what to check: that tenant's consent.
    expect(JSON.stringify(host.runs.find((r) => r.tenant === revoked.tenantId)?.summary)).toMatch(
      /AADSTS700016.*For customer tenant .* check that it consented to the multi-tenant app \(infra\/onboard-tenant\.ps1/,
    );
    expect(openOf(throttled)).toContain('snapshot-failing');
    expect(openOf(plain)).toEqual([]);
    expect(openOf(mass)).toEqual([]);

    // The throttle ends: the next ticks tell that tenant's sender, once; nobody else is told again.
    throttled.throttle('exchange', null);
    await deployment.fanOut('snapshot');
    await host.idle();
    await deployment.fanOut('detect');
    await host.idle();
    expect(noticesOf(throttled).map(toOf)).toEqual(['alice@throttled.example']);
    expect(noticesOf(plain)).toHaveLength(1);
    expect(toldIds(noticesOf(mass))).toHaveLength(60);

    // No token crossed tenants: every call to a service carried a token of the tenant it asked about.
    const calls = world.sim.requests.filter((r) => r.service !== 'authority' && r.tenantId !== undefined);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect({ path: call.path, tid: claimsOf(call.headers.authorization).tid }).toEqual({
        path: call.path,
        tid: call.tenantId,
      });
    expect(calls.filter((c) => c.status === 401)).toEqual([]);
    // The Management API's quota is the provider's as publisher (its own tenant), in every customer tenant.
    const feed = calls.filter((c) => c.service === 'management' && c.tenantId === plain.tenantId);
    expect(feed.length).toBeGreaterThan(0);
    for (const c of feed) expect(c.query.PublisherIdentifier).toBe(world.sim.tenantId);

    // No row crossed tenants: each tenant's tables hold its own senders' messages only.
    for (const w of [throttled, mass, plain]) {
      const table = TableClient.fromConnectionString(
        world.azurite.connectionString,
        `${tablePrefixFor(w.tenantId, world.sim.tenantId)}QuarantineSnapshot`,
        { allowInsecureConnection: true },
      );
      const rows = [];
      for await (const e of table.listEntities()) rows.push(JSON.stringify(e));
      expect(rows.length).toBeGreaterThan(0);
      const others = ['revoked', 'throttled', 'mass', 'plain', 'contoso'].filter((d) => !w.tenant.domain.startsWith(d));
      for (const row of rows) for (const other of others) expect(row).not.toContain(`@${other}.`);
    }
  }, 120_000);

  it("a bulk release at the default pace does not hold the host's slots: another tenant's notice goes out at once", async () => {
    const bulk = world.sim.addTenant({ domain: 'bulk.example' });
    const small = world.sim.addTenant({ domain: 'small.example' });
    for (let i = 0; i < 40; i++) releasedMessage(bulk, `sender${i}@bulk.example`);
    releasedMessage(small, 'alice@small.example');
    // Both at the default NOTIFY_MAX_PER_MINUTE (30): the bulk tenant's 40 notices need 80 s of pace.
    await serve([
      [bulk, 'Bulk'],
      [small, 'Small'],
    ]);
    const connection = world.azurite.connectionString;
    await deployment.fanOut('snapshot');
    await takeEach(connection, 'tenant-runs', (body) => deployment.runTenant(body, 'test'));
    // The bulk tenant's 40 jobs are queued first, the small tenant's one after them.
    const detect = (tenant: string) =>
      deployment.runTenant(JSON.stringify({ tenant, stage: 'detect', firedAt: new Date().toISOString() }), 'test');
    await detect(bulk.tenantId);
    await detect(small.tenantId);
    const started = Date.now();
    host.start();
    await until(() => noticesOf(small).length === 1, "the small tenant's notice", 30_000);
    // Told while the bulk tenant is still held to its own pace, not after it.
    expect(noticesOf(small)[0]!.at.getTime() - started).toBeLessThan(30_000);
    expect(noticesOf(bulk).length).toBeLessThan(20);
  }, 90_000);

  it("a disabled tenant is not run and its queued notice waits; a removed tenant's notice is dropped, never sent elsewhere", async () => {
    const paused = world.sim.addTenant({ domain: 'paused.example' });
    releasedMessage(paused, 'alice@paused.example');
    await serve([[paused, 'Paused']]);
    await deployment.fanOut('snapshot');
    await takeEach(world.azurite.connectionString, 'tenant-runs', (body) => deployment.runTenant(body, 'test'));
    await deployment.fanOut('detect');
    await takeEach(world.azurite.connectionString, 'tenant-runs', (body) => deployment.runTenant(body, 'test'));
    // Detection queued the notice; the tenant is disabled before it is sent.
    const registry = await deployment.registry();
    const record = await registry.get(paused.tenantId);
    await registry.put({ ...record!, disabled: true });
    deployment.forgetTenants();
    const [queued] = await takeEach(world.azurite.connectionString, 'release-notifications', (body, id) =>
      deployment.sendQueued(body, id),
    );
    expect(queued?.result).toEqual({ tenant: paused.tenantId, held: true });
    expect(await deployment.fanOut('snapshot')).toMatchObject({ tenants: 0, disabled: 1 });
    // Removed: the held copy (the same text, back in an hour) is dropped when it comes back.
    await registry.remove(paused.tenantId);
    deployment.forgetTenants();
    expect(await deployment.sendQueued(queued!.body, 'again')).toEqual({ tenant: paused.tenantId, dropped: true });
    expect(world.sim.allSentMail()).toHaveLength(0);
  }, 60_000);
});
