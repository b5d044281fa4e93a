/**
 * The one sending machinery: a job's items become at most one email, exactly once, whatever the
 * queue, the process or Graph does. Notices, alerts, health emails and reports all come through here,
 * as four named phases (each in delivery/):
 *
 * 1. claim: each item in the ledger. Told already, or held by another live delivery: not in this email.
 * 2. reconcile: an item whose earlier send may have gone out is looked up in Sent Items by its marker
 *    (SENT_ITEMS_SETTLE_MS): found, told; not found once Sent Items can be trusted, sent again; too
 *    early, the job is scheduled again and nothing is sent now.
 * 3. send: inside the daily cap and the mailbox's pace, record the marker on every item, then one sendMail.
 * 4. settle: Graph's answer: accepted -> told; refused -> the claims are given back; unknown -> recorded
 *    as unknown and the job scheduled again, so step 2 decides.
 * A crash between any two steps leaves rows that the next delivery reads the same way.
 */
import { SettingsError } from '../config/settings';
import { PermanentJobError } from '../jobs/delivery';
import { messageOf } from '../log/errors';
import { childLogger } from '../log/logger';
import { claimItems } from './delivery/claim';
import { defer, giveBack } from './delivery/common';
import { reconcile } from './delivery/reconcile';
import { sendWithinLimits } from './delivery/send';
import { settle } from './delivery/settle';
import {
  nothingSent,
  type Delivery,
  type DeliverDeps,
  type DeliveryOutcome,
  type DeliveryRun,
  type Held,
} from './delivery/types';

export { markerFor } from './delivery/send';
export {
  nothingSent,
  RefusedSendError,
  type DeliverDeps,
  type Delivery,
  type DeliveryItem,
  type DeliveryOutcome,
  type SendLimits,
  type SenderOptions,
} from './delivery/types';

export async function deliver<T>(delivery: Delivery<T>, deps: DeliverDeps): Promise<DeliveryOutcome> {
  if (!deps.sender.dryRun && !deps.sender.mailbox) {
    throw new SettingsError(
      'Setting NOTIFY_SENDER_MAILBOX is missing: expected the mailbox notifications are sent from, such as quarantine-notices@contoso.com.',
    );
  }
  // Compose once before claiming anything: a malformed job fails here, holding no claims, for good.
  const guarded = composingForGood(delivery);
  guarded.compose(guarded.items.map((i) => i.value));
  const run = startRun(guarded, deps);

  const claimed = await claimItems(run);
  const { held, waitUntil } = await reconcile(run, claimed);
  if (waitUntil) {
    // Nothing goes out while part of the job is undecided: the job comes back whole.
    await giveBack(deps.ledger, held);
    return defer(run, waitUntil, 'waiting for Sent Items');
  }
  if (held.length === 0) {
    run.log.info('nothing left to send');
    return run.outcome;
  }
  if (deps.sender.dryRun) return recordDryRun(run, held);

  const attempt = await sendWithinLimits(run, held);
  if ('done' in attempt) return attempt.done;
  return settle(run, attempt);
}

/**
 * The delivery whose compose failing is permanent: an email that cannot be composed from this job
 * cannot be composed on a retry either, so the job goes to the poison queue with the reason at once.
 */
function composingForGood<T>(delivery: Delivery<T>): Delivery<T> {
  return {
    ...delivery,
    compose: (items) => {
      try {
        return delivery.compose(items);
      } catch (error) {
        // A setting is the deployment's fault, not the job's: fixed, the same job composes.
        if (error instanceof PermanentJobError || error instanceof SettingsError) throw error;
        throw new PermanentJobError(`the ${delivery.kind} email could not be composed: ${messageOf(error)}`, {
          cause: error,
        });
      }
    },
  };
}

function startRun<T>(delivery: Delivery<T>, deps: DeliverDeps): DeliveryRun<T> {
  return {
    delivery,
    deps,
    owner: { jobId: delivery.jobId, deliveryId: delivery.deliveryId },
    mailbox: deps.sender.mailbox ?? '',
    log: childLogger(deps.log, { jobId: delivery.jobId, kind: delivery.kind }),
    outcome: nothingSent(delivery.jobId, { dryRun: deps.sender.dryRun }),
  };
}

/** A dry run records the items as told (DryRun) and sends nothing. */
async function recordDryRun<T>(run: DeliveryRun<T>, held: Held<T>[]): Promise<DeliveryOutcome> {
  const values = held.map((h) => h.item.value);
  const email = run.delivery.compose(values);
  // The subject is outside text (a sender wrote it): kept out of logs like every other line does.
  run.log.info(`dry run: would send to ${email.to}; recorded as told (DryRun)`, {
    ...run.delivery.describe(values),
    from: run.deps.sender.mailbox ?? null,
  });
  for (const h of held) await run.deps.ledger.markSent(h.item.key, run.owner, h.etag, 'dry-run');
  run.outcome.told += held.length;
  return run.outcome;
}

export { recipientsOf } from './delivery/send';
