/**
 * A local stand-in for the Microsoft 365 endpoints the notifier calls: Entra ID sign-in, Exchange
 * admin REST, the Office 365 Management Activity API and Microsoft Graph sendMail, each on its own
 * HTTPS port on 127.0.0.1 (a token's audience is its service's origin). The product reaches it only
 * through ordinary settings: `sim.settings()`, plus NODE_EXTRA_CA_CERTS = `sim.caCertPath`.
 *
 *   const sim = await M365Simulator.start();
 *   sim.tenant.quarantine.add([quarantineRow({ SenderAddress: 'alice@contoso.com' })]);
 *   ... run the product with sim.settings() ...
 *   expect(sim.sentMail).toHaveLength(1);
 *   await sim.stop();
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { authorityFaultBody, authorityRouter, TOKEN_EXCHANGE_AUDIENCE, TokenIssuer } from './authority';
import { exchangeFaultBody, exchangeRouter } from './exchange';
import type { DefaultFaultBody, Faults } from './faults';
import { graphFaultBody, graphRouter } from './graph';
import { managementFaultBody, managementRouter } from './management';
import {
  InFlight,
  listen,
  type Listener,
  type Router,
  type ServiceName,
  type SimRequest,
  type SimResponse,
} from './router';
import type { AuditLog, Grants, LatencySettings, RecordedRequest, SentItems, SentMail, Tenant } from './tenant';
import { loadOrCreateTls } from './tls';
import type { PostDeliveryLog } from './postDelivery';
import { TenantWorld, type FederatedCredential, type MultiTenantApp, type SimulatorState } from './world';

export interface StartOptions {
  /** The home tenant; default: a random GUID. */
  tenantId?: string;
  /** The home identity's client id (a single-tenant app registration); default a random GUID. */
  clientId?: string;
  /** Its secret; default random. */
  clientSecret?: string;
  /** The multi-tenant app's client id; default a random GUID. */
  multiTenantAppId?: string;
}

export interface AddTenantOptions {
  /** Default: a random GUID. */
  tenantId?: string;
  /** Its default domain (mailboxes quarantine-notices@, alice@, carol@, secadmin@); default customerN.example.com. */
  domain?: string;
}

const SERVICES: readonly ServiceName[] = ['authority', 'exchange', 'management', 'graph'];
const FAULT_BODIES: Record<ServiceName, DefaultFaultBody> = {
  authority: authorityFaultBody,
  exchange: exchangeFaultBody,
  management: managementFaultBody,
  graph: graphFaultBody,
};
/** Where each service's path names the tenant ('/{t}/oauth2/...', '/adminapi/beta/{t}/...', '/api/v1.0/{t}/...'). */
const TENANT_SEGMENT: Readonly<Record<Exclude<ServiceName, 'graph'>, number>> = {
  authority: 1,
  exchange: 3,
  management: 3,
};
/** Sent Items shows a copy this long after the 202 (10 s seen live; tests that need the gap set more). */
const DEFAULT_SENT_ITEMS_DELAY_MS = 200;
const DEFAULT_LATENCY: LatencySettings = { exchange: 10, management: 0, graph: 10 };
const DEFAULT_WINDOW_LIMIT = 5000;

export class M365Simulator implements SimulatorState {
  /** The home tenant: where the home identity and the multi-tenant app are registered. */
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The home identity's object (principal) id: what a federated credential names as subject. */
  readonly identityObjectId = randomUUID();
  /** The secretless multi-tenant app, federated with the home identity (reference section 10). */
  readonly multiTenantApp: MultiTenantApp;
  readonly home: TenantWorld;
  /** How long after the 202 a saved message appears in Sent Items. */
  sentItemsDelayMs = DEFAULT_SENT_ITEMS_DELAY_MS;
  /** Every request to every service, in arrival order, each with the tenant whose world answered it. */
  readonly requests: RecordedRequest[] = [];
  readonly tokens = new TokenIssuer();
  /** Get-QuarantineMessage: calls whose filters match more rows than this are truncated. */
  exchangeWindowLimit = DEFAULT_WINDOW_LIMIT;
  /** Added to each handled Exchange / Management / Graph request, so concurrent clients really overlap. */
  latencyMs: LatencySettings = { ...DEFAULT_LATENCY };

