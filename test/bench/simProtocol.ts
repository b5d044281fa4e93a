/** Messages between the benchmark and the simulator it runs in a child process (simHost.ts). */
import type { AuditRecord, LatencySettings, ServiceName } from '../../simulator';

export type SimCommand =
  | { op: 'settings' }
  /** Replaces the quarantine with `rowCount` rows of the seeded workload (workload.ts). */
  | { op: 'plant'; rowCount: number; seed: number; nowMs: number }
  | { op: 'clearQuarantine' }
  | { op: 'latency'; latency: LatencySettings }
  /** Each inner array becomes one content blob, created `ageMs` before now (spread a second apart). */
  | { op: 'publish'; blobs: AuditRecord[][]; ageMs: number }
  /** Publishes massReleaseRecords(massPlans(...)) in blobs of `blobSize` records (built here: no 60 MB over the pipe). */
  | {
      op: 'publishMass';
      messages: number;
      recipients: number;
      seed: number;
      nowMs: number;
      blobSize: number;
      ageMs: number;
    }
  | { op: 'fault'; service: ServiceName; status: number; retryAfterSeconds?: number; times: number }
  | { op: 'faultsPending' }
  | { op: 'sentMail' }
  /** Forgets sent mail, recorded requests, faults and audit blobs (keeps rows, tokens, listeners). */
  | { op: 'clearObserved' }
  | { op: 'requestCounts' }
  | { op: 'memory' }
  /**
   * Drops every added tenant and adds `count` customer tenants (ids and domains from the seed), each
   * with `rows` quarantine rows of the seeded workload (senders of its own domain) and `releases`
   * release records in one audit blob created `ageMs` ago. Forgets sent mail and recorded requests.
   */
  | { op: 'tenants'; count: number; rows: number; releases: number; seed: number; nowMs: number; ageMs: number }
  /** Forgets every tenant's sent mail and the recorded requests (keeps rows, blobs, tokens). */
  | { op: 'clearTenantsObserved' }
  /** Requests recorded since the last call, counted per tenant and service; then forgets them. */
  | { op: 'takeTenantRequests' }
  /** Checks every tenant's accepted mail against the notices the planted releases call for. */
  | { op: 'tenantMail' }
  | { op: 'stop' };

export interface BenchTenant {
  tenantId: string;
  domain: string;
  /** Its notices mailbox (NOTIFY_SENDER_MAILBOX in its Tenants row). */
  mailbox: string;
  /** Notices its releases call for: one per released outbound message. */
  expectedNotices: number;
}

/** Requests of one tenant (or of none: key "none"), by service, and how many were not 2xx. */
export interface TenantRequestCounts {
  authority: number;
  exchange: number;
  management: number;
  graph: number;
  /** Answers outside 200-299 (throttles, faults, errors). */
  failed: number;
}

export interface TenantMailCheck {
  /** Accepted emails across every customer tenant. */
  emails: number;
  expected: number;
  /** Expected notices (NetworkMessageIds) accepted exactly once. */
  exactlyOnce: number;
  missing: number;
  duplicated: number;
  /** Notices accepted in another tenant's world, from another tenant's mailbox, or to someone but the message's sender. */
  crossTenant: number;
  /** Emails naming no expected NetworkMessageId (alerts, health, or a notice nobody asked for). */
  unexpected: number;
  /** Per tenant: notices accepted exactly once. */
  perTenantOnce: Record<string, number>;
  /** Per tenant: when Graph accepted its last email (ms since the epoch). */
  lastAtMs: Record<string, number>;
}

export interface SentMailDigest {
  atMs: number;
  mailbox: string;
  to: string;
  /** The notice's x-qrn-network-message-ids header. */
  ids: string;
}

export interface SimReplies {
  /** multiTenantAppId: the simulator's secretless multi-tenant app (MULTI_TENANT_APP_ID). */
  settings: { settings: Record<string, string>; caCertPath: string; multiTenantAppId: string };
  plant: { rows: number };
  clearQuarantine: null;
  latency: null;
  publish: { blobs: number; records: number };
  publishMass: { blobs: number; records: number };
  fault: null;
  faultsPending: number;
  sentMail: SentMailDigest[];
  clearObserved: null;
  /** "service status" -> count, e.g. "graph 429" -> 50. */
  requestCounts: Record<string, number>;
  memory: NodeJS.MemoryUsage;
  tenants: { tenants: BenchTenant[]; rows: number; releases: number };
  clearTenantsObserved: null;
  takeTenantRequests: Record<string, TenantRequestCounts>;
  tenantMail: TenantMailCheck;
  stop: null;
}

export type SimReply<C extends SimCommand> = SimReplies[C['op']];

export interface SimRequestEnvelope {
  id: number;
  command: SimCommand;
}

export type SimResponseEnvelope = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
