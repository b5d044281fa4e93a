/** What the sending use case needs from the outside world; adapters in graph/, store/ and queue/ implement it. */
import type { ComposedEmail } from '../email/compose';

/**
 * What Graph's answer to a send means. Graph has no idempotency key, so the class decides what may
 * happen next: accepted is out; refused was not taken; unknown may have gone out and must be looked
 * up in Sent Items before anything is sent again.
 */
export type SendAnswer =
  | { outcome: 'accepted' }
  | { outcome: 'refused'; status: number; reason: string; retryAfterMs: number | undefined }
  | { outcome: 'unknown'; reason: string };

/** The result of looking a delivery's marker up in the sender mailbox's Sent Items. */
export type SentLookup = 'found' | 'notFound' | 'cannotRead';

/** Sends one composed email from a mailbox, tagged with a marker it can be found by again. */
export interface Mailer {
  send(
    fromMailbox: string,
    email: ComposedEmail,
    options: { saveToSentItems: boolean; marker: string },
  ): Promise<SendAnswer>;
  /** Whether an email carrying `marker` is in the mailbox's Sent Items. Throws when the lookup itself failed. */
  findSent(fromMailbox: string, marker: string): Promise<SentLookup>;
}

/**
 * Which notification a ledger row is about. For a notice: the message (scope) and the mailbox it was
 * released to (item); other kinds of email use their own scopes (an alert rule, a health problem).
 */
export interface LedgerKey {
  scope: string;
  item: string;
}

/**
 * Who holds a claim: the job, and the delivery of it (the queue message id). A retry of the same
 * queue message is the same delivery and finds its claim again; a duplicate message carrying the
 * same job is another delivery, so two copies in flight at once cannot both send.
 */
export interface ClaimOwner {
  jobId: string;
  deliveryId: string;
}

export type LedgerStatus =
  /** Held by a delivery; nothing sent yet. */
  | 'claimed'
  /** A send was started under `marker`: it may have gone out. */
  | 'sending'
  /** The send's answer was lost or was a 5xx: it may have gone out. */
  | 'unknown'
  | 'sent'
  /** Not a status this version writes: treated as free to take over. */
  | 'invalid';

/** A ledger row as the claim decision sees it. */
export interface LedgerEntry {
  status: LedgerStatus;
  jobId: string;
  deliveryId: string;
  claimedAt: Date | undefined;
  /** When the send under `marker` was started (sending / unknown). */
  attemptAt: Date | undefined;
  marker: string | undefined;
  sentAt: Date | undefined;
  /** Recorded by a dry run: nobody was mailed, but a later real run must not mail it either. */
  dryRun: boolean;
}

/** How a row came to be `sent`, for an admin reading the ledger. */
export type ToldBy = 'accepted' | 'sent-items' | 'at-least-once' | 'dry-run';

export type ClaimResult =
  /** Ours to send: a fresh claim, our own earlier claim (a retry), or a stale one taken over. */
  | { kind: 'claimed'; etag: string; takenOverFrom: LedgerEntry | undefined }
  | { kind: 'alreadyTold'; entry: LedgerEntry }
  | { kind: 'ownedElsewhere'; entry: LedgerEntry }
  /** A send may already have gone out under `entry.marker`: look in Sent Items first. */
  | { kind: 'inDoubt'; etag: string; entry: LedgerEntry };

/** One row per notification item saying whether it has been told. Every write is conditional on the ETag it was given. */
export interface NotificationLedger {
  claim(key: LedgerKey, owner: ClaimOwner): Promise<ClaimResult>;
  /** Takes an in-doubt row over once Sent Items showed the earlier send did not go out. */
  takeOver(key: LedgerKey, owner: ClaimOwner, etag: string): Promise<string | undefined>;
  /** Records that a send under `marker` starts now; returns the new ETag, or undefined if the row moved on. */
  markSending(key: LedgerKey, owner: ClaimOwner, etag: string, marker: string): Promise<string | undefined>;
  /** Records that the send's answer was lost; `attemptAt` is when it started (Sent Items is judged from then). */
  markUnknown(
    key: LedgerKey,
    owner: ClaimOwner,
    etag: string,
    marker: string,
    attemptAt: Date,
  ): Promise<string | undefined>;
  markSent(key: LedgerKey, owner: ClaimOwner, etag: string, by: ToldBy, marker?: string): Promise<void>;
  /** Gives a claim up (nothing was sent), so a later delivery can claim it; false if the row moved on. */
  release(key: LedgerKey, etag: string): Promise<boolean>;
}

/** Sends a job again later: how a delivery waits minutes (for Sent Items, or the daily cap) without holding a worker. */
export interface JobScheduler {
  later(jobText: string, delayMs: number): Promise<void>;
}

/** The mailbox's daily budget (NOTIFY_MAX_PER_DAY), shared by every instance. */
export interface DailyCap {
  /** Takes one email's recipients from today's budget; answers when the next day starts if they do not fit. */
  take(mailbox: string, recipients: number, now: Date): Promise<{ ok: true } | { ok: false; retryAt: Date }>;
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
