/**
 * Sign-in authority (Microsoft Entra ID, v2 endpoints), enough for MSAL-node / @azure/identity's
 * ClientSecretCredential with `authorityHost` = this origin and `disableInstanceDiscovery: true`:
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   GET  /{tenant}/discovery/v2.0/keys
 *   GET  /common/discovery/instance
 *   POST /{tenant}/oauth2/v2.0/token      (client_credentials, scope <resource origin>/.default)
 *
 * Access tokens are JWT-shaped (ES256-signed, keys at jwks_uri) and remembered here: each service
 * asks `tokens.verify` whether a bearer token was issued for its own origin.
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { Router, type SimRequest, type SimResponse } from './router';
import type { FaultRequest } from './faults';
import type { SimulatorState } from './tenant';

const TOKEN_LIFETIME_SECONDS = 3599;

/** Well-known first-party application ids, as the real tokens carry them. */
export const RESOURCE_APP_IDS = {
  exchange: '00000002-0000-0ff1-ce00-000000000000',
  management: 'c5393580-f805-4401-95e8-94b7a6ef2fc2',
  graph: '00000003-0000-0000-c000-000000000000',
} as const;

export interface IssuedToken {
  /** The resource origin the token is for, e.g. https://127.0.0.1:50123. */
  audience: string;
  tenantId: string;
  appId: string;
  /** App roles at issue time (services check the live grants, not these). */
  roles: string[];
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; token: IssuedToken }
  | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'audience'; token?: IssuedToken };

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

export class TokenIssuer {
  private readonly issued = new Map<string, IssuedToken>();
  private readonly privateKey: KeyObject;
  readonly keyId = randomBytes(12).toString('base64url');
  readonly publicJwk: Record<string, unknown>;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: this.keyId, use: 'sig', alg: 'ES256' };
  }

  issue(claims: { audience: string; tenantId: string; appId: string; roles: string[] }): {
    accessToken: string;
    expiresIn: number;
  } {
    const now = Math.floor(Date.now() / 1000);
    const servicePrincipalId = randomUUID();
    const header = { typ: 'JWT', alg: 'ES256', kid: this.keyId };
    const payload = {
      aud: claims.audience,
      iss: `https://sts.windows.net/${claims.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + TOKEN_LIFETIME_SECONDS,
      app_displayname: 'quarantine-release-notifier',
      appid: claims.appId,
      appidacr: '1',
      idp: `https://sts.windows.net/${claims.tenantId}/`,
      idtyp: 'app',
      oid: servicePrincipalId,
      roles: claims.roles,
      sub: servicePrincipalId,
      tid: claims.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    const accessToken = `${signingInput}.${base64url(signature)}`;
    this.issued.set(accessToken, { ...claims, expiresAt: (now + TOKEN_LIFETIME_SECONDS) * 1000 });
    return { accessToken, expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /** Checks an Authorization header: a Bearer token this issuer made, unexpired, for `audience`. */
  verify(authorization: string | undefined, audience: string): TokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { ok: false, reason: 'missing' };
    const token = this.issued.get(match[1]);
    if (!token) return { ok: false, reason: 'unknown' };
    if (token.expiresAt <= Date.now()) return { ok: false, reason: 'expired', token };
    if (token.audience !== audience) return { ok: false, reason: 'audience', token };
    return { ok: true, token };
  }

  /** Makes every token issued so far expired, as if an hour had passed. */
  expireAll(): void {
    for (const token of this.issued.values()) token.expiresAt = 0;
  }
}

function oauthError(status: number, error: string, code: number, description: string): SimResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

function unknownTenant(segment: string): SimResponse {
  return oauthError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

/** What the authority sends for a status when an injected fault gives no body. */
export function authorityFaultBody(status: number, _req: FaultRequest): SimResponse {
  if (status === 400)
    return oauthError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  if (status === 401) return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  if (status === 429)
    return oauthError(
      429,
      'temporarily_unavailable',
      50196,
      'The server terminated an operation because it encountered a client request loop.',
    );
  return oauthError(status, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
}

/** The resource a client-credentials scope names: `<resource>/.default` minus the suffix, trailing slashes dropped. */
function resourceOf(scope: string): string | undefined {
  const scopes = scope.split(/\s+/).filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s));
  if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) return undefined;
  return scopes[0].slice(0, -'/.default'.length).replace(/\/+$/, '');
}