  private readonly worlds = new Map<string, TenantWorld>();
  private readonly origin: Record<ServiceName, string> = { authority: '', exchange: '', management: '', graph: '' };
  private readonly exchangeInFlight = new InFlight();
  private readonly graphInFlight = new InFlight();
  private listeners: Listener[] = [];
  /** Requests held by 'hang' faults: stop() ends them at once. */
  private readonly hangs = new Set<() => void>();

  private constructor(
    options: StartOptions,
    readonly caCertPath: string,
  ) {
    this.tenantId = (options.tenantId ?? randomUUID()).toLowerCase();
    this.clientId = options.clientId ?? randomUUID();
    this.clientSecret = options.clientSecret ?? `sim~${randomBytes(24).toString('base64url')}`;
    this.multiTenantApp = {
      clientId: options.multiTenantAppId ?? randomUUID(),
      federatedCredentials: [this.homeFederatedCredential()],
    };
    this.home = new TenantWorld(this.tenantId, 'contoso.com', FAULT_BODIES);
    this.worlds.set(this.tenantId, this.home);
  }

  /** Starts the four services. TLS: SIMULATOR_TLS_DIR's certificate when set, else a fresh one. */
  static async start(options: StartOptions = {}): Promise<M365Simulator> {
    const tls = await loadOrCreateTls();
    const sim = new M365Simulator(options, tls.certPath);
    const routers: Record<ServiceName, Router> = {
      authority: authorityRouter(sim),
      exchange: exchangeRouter(sim, sim.exchangeInFlight),
      management: managementRouter(sim),
      graph: graphRouter(sim, sim.graphInFlight),
    };
    try {
      for (const service of SERVICES) {
        const listener = await listen(service, tls, (req) => sim.respond(routers[service], req));
        sim.listeners.push(listener);
        sim.origin[service] = listener.origin;
      }
    } catch (error) {
      await sim.stop();
      throw error;
    }
    return sim;
  }

  // The home tenant's state, as before there were several tenants.
  get tenant(): Tenant {
    return this.home.tenant;
  }
  get audit(): AuditLog {
    return this.home.audit;
  }
  /** Post-delivery events (advanced hunting) and the ZAP report; Defender XDR on by default. */
  get postDelivery(): PostDeliveryLog {
    return this.home.postDelivery;
  }
  /** All granted by default; change them at any time (checked on every request). */
  get grants(): Grants {
    return this.home.grants;
  }
  /** What Graph accepted for the home tenant (lost answers included): count this to assert exactly-once. */
  get sentMail(): SentMail[] {
    return this.home.sentMail;
  }
  /** Every home mailbox's Sent Items (messages sent with saveToSentItems). */
  get sentItems(): SentItems {
    return this.home.sentItems;
  }
  get faults(): Faults {
    return this.home.faults;
  }

  /** A customer tenant with its own quarantine, audit log, mail, grants, faults and throttles; consented. */
  addTenant(options: AddTenantOptions = {}): TenantWorld {
    const tenantId = (options.tenantId ?? randomUUID()).toLowerCase();
    const domain = (options.domain ?? `customer${this.worlds.size}.example.com`).toLowerCase();
    if (this.worldNamedBy(tenantId) || this.worldNamedBy(domain))
      throw new Error(`addTenant: a tenant named ${tenantId} or ${domain} already exists`);
    const world = new TenantWorld(tenantId, domain, FAULT_BODIES);
    this.worlds.set(tenantId, world);
    return world;
  }

  /** The world of a tenant id (the home tenant's included). */
  world(tenantId: string): TenantWorld | undefined {
    return this.worlds.get(tenantId.toLowerCase());
  }

