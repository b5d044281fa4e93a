/** What the sending use case needs from the outside world; adapters in graph/, store/ and queue/ implement it. */
import type { ComposedEmail } from '../email/compose';
import type { ReleasedMessageFacts } from '../domain/types';

/** Sends one composed email from a mailbox. */
export interface Mailer {
  send(fromMailbox: string, email: ComposedEmail, saveToSentItems: boolean): Promise<void>;
}

/** Which release a ledger row is about: the pair ledgerKey() (jobs/notificationJob.ts) is built from. */
export type LedgerKey = Pick<ReleasedMessageFacts, 'networkMessageId' | 'releasedTo'>;

/**
 * Who holds a claim: the job, and the delivery of it (the queue message id). A retry of the same
 * queue message is the same delivery and finds its claim again; a duplicate message carrying the
 * same job is another delivery, so two copies in flight at once cannot both send.
 */
export interface ClaimOwner {
  jobId: string;
  deliveryId: string;
}

/** A ledger row as the claim decision sees it. */
export interface LedgerEntry {
  status: 'claimed' | 'sent' | 'unknown';
  jobId: string;
  deliveryId: string;
  claimedAt: Date | undefined;
  sentAt: Date | undefined;
  /** Recorded by a dry run: nobody was mailed, but a later real run must not mail it either. */
  dryRun: boolean;
}

export type ClaimResult =
  /** Ours to send: a fresh claim, our own earlier claim (a retry), or a stale one taken over. */
  | { kind: 'claimed'; etag: string; takenOverFrom: LedgerEntry | undefined }
  | { kind: 'alreadyTold'; entry: LedgerEntry }
  | { kind: 'ownedElsewhere'; entry: LedgerEntry };

/** One row per released message copy saying whether its sender has been told. */
export interface NotificationLedger {
  claim(key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult>;
  /** Records the release as told. `etag` is the one claim() returned. */
  markSent(key: LedgerKey, owner: ClaimOwner, etag: string, options?: { dryRun?: boolean }): Promise<void>;
}

/** Runs one send when the mailbox's pace allows it. */
export interface SendPacer {
  run<T>(mailbox: string, send: () => Promise<T>): Promise<T>;
}

/** A mailbox's schedule: the earliest instant the next send may go, ms since the epoch. */
export interface PaceState {
  nextFreeAt: number;
}

/** Where the schedule lives; write is optimistic and answers false when another writer got there first. */
export interface PaceStore {
  read(mailbox: string): Promise<{ state: PaceState | undefined; etag: string | undefined }>;
  write(mailbox: string, state: PaceState, etag: string | undefined): Promise<boolean>;
}

export interface QueuedJobMessage {
  id: string;
  popReceipt: string;
  dequeueCount: number;
  /** The decoded body. */
  text: string;
}

/** The job queue as the command-line drain sees it. */
export interface JobMessageQueue {
  /** One message, hidden for `visibilitySeconds` while it is worked on; undefined when none is visible. */
  receive(visibilitySeconds: number): Promise<QueuedJobMessage | undefined>;
  delete(message: QueuedJobMessage): Promise<void>;
  /** Leaves the message in the queue, visible again after `visibilitySeconds`. */
  retryLater(message: QueuedJobMessage, visibilitySeconds: number): Promise<void>;
  moveToPoison(message: QueuedJobMessage): Promise<void>;
}

/** Where given-up messages go, as queue text. */
export interface PoisonQueue {
  add(text: string): Promise<void>;
}
