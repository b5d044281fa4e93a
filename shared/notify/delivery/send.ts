/**
 * Phase 3, send: the daily cap, then the mailbox's pace; inside the pace slot the marker is recorded
 * on every item, right before the one sendMail that carries it.
 */
import { createHash } from 'node:crypto';
import type { ComposedEmail } from '../../email/compose';
import type { LedgerKey, SendAnswer } from '../ports';
import { PaceTimeoutError } from '../pacing';
import { defer, giveBack } from './common';
import type { DeliveryOutcome, DeliveryRun, Held } from './types';

/** What went to Graph: the items marked sending, the email, Graph's answer, and when it was tried. */
export interface Attempt<T> {
  sending: Held<T>[];
  email: ComposedEmail;
  answer: SendAnswer;
  marker: string;
  attemptAt: Date;
}

/** The marker a send carries: the same items always give the same marker. */
export function markerFor(keys: readonly LedgerKey[]): string {
  const text = keys
    .map((k) => `${k.scope.toLowerCase()}|${k.item.toLowerCase()}`)
    .sort()
    .join('\n');
  return `qrn-${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
}

/** The attempt, or the outcome when nothing was sent (the daily cap deferred the job, or nothing was left to mark). */
export async function sendWithinLimits<T>(
  run: DeliveryRun<T>,
  held: Held<T>[],
): Promise<Attempt<T> | { done: DeliveryOutcome }> {
  const { deps, mailbox } = run;
  const capped = await underDailyCap(run, held);
  if (capped) return { done: capped };
  const marker = markerFor(held.map((h) => h.item.key));
  let attemptAt = deps.clock.now();
  const attempt = await paced(run, held, async () => {
    attemptAt = deps.clock.now();
    const sending = await markSending(run, held, marker);
    if (sending.length === 0) return undefined;
    let email: ComposedEmail;
    try {
      email = run.delivery.compose(sending.map((h) => h.item.value));
      const answer = await deps.mailer.send(mailbox, email, { saveToSentItems: deps.sender.saveToSentItems, marker });
      return { sending, email, answer };
    } catch (error) {
      // Compose and the mailer throw only when nothing went out (no token, an email it will not build): give the items back.
      await giveBack(deps.ledger, sending);
      throw error;
    }
  });
  if (attempt === 'deferred') return { done: run.outcome };
  return attempt ? { ...attempt, marker, attemptAt } : { done: run.outcome };
}

/** A job sent back for a pace slot is never hidden for less than this. */
const PACE_MIN_DEFER_MS = 1_000;

/**
 * The send inside the mailbox's pace. A slot too far off for this invocation to wait: the items go
 * back and the job waits in the queue until about then, freeing the host's slot for other mailboxes.
 */
async function paced<T, R>(run: DeliveryRun<T>, held: Held<T>[], send: () => Promise<R>): Promise<R | 'deferred'> {
  const { deps, mailbox } = run;
  try {
    return await deps.limits.pacing.run(mailbox, send);
  } catch (error) {
    if (!(error instanceof PaceTimeoutError)) throw error;
    await giveBack(deps.ledger, held);
    const at = new Date(deps.clock.now().getTime() + error.retryInMs);
    // A pace slot is seconds away, not the queue's usual retry delay: the job comes back about then.
    await defer(run, at, `the mailbox's pace (NOTIFY_MAX_PER_MINUTE) has no slot within this run`, PACE_MIN_DEFER_MS);
    return 'deferred';
  }
}

/** Recipients one email counts against the mailbox's daily limit (To, and the further To of reports and alerts). */
export function recipientsOf(email: { to: string; moreTo?: readonly string[] }): number {
  return 1 + (email.moreTo?.length ?? 0);
}

/**
 * undefined when the cap allows this email's recipients; else the job is deferred to the next UTC day.
 * Exchange counts recipients, not emails: an alert to 50 ALERT_RECIPIENTS takes 50.
 */
async function underDailyCap<T>(run: DeliveryRun<T>, held: Held<T>[]): Promise<DeliveryOutcome | undefined> {
  const { deps, mailbox } = run;
  if (!deps.limits.dailyCap) return undefined;
  const recipients = recipientsOf(run.delivery.compose(held.map((h) => h.item.value)));
  const budget = await deps.limits.dailyCap.take(mailbox, recipients, deps.clock.now());
  if (budget.ok) return undefined;
  await deps.health?.([
    {
      problem: 'daily-cap-reached',
      open: true,
      reason: `NOTIFY_MAX_PER_DAY (recipients a day) is reached for ${mailbox}: mail is held back and sent from the next UTC day. Raise the setting if this is expected volume (Exchange blocks a mailbox past 10,000 recipients a day).`,
      affected: 'notices and alerts wait for the next day',
    },
  ]);
  await giveBack(deps.ledger, held);
  return defer(run, budget.retryAt, 'the daily cap (NOTIFY_MAX_PER_DAY) is reached');
}

async function markSending<T>(run: DeliveryRun<T>, held: Held<T>[], marker: string): Promise<Held<T>[]> {
  const sending: Held<T>[] = [];
  for (const h of held) {
    const etag = await run.deps.ledger.markSending(h.item.key, run.owner, h.etag, marker);
    if (etag === undefined) run.outcome.ownedElsewhere++;
    else sending.push({ item: h.item, etag });
  }
  return sending;
}
