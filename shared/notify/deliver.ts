/**
 * The one sending machinery: a job's items become at most one email, exactly once, whatever the
 * queue, the process or Graph does. Notices, alerts, health emails and reports all come through here.
 *
 * 1. Claim each item in the ledger. Told already, or held by another live delivery: not in this email.
 * 2. An item whose earlier send may have gone out (its answer was lost, or its process died inside the
 *    send) is looked up in the sender mailbox's Sent Items by the marker that send carried: found, it
 *    is recorded as told; not found once Sent Items can be trusted (SENT_ITEMS_SETTLE_MS), it is sent
 *    again; too early, the job is scheduled again for the next look and nothing is sent now.
 *    Where Sent Items cannot be read (no Mail.Read, or NOTIFY_SAVE_TO_SENT_ITEMS=false) it is sent
 *    again: at-least-once, logged.
 * 3. Inside the mailbox's pace: record the marker on every item, then one sendMail carrying it.
 * 4. Graph's answer: accepted (any 2xx) -> told; refused -> the claims are given back (429: the queue
 *    retries; anything else: the poison queue, with the reason); unknown (no answer, 5xx) -> recorded
 *    as unknown and the job scheduled again, so step 2 decides.
 * A crash between any two steps leaves rows that the next delivery reads the same way.
 */
import { createHash } from 'node:crypto';
import { SettingsError } from '../config/settings';
import type { ComposedEmail } from '../email/compose';
import { PermanentJobError } from '../jobs/delivery';
import { RetryableError } from '../http/retry';
import type { LogFields, Logger } from '../log/logger';
import type { Observation } from '../health/problems';
import { decideReconcile } from './claim';
import type {
  ClaimOwner,
  DailyCap,
  JobScheduler,
  LedgerEntry,
  LedgerKey,
  Mailer,
  NotificationLedger,
  SendPacer,
  SentLookup,
} from './ports';

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

