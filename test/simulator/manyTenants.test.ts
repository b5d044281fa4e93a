import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import {
  JWT_BEARER_ASSERTION,
  M365Simulator,
  quarantineRow,
  TOKEN_EXCHANGE_AUDIENCE,
  type TenantWorld,
} from '../../simulator';
import { createCredential, customerTenantCredential, scopeFor } from '../../shared/auth/credential';
import { loadSettings } from '../../shared/config/settings';
import { call, invoke, type Envelope, type Reply } from './helpers';

interface OAuthError {
  error: string;
  error_description: string;
  error_codes: number[];
}

const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

describe('simulator serving several tenants', () => {
  let sim: M365Simulator;
  let fabrikam: TenantWorld;
  let tailspin: TenantWorld;

  beforeAll(async () => {
    sim = await M365Simulator.start();
  });

  beforeEach(() => {
    sim.reset();
    fabrikam = sim.addTenant({ domain: 'fabrikam.com' });
    tailspin = sim.addTenant({ domain: 'tailspin.com' });
  });

  afterAll(async () => {
    await sim.stop();
  });

  /** The home identity's token for api://AzureADTokenExchange, as the deployment's managed identity presents it. */
  async function homeAssertion(): Promise<string> {
    const home = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    return (await home.getToken(`${TOKEN_EXCHANGE_AUDIENCE}/.default`)).token;
  }

  /** The multi-tenant app's credential in one tenant, exactly as the product builds it. */
  function appCredential(
    tenantId: string,
    assertion: () => Promise<string> = homeAssertion,
  ): ClientAssertionCredential {
    return new ClientAssertionCredential(tenantId, sim.multiTenantApp.clientId, assertion, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
    });
  }

  async function appToken(world: TenantWorld, service: 'exchange' | 'management' | 'graph'): Promise<string> {
    const origin = sim.origins[service];
    return (await appCredential(world.tenantId).getToken(`${origin}/.default`)).token;
  }

  function tokenRequest(tenant: string, fields: Record<string, string>): Promise<Reply> {
    return call(`${sim.authorityHost}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...fields }).toString(),
    });
  }

  const sendMail = (bearer: string, mailbox: string, to: string): Promise<Reply> =>
    call(`${sim.graphEndpoint}/v1.0/users/${encodeURIComponent(mailbox)}/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: { subject: 'Released', toRecipients: [{ emailAddress: { address: to } }] } }),
    });

  const feed = (tenantId: string): string => `${sim.managementEndpoint}/api/v1.0/${tenantId}/activity/feed`;
  const get = (url: string, bearer: string): Promise<Reply> =>
    call(url, { headers: { Authorization: `Bearer ${bearer}` } });

  describe('the home identity and the multi-tenant app', () => {
    it('gives the home identity a token-exchange token naming it as the federated credential expects', async () => {
      const claims = claimsOf(await homeAssertion());
      expect(claims).toMatchObject({
        aud: TOKEN_EXCHANGE_AUDIENCE,
        iss: `https://login.microsoftonline.com/${sim.tenantId}/v2.0`,
        tid: sim.tenantId,
        sub: sim.identityObjectId,
        oid: sim.identityObjectId,
      });
      expect(sim.multiTenantApp.federatedCredentials).toEqual([
        { issuer: claims.iss, subject: sim.identityObjectId, audiences: [TOKEN_EXCHANGE_AUDIENCE] },
      ]);
    });

    it('lets @azure/identity ClientAssertionCredential get a token in a consented customer tenant', async () => {
      const accessToken = await appCredential(fabrikam.tenantId).getToken(`${sim.exchangeEndpoint}/.default`);
      expect(claimsOf(accessToken.token)).toMatchObject({
        aud: sim.exchangeEndpoint,
        tid: fabrikam.tenantId,
        appid: sim.multiTenantApp.clientId,
        roles: ['Exchange.ManageAsApp'],
      });
      const reply = await invoke(
        sim,
        'Get-AcceptedDomain',
        {},
        { bearer: accessToken.token, tenant: fabrikam.tenantId },
      );
      expect(reply.status).toBe(200);
      expect(reply.json<Envelope<{ DomainName: string }>>().value.map((d) => d.DomainName)).toEqual([
        'fabrikam.com',
        'fabrikam.onmicrosoft.com',
      ]);
    });

    it('fails with AADSTS700016 where the app is not consented (or its service principal deleted)', async () => {
      tailspin.consented = false;
      await expect(appCredential(tailspin.tenantId).getToken(`${sim.graphEndpoint}/.default`)).rejects.toThrow(
        /AADSTS700016: Application with identifier '[^']+' was not found in the directory/,
      );
      const raw = await tokenRequest(tailspin.tenantId, {
        client_id: sim.multiTenantApp.clientId,
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: await homeAssertion(),
        scope: `${sim.graphEndpoint}/.default`,
      });
      expect(raw.status).toBe(400);
      expect(raw.json<OAuthError>()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
      // The other customer is unaffected.
      await expect(appCredential(fabrikam.tenantId).getToken(`${sim.graphEndpoint}/.default`)).resolves.toBeTruthy();
    });

    it('refuses an assertion no federated credential matches: a resource token, a changed subject, an expired one', async () => {
      const fields = async (assertion: string): Promise<Record<string, string>> => ({
        client_id: sim.multiTenantApp.clientId,
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: assertion,
        scope: `${sim.exchangeEndpoint}/.default`,
      });
      const home = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
        authorityHost: sim.authorityHost,
        disableInstanceDiscovery: true,
      });
      const graphToken = (await home.getToken(`${sim.graphEndpoint}/.default`)).token;
      const wrongAudience = await tokenRequest(fabrikam.tenantId, await fields(graphToken));
      expect(wrongAudience.status).toBe(400);
      expect(wrongAudience.json<OAuthError>().error_description).toMatch(
        /^AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer: 'https:\/\/sts\.windows\.net\//,
      );

      const assertion = await homeAssertion();
      sim.multiTenantApp.federatedCredentials[0].subject = '00000000-0000-0000-0000-000000000001';
      expect((await tokenRequest(fabrikam.tenantId, await fields(assertion))).json<OAuthError>().error_codes).toEqual([
        70021,
      ]);
      await expect(
        appCredential(fabrikam.tenantId, () => Promise.resolve(assertion)).getToken(`${sim.exchangeEndpoint}/.default`),
      ).rejects.toThrow(/AADSTS70021/);

      sim.reset();
      fabrikam = sim.addTenant({ domain: 'fabrikam.com' });
      sim.tokens.expireAll();
      const expired = await tokenRequest(fabrikam.tenantId, await fields(assertion));
      expect(expired.json<OAuthError>().error_codes).toEqual([700024]);
      const forged = await tokenRequest(fabrikam.tenantId, await fields(`${assertion.slice(0, -4)}AAAA`));
      expect(forged.json<OAuthError>().error_codes).toEqual([50013]);
    });

    it("serves the product's own sign-in: createCredential at home, customerTenantCredential per customer", async () => {
      const env = { ...sim.multiTenantSettings(), AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
      const saved = { ...process.env };
      // DefaultAzureCredential reads AZURE_* from the process environment, as in a deployment.
      Object.assign(process.env, env);
      try {
        const home = createCredential(loadSettings(env));
        const customer = (world: TenantWorld): ReturnType<typeof customerTenantCredential> =>
          customerTenantCredential(loadSettings({ ...env, M365_TENANT_ID: world.tenantId }), home);
        const token = await customer(fabrikam).getToken(scopeFor(sim.graphEndpoint));
        expect(claimsOf(token?.token ?? '')).toMatchObject({
          tid: fabrikam.tenantId,
          appid: sim.multiTenantApp.clientId,
        });
        tailspin.consented = false;
        await expect(customer(tailspin).getToken(scopeFor(sim.graphEndpoint))).rejects.toThrow(/AADSTS700016/);
      } finally {
        for (const key of Object.keys(env)) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
    });

    it('refuses the home identity (single-tenant, with its secret) in a customer tenant', async () => {
      const reply = await tokenRequest(fabrikam.tenantId, {
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
        scope: `${sim.exchangeEndpoint}/.default`,
      });
      expect(reply.status).toBe(400);
      expect(reply.json<OAuthError>()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
      expect(reply.json<OAuthError>().error_description).toContain(`in the directory '${fabrikam.tenantId}'`);
    });

    it('refuses a secret for the secretless multi-tenant app', async () => {
      const reply = await tokenRequest(fabrikam.tenantId, {
        client_id: sim.multiTenantApp.clientId,
        client_secret: sim.clientSecret,
        scope: `${sim.exchangeEndpoint}/.default`,
      });
      expect(reply.status).toBe(401);
      expect(reply.json<OAuthError>().error_codes).toEqual([7000215]);
    });
  });

  describe('isolation', () => {
    it("keeps two tenants' quarantines, audit feeds and mail apart", async () => {
      const fabrikamRow = quarantineRow({ SenderAddress: 'alice@fabrikam.com' });
      const tailspinRow = quarantineRow({ SenderAddress: 'alice@tailspin.com' });
      fabrikam.tenant.quarantine.add(fabrikamRow);
      tailspin.tenant.quarantine.add(tailspinRow);
      sim.tenant.quarantine.add(quarantineRow());

      const listed = await invoke(
        sim,
        'Get-QuarantineMessage',
        {},
        {
          bearer: await appToken(fabrikam, 'exchange'),
          tenant: fabrikam.tenantId,
        },
      );
      expect(listed.json<Envelope<{ Identity: string }>>().value.map((r) => r.Identity)).toEqual([
        fabrikamRow.Identity,
      ]);
      // A header read is audited in the tenant it was read in, under the multi-tenant app.
      const header = await invoke(
        sim,
        'Get-QuarantineMessageHeader',
        { Identity: tailspinRow.Identity },
        {
          bearer: await appToken(tailspin, 'exchange'),
          tenant: tailspin.tenantId,
        },
      );
      expect(header.status).toBe(200);
      expect(tailspin.audit.blobs).toHaveLength(1);
      expect(tailspin.audit.blobs[0].records[0]).toMatchObject({
        OrganizationId: tailspin.tenantId,
        AppId: sim.multiTenantApp.clientId,
      });
      expect(fabrikam.audit.blobs).toHaveLength(0);
      expect(sim.audit.blobs).toHaveLength(0);

      const notFabrikams = await invoke(
        sim,
        'Get-QuarantineMessageHeader',
        { Identity: tailspinRow.Identity },
        {
          bearer: await appToken(fabrikam, 'exchange'),
          tenant: fabrikam.tenantId,
        },
      );
      expect(notFabrikams.status).toBe(400);
      expect(notFabrikams.text).toContain("couldn't be found");
    });

    it("lists and fetches only the path tenant's audit blobs", async () => {
      fabrikam.audit.subscriptionEnabled = true;
      tailspin.audit.subscriptionEnabled = true;
      const tailspinBlob = tailspin.audit.publish([{ Operation: 'QuarantineReleaseMessage' }]);
      fabrikam.audit.publish([{ Operation: 'QuarantineReleaseMessage' }]);
      const bearer = await appToken(fabrikam, 'management');
      const listed = await get(`${feed(fabrikam.tenantId)}/subscriptions/content?contentType=Audit.General`, bearer);
      expect(listed.status).toBe(200);
      const items = listed.json<Array<{ contentId: string; contentUri: string }>>();
      expect(items).toHaveLength(1);
      expect(items[0].contentUri).toContain(`/api/v1.0/${fabrikam.tenantId}/`);
      const foreign = await get(`${feed(fabrikam.tenantId)}/audit/${tailspinBlob}`, bearer);
      expect(foreign.status).toBe(400);
      expect(foreign.json<{ error: { code: string } }>().error.code).toBe('AF20050');

      // A nextPage token of one tenant's listing is unknown on another's.
      fabrikam.audit.pageSize = 1;
      fabrikam.audit.publish([{ Operation: 'QuarantineReleaseMessage' }]);
      const paged = await get(`${feed(fabrikam.tenantId)}/subscriptions/content?contentType=Audit.General`, bearer);
      const next = new URL(paged.headers.get('nextpageuri') ?? '');
      const replayed = await get(
        `${feed(tailspin.tenantId)}/subscriptions/content${next.search}`,
        await appToken(tailspin, 'management'),
      );
      expect(replayed.json<{ error: { code: string } }>().error.code).toBe('AF20031');
      expect((await get(next.toString(), bearer)).status).toBe(200);
    });

    it("sends mail only from the token's tenant's mailboxes, into that tenant's sentMail", async () => {
      const fabrikamGraph = await appToken(fabrikam, 'graph');
      expect((await sendMail(fabrikamGraph, 'quarantine-notices@fabrikam.com', 'alice@fabrikam.com')).status).toBe(202);
      const crossing = await sendMail(fabrikamGraph, 'quarantine-notices@tailspin.com', 'alice@tailspin.com');
      expect(crossing.status).toBe(404);
      expect(crossing.json<{ error: { code: string } }>().error.code).toBe('ErrorInvalidUser');
      const homeMailbox = await sendMail(fabrikamGraph, 'quarantine-notices@contoso.com', 'alice@contoso.com');
      expect(homeMailbox.status).toBe(404);

      expect(fabrikam.sentMail.map((m) => m.mailbox)).toEqual(['quarantine-notices@fabrikam.com']);
      expect(tailspin.sentMail).toHaveLength(0);
      expect(sim.sentMail).toHaveLength(0);
      expect(sim.allSentMail().map((m) => m.tenantId)).toEqual([fabrikam.tenantId]);
      const graphCalls = sim.requests.filter((r) => r.service === 'graph');
      expect(graphCalls.map((r) => r.tenantId)).toEqual([fabrikam.tenantId, fabrikam.tenantId, fabrikam.tenantId]);
    });

    it("refuses a tenant's token on another tenant's path: Exchange 401, Management AF20010", async () => {
      const exchange = await invoke(
        sim,
        'Get-AcceptedDomain',
        {},
        {
          bearer: await appToken(fabrikam, 'exchange'),
          tenant: tailspin.tenantId,
        },
      );
      expect(exchange.status).toBe(401);
      expect(exchange.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      const byDomain = await invoke(
        sim,
        'Get-AcceptedDomain',
        {},
        {
          bearer: await appToken(fabrikam, 'exchange'),
          tenant: 'tailspin.com',
        },
      );
      expect(byDomain.status).toBe(401);

      const management = await get(
        `${feed(tailspin.tenantId)}/subscriptions/list`,
        await appToken(fabrikam, 'management'),
      );
      expect(management.status).toBe(400);
      expect(management.json<{ error: { code: string } }>().error.code).toBe('AF20010');
      // Recorded against the world the path named, which refused it.
      expect(sim.requests.filter((r) => r.service !== 'authority').map((r) => r.tenantId)).toEqual([
        tailspin.tenantId,
        tailspin.tenantId,
        tailspin.tenantId,
      ]);
    });
  });

  describe('per-tenant throttles and faults', () => {
    it('throttles one tenant with 429 and Retry-After until cleared, leaving the other untouched', async () => {
      fabrikam.throttle('exchange', { retryAfterSeconds: 7 });
      const fabrikamBearer = await appToken(fabrikam, 'exchange');
      const tailspinBearer = await appToken(tailspin, 'exchange');
      for (let i = 0; i < 3; i++) {
        const throttled = await invoke(
          sim,
          'Get-AcceptedDomain',
          {},
          { bearer: fabrikamBearer, tenant: fabrikam.tenantId },
        );
        expect(throttled.status).toBe(429);
        expect(throttled.headers.get('retry-after')).toBe('7');
        const other = await invoke(
          sim,
          'Get-AcceptedDomain',
          {},
          { bearer: tailspinBearer, tenant: tailspin.tenantId },
        );
        expect(other.status).toBe(200);
      }
      expect((await invoke(sim, 'Get-AcceptedDomain', {})).status).toBe(200);

      fabrikam.throttle('exchange', null);
      const cleared = await invoke(
        sim,
        'Get-AcceptedDomain',
        {},
        { bearer: fabrikamBearer, tenant: fabrikam.tenantId },
      );
      expect(cleared.status).toBe(200);
    });

    it("throttles Graph by the token's tenant", async () => {
      tailspin.throttle('graph', { retryAfterSeconds: 3 });
      const throttled = await sendMail(await appToken(tailspin, 'graph'), 'quarantine-notices@tailspin.com', 'a@b.com');
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('3');
      const other = await sendMail(await appToken(fabrikam, 'graph'), 'quarantine-notices@fabrikam.com', 'a@b.com');
      expect(other.status).toBe(202);
      expect(tailspin.sentMail).toHaveLength(0);
    });

    it("fires a tenant's injected fault only on that tenant's calls", async () => {
      tailspin.faults.add({ service: 'management', status: 503 });
      const fabrikamReply = await get(
        `${feed(fabrikam.tenantId)}/subscriptions/list`,
        await appToken(fabrikam, 'management'),
      );
      expect(fabrikamReply.status).toBe(200);
      expect(tailspin.faults.pending).toBe(1);
      const tailspinReply = await get(
        `${feed(tailspin.tenantId)}/subscriptions/list`,
        await appToken(tailspin, 'management'),
      );
      expect(tailspinReply.status).toBe(503);
      expect(tailspin.faults.pending).toBe(0);
    });
  });

  it('looks worlds up by id, keeps the home tenant one of them, and drops added ones on reset', () => {
    expect(sim.world(sim.tenantId)).toBe(sim.home);
    expect(sim.home.tenant).toBe(sim.tenant);
    expect(sim.world(fabrikam.tenantId.toUpperCase())).toBe(fabrikam);
    expect(() => sim.addTenant({ tenantId: fabrikam.tenantId })).toThrow(/already exists/);
    expect(sim.allWorlds).toHaveLength(3);
    sim.reset();
    expect(sim.world(fabrikam.tenantId)).toBeUndefined();
    expect(sim.allWorlds).toEqual([sim.home]);
  });
});