  /** Every tenant's world, the home tenant's first. */
  get allWorlds(): TenantWorld[] {
    return [...this.worlds.values()];
  }

  worldNamedBy(segment: string): TenantWorld | undefined {
    return this.world(segment) ?? this.allWorlds.find((world) => world.tenant.isNamedBy(segment));
  }

  /** What Graph accepted in every tenant, in acceptance order, each with its tenant. */
  allSentMail(): Array<SentMail & { tenantId: string }> {
    return this.allWorlds
      .flatMap((world) => world.sentMail.map((mail) => ({ ...mail, tenantId: world.tenantId })))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  get origins(): Readonly<Record<ServiceName, string>> {
    return this.origin;
  }

  /** Sign-in authority origin, for AZURE_AUTHORITY_HOST. */
  get authorityHost(): string {
    return this.origin.authority;
  }

  get exchangeEndpoint(): string {
    return this.origin.exchange;
  }

  get managementEndpoint(): string {
    return this.origin.management;
  }

  get graphEndpoint(): string {
    return this.origin.graph;
  }

  /** Most requests seen in flight at once: Exchange per tenant, Graph per mailbox. */
  get peakInFlight(): { exchange: number; graph: number } {
    return { exchange: this.exchangeInFlight.peak, graph: this.graphInFlight.peak };
  }

  /** The settings that point the product (and @azure/identity's EnvironmentCredential) here. */
  settings(): Record<string, string> {
    return {
      M365_TENANT_ID: this.tenantId,
      AZURE_TENANT_ID: this.tenantId,
      AZURE_CLIENT_ID: this.clientId,
      AZURE_CLIENT_SECRET: this.clientSecret,
      AZURE_AUTHORITY_HOST: this.authorityHost,
      EXCHANGE_ENDPOINT: this.exchangeEndpoint,
      MANAGEMENT_ENDPOINT: this.managementEndpoint,
      GRAPH_ENDPOINT: this.graphEndpoint,
    };
  }

  /** settings() plus MULTI_TENANT_APP_ID: a service provider's deployment serving the added tenants. */
  multiTenantSettings(): Record<string, string> {
    return { ...this.settings(), MULTI_TENANT_APP_ID: this.multiTenantApp.clientId };
  }

  /**
   * Forgets everything tests arranged or observed, keeping the listeners, home tenant id, clients
   * and issued tokens: rows, blobs, subscriptions, sent mail, requests, faults, grants, limits.
   * Added tenants are dropped; the multi-tenant app's federated credentials are the default again.
   */
  reset(): void {
    this.home.reset();
    this.worlds.clear();
    this.worlds.set(this.tenantId, this.home);
    this.multiTenantApp.federatedCredentials = [this.homeFederatedCredential()];
    this.sentItemsDelayMs = DEFAULT_SENT_ITEMS_DELAY_MS;
    this.requests.length = 0;
    this.exchangeWindowLimit = DEFAULT_WINDOW_LIMIT;
    this.latencyMs = { ...DEFAULT_LATENCY };
    this.exchangeInFlight.peak = 0;
    this.graphInFlight.peak = 0;
  }

  async stop(): Promise<void> {
    for (const end of [...this.hangs]) end();
    const listeners = this.listeners;
    this.listeners = [];
    await Promise.all(listeners.map((listener) => listener.close()));
  }

  /** What the MSP configures on the app: the home identity's tokens, as Entra issues them for token exchange. */
  private homeFederatedCredential(): FederatedCredential {
    return {
      issuer: `https://login.microsoftonline.com/${this.tenantId}/v2.0`,
      subject: this.identityObjectId,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
    };
  }

  /** The world a request reaches: the tenant in its path, or for Graph its token's tenant. */
  private worldOf(req: SimRequest): TenantWorld | undefined {
    if (req.service === 'graph') {
      const tenantId = this.tokens.tenantOf(req.headers.authorization);
      return tenantId === undefined ? undefined : this.world(tenantId);
    }
    const segment = req.path.split('/')[TENANT_SEGMENT[req.service]];
    if (!segment) return undefined;
    try {
      return this.worldNamedBy(decodeURIComponent(segment));
    } catch {
      return undefined;
    }
  }

  /** Records the request, answers an injected fault if one applies, else routes it. */
  private async respond(router: Router, req: SimRequest): Promise<SimResponse> {
    const world = this.worldOf(req);
    const record: RecordedRequest = {
      service: req.service,
      method: req.method,
      path: req.path,
      query: req.query,
      headers: req.headers,
      body: req.body,
      status: 0,
      at: new Date(),
      tenantId: world?.tenantId,
    };
    this.requests.push(record);
    let response: SimResponse;
    try {
      // A request naming no tenant (unknown, or no token) meets the home tenant's faults, as before.
      response = await this.answer(router, req, world ?? this.home);
    } catch (error) {
      response = {
        status: 500,
        body: {
          error: {
            code: 'SimulatorError',
            message: error instanceof Error ? (error.stack ?? error.message) : String(error),
          },
        },
      };
    }
    // A dropped answer is recorded as status 0: the client never saw one.
    record.status = response.drop ? 0 : response.status;
    return response;
  }

  /** Normal handling, unless the tenant is throttled or an injected fault of its applies. */
  private async answer(router: Router, req: SimRequest, world: TenantWorld): Promise<SimResponse> {
    const throttle = world.throttled(req.service);
    if (throttle) {
      const base = FAULT_BODIES[req.service](throttle.status, req);
      const headers = { ...base.headers, 'Retry-After': String(throttle.retryAfterSeconds) };
      return { ...base, status: throttle.status, headers };
    }
    const plan = world.faults.plan(req.service, {
      method: req.method,
      path: req.path,
      query: req.query,
      body: req.body,
    });
    if (!plan) return router.handle(req);
    switch (plan.kind) {
      case 'answer':
        return plan.response;
      case 'drop':
        return { status: 0, drop: true };
      case 'accept':
        return plan.restyle(await router.handle(req));
      case 'accept-then-answer':
        await router.handle(req);
        return plan.response;
      case 'accept-then-drop':
        await router.handle(req);
        return { status: 0, drop: true };
      case 'hang': {
        const handled = plan.sent ? await router.handle(req) : undefined;
        await this.hang(plan.ms);
        if (!plan.thenAnswer) return { status: 0, drop: true };
        return handled ?? router.handle(req);
      }
    }
  }

  /** Waits `ms`, or less if the simulator stops first. */
  private hang(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.hangs.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.hangs.add(end);
    });
  }
}

