/** What the detection use case needs from the outside world; adapters in audit/, store/ and queue/ implement it. */
import type { ReleaseEvent } from '../domain/types';
import type { QueuedJob } from '../jobs/queuedJob';
import type { MessageOrigin } from './origin';

export interface ContentBlob {
  contentId: string;
  contentUri: string;
  contentCreated: string;
}

/** The audit feed as the detection use case needs it. */
export interface AuditFeed {
  ensureSubscription(): Promise<'enabled' | 'started'>;
  listContent(start: Date, end: Date): Promise<ContentBlob[]>;
  fetchContent(blob: ContentBlob): Promise<unknown[]>;
}

/** 'set-aside': the release could not be decided or handed over (its reason says why); nobody is told. */
export type ReleaseStatus = 'pending' | 'queued' | 'unmatched' | 'skipped' | 'set-aside';

export interface StoredRelease extends ReleaseEvent {
  status: ReleaseStatus;
  reason: string;
}

/** What storing a batch of releases did: each input record is counted exactly once. */
export interface AddManyResult {
  added: number;
  duplicates: number;
  /** Records the store refused even on their own (too large, malformed): logged and moved past. */
  rejected: Array<{ recordId: string; reason: string; detail: string }>;
}

/** What detection remembers between runs: each release record by Id, and each audit blob done. */
export interface ReleaseStore {
  /** Stores a release the first time its record Id is seen; false when it was seen before. */
  addIfNew(release: ReleaseEvent, now: Date): Promise<boolean>;
  /** Stores many at once, in transactions; throws only when storage itself fails. */
  addMany(releases: readonly ReleaseEvent[], now: Date): Promise<AddManyResult>;
  pending(): Promise<StoredRelease[]>;
  /** Releases by one account (as recorded, case-sensitive) whose time lies in [from, to]: the burst rule's window. */
  releasedBy(account: string, from: Date, to: Date): Promise<StoredRelease[]>;
  settle(recordId: string, status: Exclude<ReleaseStatus, 'pending'>, reason: string, now: Date): Promise<void>;
  /** Settles many at once (no reason): how a batch of handed-over releases is marked queued. */
  settleMany(recordIds: readonly string[], status: Exclude<ReleaseStatus, 'pending'>, now: Date): Promise<void>;
  isBlobDone(contentId: string): Promise<boolean>;
  markBlobDone(contentId: string, contentCreated: string, now: Date): Promise<void>;
  /** Forgets what can no longer come back from the feed (older than 7 days plus a margin). */
  purge(before: Date): Promise<number>;
}

/** Where detection hands its jobs; the storage queue in production. */
export interface NotificationQueue {
  /**
   * Enqueues the jobs in order. A job the queue refuses for what it is (too large, malformed) throws an
   * error coded 'queue-refused' (domain/errors.ts); any other error is the service's.
   */
  enqueue(jobs: readonly QueuedJob[]): Promise<void>;
}

export interface StoredOrigin extends MessageOrigin {
  /** When the header was read (or its read failed): a re-read of a refused header waits from here. */
  readAt: Date;
}

/**
 * The origin verdict kept with each released message, by NetworkMessageId: reading a header is
 * itself audited in the tenant, so it is read once per message, not once per run or per release.
 */
export interface MessageOriginStore {
  get(networkMessageId: string): Promise<StoredOrigin | undefined>;
  put(networkMessageId: string, origin: StoredOrigin): Promise<void>;
  /** Forgets verdicts read before `before`; returns how many. */
  purge(before: Date): Promise<number>;
}
