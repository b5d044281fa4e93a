/**
 * Phase 4, settle: what Graph's answer means. Accepted (any 2xx): told. Unknown (no answer, 5xx):
 * recorded as unknown and the job scheduled again, so reconcile decides by Sent Items. Refused: the
 * claims are given back (429, 408: the queue retries; anything else: the poison queue, with the reason).
 */
import { RetryableError } from '../../http/retry';
import { defer, giveBack } from './common';
import type { Attempt } from './send';
import { RefusedSendError, type DeliveryOutcome, type DeliveryRun } from './types';

/** How long after an unknown answer Sent Items is first looked at. */
const UNKNOWN_LOOK_AGAIN_MS = 2 * 60_000;

export async function settle<T>(run: DeliveryRun<T>, attempt: Attempt<T>): Promise<DeliveryOutcome> {
  const { deps, owner, outcome } = run;
  const { sending, email, answer, marker, attemptAt } = attempt;
  const sentFields = { ...run.delivery.describe(sending.map((h) => h.item.value)), marker, to: email.to };
  if (answer.outcome === 'accepted') {
    outcome.sent = true;
    await deps.health?.([{ problem: 'daily-cap-reached', open: false }]);
    outcome.told += sending.length;
    run.log.info('sent', sentFields);
    for (const h of sending) {
      try {
        await deps.ledger.markSent(h.item.key, owner, h.etag, 'accepted', marker);
      } catch (error) {
        // Not rethrown: the email is out. The row stays `sending`; the next delivery finds the email in Sent Items.
        run.log.error(`sent, but recording the item as told failed: ${(error as Error).message}`, {
          scope: h.item.key.scope,
          item: h.item.key.item,
        });
      }
    }
    return outcome;
  }
  if (answer.outcome === 'unknown') {
    outcome.unknownOutcome = true;
    run.log.warn(
      `Graph's answer to the send is unknown (${answer.reason}); the email may have gone out. Sent Items decides before any resend.`,
      sentFields,
    );
    for (const h of sending) await deps.ledger.markUnknown(h.item.key, owner, h.etag, marker, attemptAt);
    return defer(run, new Date(attemptAt.getTime() + UNKNOWN_LOOK_AGAIN_MS), 'the send outcome is unknown');
  }
  // Refused: nothing went out; the items are free again.
  await giveBack(deps.ledger, sending);
  if (answer.status === 429 || answer.status === 408) throw new RetryableError(answer.reason, answer.retryAfterMs);
  throw new RefusedSendError(answer.reason, answer.status);
}