export type { FaultKind, FaultSpec, FaultRequest } from './faults';
export type { ServiceName } from './router';
export type {
  AuditBlob,
  AuditRecord,
  ExtendedProperty,
  Grants,
  GraphMessage,
  GraphRecipient,
  LatencySettings,
  PublishOptions,
  QuarantineRow,
  RecordedRequest,
  HeaderChoice,
  SentItem,
  SentMail,
} from './tenant';
export { AuditLog, QuarantineStore, SentItems, Tenant } from './tenant';
export {
  TenantWorld,
  type FederatedCredential,
  type MultiTenantApp,
  type Throttle,
  type ThrottledService,
} from './world';
export { JWT_BEARER_ASSERTION, TOKEN_EXCHANGE_AUDIENCE } from './authority';
export {
  defaultOrigin,
  fold,
  hostileHeader,
  HUGE_HEADER_BYTES,
  messageHeader,
  type HostileHeaderKind,
  type MessageOrigin,
} from './headers';
export { CONCURRENCY_MESSAGE, EXCHANGE_MAX_CONCURRENT, TRUNCATION_WARNING } from './exchange';
export { GRAPH_MAX_MAILBOX_CONCURRENCY, MAILBOX_CONCURRENCY_MESSAGE, parseExtendedPropertyFilter } from './graph';
export * from './fixtures';