export interface DeliverDeps {
  ledger: NotificationLedger;
  mailer: Mailer;
  pacing: SendPacer;
  scheduler: JobScheduler;
  dailyCap: DailyCap | undefined;
  /** NOTIFY_SENDER_MAILBOX; only a dry run may go without it. */
  senderMailbox: string | undefined;
  saveToSentItems: boolean;
  dryRun: boolean;
  log: Logger;
  now?: () => Date;
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

/** A job is never scheduled sooner than this: the queue's own retry delay. */
const MIN_DEFER_MS = 30_000;

/** The marker a send carries: the same items always give the same marker. */
export function markerFor(keys: readonly LedgerKey[]): string {
  const text = keys
    .map((k) => `${k.scope.toLowerCase()}|${k.item.toLowerCase()}`)
    .sort()
    .join('\n');
  return `qrn-${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
}

const atLeastOnceWarnedAt = new Map<string, number>();

export async function deliver<T>(delivery: Delivery<T>, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const { ledger, log } = deps;
  const now = deps.now ?? (() => new Date());
  const owner: ClaimOwner = { jobId: delivery.jobId, deliveryId: delivery.deliveryId };
  const ids = { jobId: delivery.jobId, kind: delivery.kind };
  if (!deps.dryRun && !deps.senderMailbox) {
    throw new SettingsError(
      'Setting NOTIFY_SENDER_MAILBOX is missing: expected the mailbox notifications are sent from, such as quarantine-notices@contoso.com.',
    );
  }
  // Compose once before claiming anything: a malformed job fails here, holding no claims.
  delivery.compose(delivery.items.map((i) => i.value));
  const outcome: DeliveryOutcome = {
    jobId: delivery.jobId,
    sent: false,
    told: 0,
    confirmedSent: 0,
    alreadyTold: 0,
    ownedElsewhere: 0,
    deferredUntil: undefined,
    unknownOutcome: false,
    dryRun: deps.dryRun,
  };

  // 1. Claims.
  type Held = { item: DeliveryItem<T>; etag: string };
  const held: Held[] = [];
  const inDoubt: Array<Held & { entry: LedgerEntry }> = [];
  for (const item of unique(delivery.items)) {
    const result = await ledger.claim(item.key, owner);
    const about = { ...ids, scope: item.key.scope, item: item.key.item };
    if (result.kind === 'claimed') {
      if (result.takenOverFrom)
        log.warn(`took over a stale claim of job ${result.takenOverFrom.jobId}`, {
          ...about,
          staleJobId: result.takenOverFrom.jobId,
          claimedAt: iso(result.takenOverFrom.claimedAt),
        });
      held.push({ item, etag: result.etag });
    } else if (result.kind === 'inDoubt') {
      inDoubt.push({ item, etag: result.etag, entry: result.entry });
    } else if (result.kind === 'alreadyTold') {
      outcome.alreadyTold++;
      log.info(`already told${result.entry.dryRun ? ' by a dry run' : ''}; not in this email`, {
        ...about,
        toldByJobId: result.entry.jobId,
        sentAt: iso(result.entry.sentAt),
      });
    } else {
      outcome.ownedElsewhere++;
      log.info(`claimed by job ${result.entry.jobId}, still live; not in this email`, {
        ...about,
        holderJobId: result.entry.jobId,
        holderDeliveryId: result.entry.deliveryId,
      });
    }
  }

  // 2. Items an earlier send may have told: Sent Items decides, one lookup per marker.
  let waitUntil: Date | undefined;
  const mailbox = deps.senderMailbox ?? '';
  const lookups = new Map<string, Promise<SentLookup>>();
  for (const doubt of inDoubt) {
    const marker = doubt.entry.marker as string;
    const key = doubt.item.key;
    if (deps.dryRun) {
      outcome.ownedElsewhere++;
      continue;
    }
    let lookup = lookups.get(marker);
    if (!lookup) {
      lookup = deps.saveToSentItems ? deps.mailer.findSent(mailbox, marker) : Promise.resolve<SentLookup>('cannotRead');
      lookups.set(marker, lookup);
    }
    const e = doubt.entry;
    const holderMayBeLive = e.status === 'sending' && !(e.jobId === owner.jobId && e.deliveryId === owner.deliveryId);
    const found = await lookup;
    await deps.health?.([
      found === 'cannotRead'
        ? {
            problem: 'sent-items-unreadable',
            open: true,
            reason: `The app cannot read the Sent Items of ${mailbox}: grant 'Application Mail.Read' scoped to it (infra/grant-permissions.ps1), or set NOTIFY_SAVE_TO_SENT_ITEMS=true.`,
            affected: 'a notice whose send answer was lost may arrive twice',
          }
        : { problem: 'sent-items-unreadable', open: false },
    ]);
    const decision = decideReconcile(found, e.attemptAt, now(), holderMayBeLive);
    const about = { ...ids, scope: key.scope, item: key.item, marker };
    if (decision.kind === 'told') {
      await ledger.markSent(key, owner, doubt.etag, 'sent-items', marker);
      outcome.told++;
      outcome.confirmedSent++;
      log.info('an earlier send of this item went out (found in Sent Items); recorded as told, not sent again', about);
    } else if (decision.kind === 'wait') {
      if (!waitUntil || decision.at < waitUntil) waitUntil = decision.at;
      log.info('an earlier send of this item may have gone out; Sent Items does not show it yet, looking again later', {
        ...about,
        at: decision.at.toISOString(),
      });
    } else {
      const etag = await ledger.takeOver(key, owner, doubt.etag);
      if (etag === undefined) {
        outcome.ownedElsewhere++;
        continue;
      }
      if (decision.atLeastOnce) warnAtLeastOnce(log, mailbox, deps.saveToSentItems);
      else
        log.warn(
          'an earlier send of this item is not in Sent Items 20 minutes on: it did not go out; sending again',
          about,
        );
      held.push({ item: doubt.item, etag });
    }
  }

  if (waitUntil) {
    // Nothing goes out while part of the job is undecided: the job comes back whole.
    await giveBack(ledger, held);
    return defer(delivery, deps, outcome, waitUntil, now(), 'waiting for Sent Items');
  }
  if (held.length === 0) {
    log.info('nothing left to send', ids);
    return outcome;
  }

  if (deps.dryRun) {
    const email = delivery.compose(held.map((h) => h.item.value));
    // The subject is outside text (a sender wrote it): kept out of logs like every other line does.
    log.info(`dry run: would send to ${email.to}; recorded as told (DryRun)`, {
      ...ids,
      ...delivery.describe(held.map((h) => h.item.value)),
      from: deps.senderMailbox ?? null,
    });
    for (const h of held) await ledger.markSent(h.item.key, owner, h.etag, 'dry-run');
    outcome.told += held.length;
    return outcome;
  }

  // 3. The daily cap, then the pace; the marker is recorded inside the pace slot, right before the call.
  if (deps.dailyCap) {
    // Exchange counts recipients, not emails: an alert to 50 ALERT_RECIPIENTS takes 50.
    const budget = await deps.dailyCap.take(
      mailbox,
      recipientsOf(delivery.compose(held.map((h) => h.item.value))),
      now(),
    );
    if (!budget.ok) {
      await deps.health?.([
        {
          problem: 'daily-cap-reached',
          open: true,
          reason: `NOTIFY_MAX_PER_DAY (recipients a day) is reached for ${mailbox}: mail is held back and sent from the next UTC day. Exchange blocks a mailbox past 10,000 recipients a day.`,
          affected: 'notices and alerts wait for the next day',
        },
      ]);
      await giveBack(ledger, held);
      return defer(delivery, deps, outcome, budget.retryAt, now(), 'the daily cap (NOTIFY_MAX_PER_DAY) is reached');
    }
  }
  const marker = markerFor(held.map((h) => h.item.key));
  let attemptAt = now();
  const attempt = await deps.pacing.run(mailbox, async () => {
    attemptAt = now();
    const sending: Held[] = [];
    for (const h of held) {
      const etag = await ledger.markSending(h.item.key, owner, h.etag, marker);
      if (etag === undefined) outcome.ownedElsewhere++;
      else sending.push({ item: h.item, etag });
    }
    if (sending.length === 0) return undefined;
    const email = delivery.compose(sending.map((h) => h.item.value));
    try {
      return {
        sending,
        email,
        answer: await deps.mailer.send(mailbox, email, { saveToSentItems: deps.saveToSentItems, marker }),
      };
    } catch (error) {
      // The mailer throws only when nothing went out (no token, an email it will not build): give the items back.
      await giveBack(ledger, sending);
      throw error;
    }
  });
  if (!attempt) return outcome;
  const { sending, email, answer } = attempt;
  const sentIds = { ...ids, ...delivery.describe(sending.map((h) => h.item.value)), marker, to: email.to };

  // 4. What Graph's answer means.
  if (answer.outcome === 'accepted') {
    outcome.sent = true;
    await deps.health?.([{ problem: 'daily-cap-reached', open: false }]);
    outcome.told += sending.length;
    log.info('sent', sentIds);
    for (const h of sending) {
      try {
        await ledger.markSent(h.item.key, owner, h.etag, 'accepted', marker);
      } catch (error) {
        // Not rethrown: the email is out. The row stays `sending`; the next delivery finds the email in Sent Items.
        log.error(`sent, but recording the item as told failed: ${(error as Error).message}`, {
          ...ids,
          scope: h.item.key.scope,
          item: h.item.key.item,
        });
      }
    }
    return outcome;
  }
  if (answer.outcome === 'unknown') {
    outcome.unknownOutcome = true;
    log.warn(
      `Graph's answer to the send is unknown (${answer.reason}); the email may have gone out. Sent Items decides before any resend.`,
      sentIds,
    );
    for (const h of sending) await ledger.markUnknown(h.item.key, owner, h.etag, marker, attemptAt);
    return defer(
      delivery,
      deps,
      outcome,
      new Date(attemptAt.getTime() + 2 * 60_000),
      now(),
      'the send outcome is unknown',
    );
  }
  // Refused: nothing went out; the items are free again.
  await giveBack(ledger, sending);
  if (answer.status === 429 || answer.status === 408) throw new RetryableError(answer.reason, answer.retryAfterMs);
  throw new RefusedSendError(answer.reason, answer.status);
}

