import { ClientSecretCredential, EnvironmentCredential } from '@azure/identity';
import { M365Simulator } from '../../simulator';
import { call, invoke, token, type Reply } from './helpers';

interface OAuthError {
  error: string;
  error_description: string;
  error_codes: number[];
}

describe('simulated sign-in authority', () => {
  let sim: M365Simulator;

  beforeAll(async () => {
    sim = await M365Simulator.start();
  });

  afterAll(async () => {
    await sim.stop();
  });

  function tokenRequest(fields: Record<string, string>, tenant = sim.tenantId): Promise<Reply> {
    return call(`${sim.authorityHost}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  const credentials = (): Record<string, string> => ({
    grant_type: 'client_credentials',
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    scope: `${sim.exchangeEndpoint}/.default`,
  });

  it('serves OpenID metadata whose issuer and endpoints are on its own origin', async () => {
    const reply = await call(`${sim.authorityHost}/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(reply.status).toBe(200);
    const config = reply.json<Record<string, unknown>>();
    expect(config.token_endpoint).toBe(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`);
    expect(config.issuer).toBe(`${sim.authorityHost}/${sim.tenantId}/v2.0`);
    expect(config).toHaveProperty('authorization_endpoint');
    expect(config).toHaveProperty('jwks_uri');

    const keys = await call(String(config.jwks_uri));
    expect(keys.json<{ keys: unknown[] }>().keys).toHaveLength(1);
    const discovery = await call(`${sim.authorityHost}/common/discovery/instance?api-version=1.1`);
    expect(discovery.status).toBe(200);
  });

  it('answers unknown tenants with AADSTS90002', async () => {
    const reply = await call(
      `${sim.authorityHost}/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration`,
    );
    expect(reply.status).toBe(400);
    expect(reply.json<OAuthError>().error_description).toMatch(/^AADSTS90002/);
  });

  it('issues a JWT-shaped bearer token whose audience is the resource origin', async () => {
    const reply = await tokenRequest(credentials());
    expect(reply.status).toBe(200);
    const body = reply.json<{ token_type: string; expires_in: number; access_token: string }>();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3599);
    const [, payload] = body.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({
      aud: sim.exchangeEndpoint,
      tid: sim.tenantId,
      appid: sim.clientId,
      roles: ['Exchange.ManageAsApp'],
    });
  });

  it('rejects a wrong secret or client with 401 invalid_client', async () => {
    const badSecret = await tokenRequest({ ...credentials(), client_secret: 'nope' });
    expect(badSecret.status).toBe(401);
    expect(badSecret.json<OAuthError>()).toMatchObject({ error: 'invalid_client' });
    expect(badSecret.json<OAuthError>().error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);

    const badClient = await tokenRequest({ ...credentials(), client_id: '99999999-9999-9999-9999-999999999999' });
    expect(badClient.status).toBe(401);
    expect(badClient.json<OAuthError>().error).toBe('invalid_client');
  });

  it('rejects an unknown resource with 400 invalid_resource AADSTS500011', async () => {
    const reply = await tokenRequest({ ...credentials(), scope: 'https://outlook.office365.com/.default' });
    expect(reply.status).toBe(400);
    expect(reply.json<OAuthError>()).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
  });

  it('rejects a client-credentials scope without /.default', async () => {
    const reply = await tokenRequest({ ...credentials(), scope: `${sim.exchangeEndpoint}/Exchange.ManageAsApp` });
    expect(reply.status).toBe(400);
    expect(reply.json<OAuthError>().error).toBe('invalid_scope');
  });

  it('refuses a token at a service it was not issued for', async () => {
    const graphToken = await token(sim, 'graph');
    const reply = await invoke(sim, 'Get-AcceptedDomain', {}, { bearer: graphToken });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('works with @azure/identity ClientSecretCredential (authorityHost + disableInstanceDiscovery)', async () => {
    const credential = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    const accessToken = await credential.getToken(`${sim.exchangeEndpoint}/.default`);
    expect(accessToken.token.split('.')).toHaveLength(3);
    expect(accessToken.expiresOnTimestamp).toBeGreaterThan(Date.now() + 50 * 60 * 1000);

    const reply = await invoke(sim, 'Get-AcceptedDomain', {}, { bearer: accessToken.token });
    expect(reply.status).toBe(200);
    expect(
      sim.requests.some((r) => r.service === 'authority' && r.path.endsWith('/v2.0/.well-known/openid-configuration')),
    ).toBe(true);
  });

  it('works with @azure/identity EnvironmentCredential fed by sim.settings()', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, sim.settings());
    try {
      const credential = new EnvironmentCredential({ disableInstanceDiscovery: true });
      const accessToken = await credential.getToken(`${sim.graphEndpoint}/.default`);
      expect(accessToken.token).toBeTruthy();
    } finally {
      for (const key of Object.keys(sim.settings())) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('makes @azure/identity fail with the AADSTS text when the secret is wrong', async () => {
    const credential = new ClientSecretCredential(sim.tenantId, sim.clientId, 'wrong-secret', {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    await expect(credential.getToken(`${sim.managementEndpoint}/.default`)).rejects.toThrow(/AADSTS7000215/);
  });
});
