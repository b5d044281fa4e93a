/**
 * Sign-in authority (Microsoft Entra ID, v2 endpoints), enough for MSAL-node / @azure/identity's
 * ClientSecretCredential with `authorityHost` = this origin and `disableInstanceDiscovery: true`:
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   GET  /{tenant}/discovery/v2.0/keys
 *   GET  /common/discovery/instance
 *   POST /{tenant}/oauth2/v2.0/token      (client_credentials, scope <resource origin>/.default)
 *
 * Two clients: the home identity (client id + secret, single-tenant: only the home tenant knows it),
 * which can also get a token for api://AzureADTokenExchange (what a managed identity presents to a
 * federated credential); and the multi-tenant app, secretless, whose client_assertion must be such a
 * token matching one of its federated credentials, and which gets tokens in every tenant world that
 * has consented to it (reference section 10).
 *
 * Access tokens are JWT-shaped (ES256-signed, keys at jwks_uri) and remembered here: each service
 * asks `tokens.verify` whether a bearer token was issued for its own origin.
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { Router, type SimRequest, type SimResponse } from './router';
import type { FaultRequest } from './faults';
import type { SimulatorState, TenantWorld } from './world';

const TOKEN_LIFETIME_SECONDS = 3599;
/** The audience of a token presented to a federated identity credential. */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

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
  /** The iss claim. */
  issuer: string;
  /** The sub (= oid) claim: the client's service principal in that tenant. */
  subject: string;
}

export interface TokenClaims {
  audience: string;
  tenantId: string;
  appId: string;
  roles: string[];
  /** Default: a fresh GUID. */
  objectId?: string;
  /** Default: the v1 issuer https://sts.windows.net/<tenant>/. */
  issuer?: string;
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