function rolesFor(sim: SimulatorState, service: 'exchange' | 'management' | 'graph'): string[] {
  switch (service) {
    case 'exchange':
      return sim.grants.exchangeManageAsApp ? ['Exchange.ManageAsApp'] : [];
    case 'management':
      return sim.grants.activityFeedRead ? ['ActivityFeed.Read'] : [];
    case 'graph':
      // An Exchange RBAC scope is enforced by Exchange; the token then carries no Mail.Send role.
      return sim.grants.mailSend === 'tenant' ? ['Mail.Send'] : [];
  }
}

function token(sim: SimulatorState, req: SimRequest, tenantSegment: string): SimResponse {
  if (!sim.tenant.isNamedBy(tenantSegment)) return unknownTenant(tenantSegment);
  const form =
    req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)
      ? (req.body as Record<string, unknown>)
      : {};
  const field = (name: string): string | undefined =>
    typeof form[name] === 'string' ? (form[name] as string) : undefined;

  const grantType = field('grant_type');
  if (!grantType)
    return oauthError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  if (grantType !== 'client_credentials') {
    return oauthError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }
  const clientId = field('client_id');
  if (!clientId)
    return oauthError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  if (clientId.toLowerCase() !== sim.clientId.toLowerCase()) {
    return oauthError(
      401,
      'invalid_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${sim.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const secret = field('client_secret');
  if (secret === undefined) {
    return oauthError(
      401,
      'invalid_client',
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  }
  if (secret !== sim.clientSecret) {
    return oauthError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${sim.clientId}'.`,
    );
  }
  const scope = field('scope');
  if (!scope)
    return oauthError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'scope'.",
    );
  const resource = resourceOf(scope);
  if (resource === undefined) {
    return oauthError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const service = (['exchange', 'management', 'graph'] as const).find((name) => sim.origins[name] === resource);
  if (!service) {
    return oauthError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${sim.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  const issued = sim.tokens.issue({
    audience: sim.origins[service],
    tenantId: sim.tenantId,
    appId: sim.clientId,
    roles: rolesFor(sim, service),
  });
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
    body: {
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      ext_expires_in: issued.expiresIn,
      access_token: issued.accessToken,
    },
  };
}

function openIdConfiguration(sim: SimulatorState, tenantSegment: string): SimResponse {
  if (!sim.tenant.isNamedBy(tenantSegment)) return unknownTenant(tenantSegment);
  const host = sim.origins.authority;
  const tenant = sim.tenantId;
  return {
    status: 200,
    body: {
      token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['ES256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${host}/${tenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${host}/oidc/userinfo`,
      authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'tid', 'ver', 'oid', 'roles'],
      kerberos_endpoint: `${host}/${tenant}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(sim.origins.graph).host,
      rbac_url: 'https://pas.windows.net',
    },
  };
}

function instanceDiscovery(sim: SimulatorState): SimResponse {
  const host = new URL(sim.origins.authority).host;
  return {
    status: 200,
    body: {
      tenant_discovery_endpoint: `${sim.origins.authority}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
  };
}

export function authorityRouter(sim: SimulatorState): Router {
  return new Router((req) => ({
    status: 404,
    body: { error: 'not_found', error_description: `No such endpoint: ${req.method} ${req.path}` },
  }))
    .on('GET', '/common/discovery/instance', () => instanceDiscovery(sim))
    .on('GET', '/:tenant/v2.0/.well-known/openid-configuration', (_req, p) => openIdConfiguration(sim, p.tenant))
    .on('GET', '/:tenant/discovery/v2.0/keys', (_req, p) =>
      sim.tenant.isNamedBy(p.tenant)
        ? { status: 200, body: { keys: [sim.tokens.publicJwk] } }
        : unknownTenant(p.tenant),
    )
    .on('POST', '/:tenant/oauth2/v2.0/token', (req, p) => token(sim, req, p.tenant));
}
