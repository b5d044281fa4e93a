/**
 * One tenant as the simulated services see it: its quarantine, audit log, post-delivery log, grants,
 * sent mail, injected faults and throttles, and whether the multi-tenant app is consented there.
 * The simulator holds several; each request reaches exactly one (Exchange and Management by the
 * tenant in the path, Graph by the token's tid), so no data crosses tenants.
 */
import type { TokenIssuer } from './authority';
import { Faults, type DefaultFaultBody } from './faults';
import { PostDeliveryLog } from './postDelivery';
import type { ServiceName } from './router';
import { AuditLog, SentItems, Tenant, type Grants, type LatencySettings, type SentMail } from './tenant';

export const DEFAULT_GRANTS: Grants = {
  exchangeManageAsApp: true,
  exchangeDirectoryRole: true,
  activityFeedRead: true,
  mailSend: 'tenant',
  mailRead: 'tenant',
  quarantineHeaderRead: true,
  threatHuntingRead: true,
};

/** The services a tenant's throttle applies to (sign-in is not throttled per tenant here). */
export type ThrottledService = Exclude<ServiceName, 'authority'>;

export interface Throttle {
  /** Default 429. */
  status?: number;
  /** Sets Retry-After; default 1. */
  retryAfterSeconds?: number;
}

export class TenantWorld {
  readonly tenant: Tenant;
  readonly audit = new AuditLog();
  /** Post-delivery events (advanced hunting) and the ZAP report; Defender XDR on by default. */
  readonly postDelivery = new PostDeliveryLog();
  /** All granted by default; checked on every request. */
  readonly grants: Grants = { ...DEFAULT_GRANTS };
  /** What Graph accepted for this tenant's mailboxes (lost answers included). */
  readonly sentMail: SentMail[] = [];
  readonly sentItems = new SentItems();
  readonly faults: Faults;
  /**
   * Whether the multi-tenant app has a service principal here (admin consent given). False = consent
   * revoked or the service principal deleted: token requests fail with AADSTS700016. Tokens issued
   * before stay valid until they expire, as real access tokens do (sim.tokens.expireAll()).
   */
  consented = true;
  private readonly throttles = new Map<ThrottledService, Required<Throttle>>();

  constructor(
    readonly tenantId: string,
    domain: string,
    faultBodies: Record<ServiceName, DefaultFaultBody>,
  ) {
    this.tenant = new Tenant(tenantId, domain);
    this.faults = new Faults(faultBodies);
  }

  /** Every call of this tenant to `service` answers `status` (429) with Retry-After until cleared with null. */
  throttle(service: ThrottledService, throttle: Throttle | null = {}): void {
    if (throttle === null) this.throttles.delete(service);
    else
      this.throttles.set(service, {
        status: throttle.status ?? 429,
        retryAfterSeconds: throttle.retryAfterSeconds ?? 1,
      });
  }

  throttled(service: ServiceName): Required<Throttle> | undefined {
    return service === 'authority' ? undefined : this.throttles.get(service);
  }

  /** Back to the defaults: no rows, blobs, events, mail, faults or throttles; all granted and consented. */
  reset(): void {
    this.tenant.reset();
    this.audit.reset();
    this.postDelivery.reset();
    Object.assign(this.grants, DEFAULT_GRANTS);
    this.sentMail.length = 0;
    this.sentItems.clear();
    this.faults.clear();
    this.throttles.clear();
    this.consented = true;
  }
}

/** A federated identity credential of the multi-tenant app: Entra matches all three exactly. */
export interface FederatedCredential {
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface MultiTenantApp {
  clientId: string;
  /** Default: one naming the home identity (issuer login.microsoftonline.com/<home>/v2.0, subject its object id). */
  federatedCredentials: FederatedCredential[];
}

/** The parts of the simulator the services read, live (tests change them between calls). */
export interface SimulatorState {
  /** The tenant the single-tenant client (the home identity) lives in. */
  readonly home: TenantWorld;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The home identity's object (principal) id: sub and oid of its tokens. */
  readonly identityObjectId: string;
  readonly multiTenantApp: MultiTenantApp;
  /** How long after a 202 a message saved to Sent Items is listed there. */
  sentItemsDelayMs: number;
  readonly tokens: TokenIssuer;
  /** Origin of each service's listener, e.g. https://127.0.0.1:50123. */
  readonly origins: Readonly<Record<ServiceName, string>>;
  exchangeWindowLimit: number;
  latencyMs: LatencySettings;
  /** The world a tenant path segment (or a token's tid) names: its GUID or one of its domains. */
  worldNamedBy(segment: string): TenantWorld | undefined;
}