async function giveBack<T>(
  ledger: NotificationLedger,
  held: ReadonlyArray<{ item: DeliveryItem<T>; etag: string }>,
): Promise<void> {
  for (const h of held) await ledger.release(h.item.key, h.etag);
}

async function defer<T>(
  delivery: Delivery<T>,
  deps: DeliverDeps,
  outcome: DeliveryOutcome,
  at: Date,
  now: Date,
  why: string,
): Promise<DeliveryOutcome> {
  const delayMs = Math.max(MIN_DEFER_MS, at.getTime() - now.getTime());
  await deps.scheduler.later(delivery.jobText, delayMs);
  outcome.deferredUntil = new Date(now.getTime() + delayMs).toISOString();
  deps.log.info(`scheduled again: ${why}`, { jobId: delivery.jobId, kind: delivery.kind, at: outcome.deferredUntil });
  return outcome;
}

function warnAtLeastOnce(log: Logger, mailbox: string, saveToSentItems: boolean): void {
  const last = atLeastOnceWarnedAt.get(mailbox) ?? 0;
  if (Date.now() - last < 3_600_000) return;
  atLeastOnceWarnedAt.set(mailbox, Date.now());
  const why = saveToSentItems
    ? `the app cannot read the Sent Items of ${mailbox} (grant 'Application Mail.Read' scoped to it: infra/grant-permissions.ps1)`
    : 'NOTIFY_SAVE_TO_SENT_ITEMS is false';
  log.warn(
    `a send whose answer was lost is sent again without checking Sent Items, because ${why}: this email may arrive twice (at-least-once).`,
    { mailbox },
  );
}

function unique<T>(items: ReadonlyArray<DeliveryItem<T>>): Array<DeliveryItem<T>> {
  const byKey = new Map<string, DeliveryItem<T>>();
  for (const item of items) {
    const id = `${item.key.scope.toLowerCase()}|${item.key.item.toLowerCase()}`;
    if (!byKey.has(id)) byKey.set(id, item);
  }
  return [...byKey.values()];
}

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** Recipients one email counts against the mailbox's daily limit (To, and the further To of reports and alerts). */
export function recipientsOf(email: { to: string; moreTo?: readonly string[] }): number {
  return 1 + (email.moreTo?.length ?? 0);
}