  issue(claims: TokenClaims): { accessToken: string; expiresIn: number } {
    const now = Math.floor(Date.now() / 1000);
    const servicePrincipalId = claims.objectId ?? randomUUID();
    const issuer = claims.issuer ?? `https://sts.windows.net/${claims.tenantId}/`;
    const header = { typ: 'JWT', alg: 'ES256', kid: this.keyId };
    const payload = {
      aud: claims.audience,
      iss: issuer,
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
      ver: claims.issuer === undefined ? '1.0' : '2.0',
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    const accessToken = `${signingInput}.${base64url(signature)}`;
    this.issued.set(accessToken, {
      audience: claims.audience,
      tenantId: claims.tenantId,
      appId: claims.appId,
      roles: claims.roles,
      issuer,
      subject: servicePrincipalId,
      expiresAt: (now + TOKEN_LIFETIME_SECONDS) * 1000,
    });
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

  /** A token this issuer made (expired or not), by its text. */
  find(accessToken: string): IssuedToken | undefined {
    return this.issued.get(accessToken);
  }

  /** The tenant of the Bearer token in an Authorization header, if this issuer made it. */
  tenantOf(authorization: string | undefined): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return match ? this.issued.get(match[1])?.tenantId : undefined;
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

function rolesFor(world: TenantWorld, service: 'exchange' | 'management' | 'graph'): string[] {
  switch (service) {
    case 'exchange':
      return world.grants.exchangeManageAsApp ? ['Exchange.ManageAsApp'] : [];
    case 'management':
      return world.grants.activityFeedRead ? ['ActivityFeed.Read'] : [];
    case 'graph':
      // An Exchange RBAC scope is enforced by Exchange; the token then carries no Mail.Send role.
      return world.grants.mailSend === 'tenant' ? ['Mail.Send'] : [];
  }
}

type Field = (name: string) => string | undefined;
/** The client a token request authenticated as: its app id and its service principal's object id. */
interface Client {
  appId: string;
  objectId?: string;
}

const missing = (name: string): SimResponse =>
  oauthError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

/** Real Entra: 400 unauthorized_client when the app has no service principal in the directory asked. */
function appNotInDirectory(clientId: string, tenantId: string): SimResponse {
  return oauthError(
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

function secretRequired(): SimResponse {
  return oauthError(
    401,
    'invalid_client',
    7000216,
    "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
  );
}

function wrongSecret(clientId: string): SimResponse {
  return oauthError(
    401,
    'invalid_client',
    7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  );
}

/** The home identity: a single-tenant app with a secret, known only in the home tenant. */
function homeIdentity(sim: SimulatorState, world: TenantWorld, field: Field): Client | SimResponse {
  if (world !== sim.home) return appNotInDirectory(sim.clientId, world.tenantId);
  const secret = field('client_secret');
  if (secret === undefined) return secretRequired();
  if (secret !== sim.clientSecret) return wrongSecret(sim.clientId);
  return { appId: sim.clientId, objectId: sim.identityObjectId };
}

/**
 * The assertion must be a token this authority issued, unexpired, whose iss, sub and aud match one
 * federated credential of the app exactly (Entra's comparison).
 */
function checkAssertion(sim: SimulatorState, assertion: string): SimResponse | undefined {
  const presented = sim.tokens.find(assertion);
  if (!presented) {
    return oauthError(
      401,
      'invalid_client',
      50013,
      'Assertion failed signature validation. [Reason - The key was not found.]',
    );
  }
  if (presented.expiresAt <= Date.now()) {
    return oauthError(
      400,
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}, expiry time of assertion ${new Date(presented.expiresAt).toISOString()}.`,
    );
  }
  const matches = sim.multiTenantApp.federatedCredentials.some(
    (fic) =>
      fic.issuer === presented.issuer &&
      fic.subject === presented.subject &&
      fic.audiences.includes(presented.audience),
  );
  if (matches) return undefined;
  return oauthError(
    400,
    'invalid_request',
    70021,
    `No matching federated identity record found for presented assertion. Assertion Issuer: '${presented.issuer}'. Assertion Subject: '${presented.subject}'. Assertion Audience: '${presented.audience}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
  );
}

/** The multi-tenant app: secretless, signs in with a federated assertion in any consented tenant. */
function multiTenantApp(sim: SimulatorState, world: TenantWorld, field: Field): Client | SimResponse {
  const clientId = sim.multiTenantApp.clientId;
  if (!world.consented) return appNotInDirectory(clientId, world.tenantId);
  const assertion = field('client_assertion');
  if (assertion === undefined) return field('client_secret') === undefined ? secretRequired() : wrongSecret(clientId);
  // Only the JWT bearer type exists; anything else is as good as missing.
  if (field('client_assertion_type') !== JWT_BEARER_ASSERTION) return missing('client_assertion_type');
  return checkAssertion(sim, assertion) ?? { appId: clientId };
}

function authenticate(sim: SimulatorState, world: TenantWorld, field: Field): Client | SimResponse {
  const clientId = field('client_id');
  if (!clientId) return missing('client_id');
  const is = (id: string): boolean => clientId.toLowerCase() === id.toLowerCase();
  if (is(sim.clientId)) return homeIdentity(sim, world, field);
  if (is(sim.multiTenantApp.clientId)) return multiTenantApp(sim, world, field);
  // Kept as the simulator always answered it (real Entra answers 400 unauthorized_client).
  return oauthError(
    401,
    'invalid_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${world.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

function isResponse(value: Client | SimResponse): value is SimResponse {
  return 'status' in value;
}

/** The claims of the token asked for, or the error for a scope naming no resource of this tenant. */
function claimsFor(sim: SimulatorState, world: TenantWorld, client: Client, scope: string): TokenClaims | SimResponse {
  const resource = resourceOf(scope);
  if (resource === undefined) {
    return oauthError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const base = { tenantId: world.tenantId, appId: client.appId, objectId: client.objectId };
  // A v2 token, as a managed identity's for this audience is: its iss is what the federated credential names.
  if (resource === TOKEN_EXCHANGE_AUDIENCE)
    return {
      ...base,
      audience: resource,
      roles: [],
      issuer: `https://login.microsoftonline.com/${world.tenantId}/v2.0`,
    };
  const service = (['exchange', 'management', 'graph'] as const).find((name) => sim.origins[name] === resource);
  if (!service) {
    return oauthError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${world.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  return { ...base, audience: sim.origins[service], roles: rolesFor(world, service) };
}

function token(sim: SimulatorState, req: SimRequest, tenantSegment: string): SimResponse {
  const world = sim.worldNamedBy(tenantSegment);
  if (!world) return unknownTenant(tenantSegment);
  const form =
    req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)
      ? (req.body as Record<string, unknown>)
      : {};
  const field: Field = (name) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);

  const grantType = field('grant_type');
  if (!grantType) return missing('grant_type');
  if (grantType !== 'client_credentials') {
    return oauthError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }
  const client = authenticate(sim, world, field);
  if (isResponse(client)) return client;
  const scope = field('scope');
  if (!scope) return missing('scope');
  const claims = claimsFor(sim, world, client, scope);
  if ('status' in claims) return claims;
  const issued = sim.tokens.issue(claims);
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
  const world = sim.worldNamedBy(tenantSegment);
  if (!world) return unknownTenant(tenantSegment);
  const host = sim.origins.authority;
  const tenant = world.tenantId;
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
      sim.worldNamedBy(p.tenant) ? { status: 200, body: { keys: [sim.tokens.publicJwk] } } : unknownTenant(p.tenant),
    )
    .on('POST', '/:tenant/oauth2/v2.0/token', (req, p) => token(sim, req, p.tenant));
}
