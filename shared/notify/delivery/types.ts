import type { Clock } from '../../domain/clock';
import type { ComposedEmail } from '../../email/compose';
import type { Observation } from '../../health/problems';
import { PermanentJobError } from '../../jobs/delivery';
import type { LogFields, Logger } from '../../log/logger';
import type { ClaimOwner, DailyCap, JobScheduler, LedgerKey, Mailer, NotificationLedger, SendPacer } from '../ports';

export interface DeliveryItem<T> {
  key: LedgerKey;
  value: T;
}

export interface Delivery<T> {
  /** What kind of email, for logs: notice, alert, health, report. */
  kind: string;
  jobId: string;
  /** The queue message id, so the queue's retries of a message find their own claims. */
  deliveryId: string;
  /** The job as queue text, to schedule it again. */
  jobText: string;
  items: ReadonlyArray<DeliveryItem<T>>;
  /** The email about the items this delivery holds. Throws MalformedJobError for a malformed job. */
  compose(items: readonly T[]): ComposedEmail;
  /** Ids for the log lines about these items (never their content). */
  describe(items: readonly T[]): LogFields;
}

/** Who sends, and how (NOTIFY_SENDER_MAILBOX, NOTIFY_SAVE_TO_SENT_ITEMS, NOTIFY_DRY_RUN). */
export interface SenderOptions {
  /** Only a dry run may go without it. */
  mailbox: string | undefined;
  saveToSentItems: boolean;
  dryRun: boolean;
}

/** How fast and how much one mailbox may send. */
export interface SendLimits {
  pacing: SendPacer;
  /** NOTIFY_MAX_PER_DAY; undefined: no daily cap. */
  dailyCap: DailyCap | undefined;
}

export interface DeliverDeps {
  ledger: NotificationLedger;
  mailer: Mailer;
  limits: SendLimits;
  scheduler: JobScheduler;
  sender: SenderOptions;
  log: Logger;
  clock: Clock;
  /** What this delivery learned about the product's health (Sent Items readable, the daily cap). */
  health?: (observations: readonly Observation[]) => Promise<void>;
}

export interface DeliveryOutcome {
  jobId: string;
  /** An email went to Graph and Graph accepted it (never in a dry run). */
  sent: boolean;
  /** Items this delivery recorded as told: by its own email, by a dry run, or found in Sent Items. */
  told: number;
  /** Of those, items an earlier send had told, confirmed in Sent Items. */
  confirmedSent: number;
  alreadyTold: number;
  ownedElsewhere: number;
  /** The job was scheduled again for this instant (Sent Items not yet conclusive, an unknown answer, the daily cap). */
  deferredUntil: string | undefined;
  /** Graph's answer was lost or a 5xx: the email may have gone out. */
  unknownOutcome: boolean;
  dryRun: boolean;
}

/** The outcome of a delivery that sent and told nothing (yet): what every delivery starts from. */
export function nothingSent(jobId: string, more: Partial<Omit<DeliveryOutcome, 'jobId'>> = {}): DeliveryOutcome {
  return {
    jobId,
    sent: false,
    told: 0,
    confirmedSent: 0,
    alreadyTold: 0,
    ownedElsewhere: 0,
    deferredUntil: undefined,
    unknownOutcome: false,
    dryRun: false,
    ...more,
  };
}

/** Graph refused the email for a reason no retry fixes by itself (400, 401, 403, 404, 413). */
export class RefusedSendError extends PermanentJobError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RefusedSendError';
  }
}

/** An item this delivery holds a claim on, by the ETag of its ledger row. */
export interface Held<T> {
  item: DeliveryItem<T>;
  etag: string;
}

/** One delivery in progress: what every phase reads, and the outcome they fill in. */
export interface DeliveryRun<T> {
  delivery: Delivery<T>;
  deps: DeliverDeps;
  owner: ClaimOwner;
  /** The sender mailbox ('' in a dry run without one). */
  mailbox: string;
  /** Carries the job's ids (jobId, kind) on every line. */
  log: Logger;
  outcome: DeliveryOutcome;
}
