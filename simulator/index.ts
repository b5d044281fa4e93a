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
import { authorityFaultBody, authorityRouter, TokenIssuer } from './authority';
import { exchangeFaultBody, exchangeRouter } from './exchange';
import { Faults } from './faults';
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
import {
  AuditLog,
  SentItems,
  Tenant,
  type Grants,
  type LatencySettings,
  type RecordedRequest,
  type SentMail,
  type SimulatorState,
} from './tenant';
import { loadOrCreateTls } from './tls';
import { PostDeliveryLog } from './postDelivery';

export interface StartOptions {
  /** Default: a random GUID. */
  tenantId?: string;
  /** The app registration's client id; default a random GUID. */
  clientId?: string;
  /** Its secret; default random. */
  clientSecret?: string;
}

const SERVICES: readonly ServiceName[] = ['authority', 'exchange', 'management', 'graph'];
const DEFAULT_GRANTS: Grants = {
  exchangeManageAsApp: true,
  exchangeDirectoryRole: true,
  activityFeedRead: true,
  mailSend: 'tenant',
  mailRead: 'tenant',
  quarantineHeaderRead: true,
  threatHuntingRead: true,
};
/** Sent Items shows a copy this long after the 202 (10 s seen live; tests that need the gap set more). */
const DEFAULT_SENT_ITEMS_DELAY_MS = 200;
const DEFAULT_LATENCY: LatencySettings = { exchange: 10, management: 0, graph: 10 };
const DEFAULT_WINDOW_LIMIT = 5000;

export class M365Simulator implements SimulatorState {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tenant: Tenant;
  readonly audit = new AuditLog();
  /** Post-delivery events (advanced hunting) and the ZAP report; Defender XDR on by default. */
  readonly postDelivery = new PostDeliveryLog();
  /** All granted by default; change them at any time (checked on every request). */
  readonly grants: Grants = { ...DEFAULT_GRANTS };
  /** What Graph accepted (any 2xx, lost answers included): count this to assert exactly-once. */
  readonly sentMail: SentMail[] = [];
  /** Every mailbox's Sent Items (messages sent with saveToSentItems). */
  readonly sentItems = new SentItems();
  /** How long after the 202 a saved message appears in Sent Items. */
  sentItemsDelayMs = DEFAULT_SENT_ITEMS_DELAY_MS;
  /** Every request to every service, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly faults = new Faults({
    authority: authorityFaultBody,
    exchange: exchangeFaultBody,
    management: managementFaultBody,
    graph: graphFaultBody,
  });
  readonly tokens = new TokenIssuer();
  /** Get-QuarantineMessage: calls whose filters match more rows than this are truncated. */
  exchangeWindowLimit = DEFAULT_WINDOW_LIMIT;
  /** Added to each handled Exchange / Management / Graph request, so concurrent clients really overlap. */
  latencyMs: LatencySettings = { ...DEFAULT_LATENCY };

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
    this.tenant = new Tenant(this.tenantId);
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

  /**
   * Forgets everything tests arranged or observed, keeping the listeners, tenant id, client and
   * issued tokens: rows, blobs, subscriptions, sent mail, requests, faults, grants, limits.
   */
  reset(): void {
    this.tenant.reset();
    this.audit.reset();
    this.postDelivery.reset();
    Object.assign(this.grants, DEFAULT_GRANTS);
    this.sentMail.length = 0;
    this.sentItems.clear();
    this.sentItemsDelayMs = DEFAULT_SENT_ITEMS_DELAY_MS;
    this.requests.length = 0;
    this.faults.clear();
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

  /** Records the request, answers an injected fault if one applies, else routes it. */
  private async respond(router: Router, req: SimRequest): Promise<SimResponse> {
    const record: RecordedRequest = {
      service: req.service,
      method: req.method,
      path: req.path,
      query: req.query,
      headers: req.headers,
      body: req.body,
      status: 0,
      at: new Date(),
    };
    this.requests.push(record);
    let response: SimResponse;
    try {
      response = await this.answer(router, req);
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

  /** Normal handling, bent by the first injected fault that applies. */
  private async answer(router: Router, req: SimRequest): Promise<SimResponse> {
    const plan = this.faults.plan(req.service, {
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
