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
  | { op: 'stop' };

export interface SentMailDigest {
  atMs: number;
  mailbox: string;
  to: string;
  /** The notice's x-qrn-network-message-ids header. */
  ids: string;
}

export interface SimReplies {
  settings: { settings: Record<string, string>; caCertPath: string };
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
  stop: null;
}

export type SimReply<C extends SimCommand> = SimReplies[C['op']];

export interface SimRequestEnvelope {
  id: number;
  command: SimCommand;
}

export type SimResponseEnvelope = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
