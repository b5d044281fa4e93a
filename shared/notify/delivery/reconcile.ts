/**
 * Phase 2, reconcile: an item whose earlier send may have gone out (its answer was lost, or its
 * process died inside the send) is looked up in the sender mailbox's Sent Items by the marker that
 * send carried: found, it is recorded as told; not found once Sent Items can be trusted, it is sent
 * again; too early, the job waits for the next look. Where Sent Items cannot be read it is sent
 * again: at-least-once, logged.
 */
import type { Observation } from '../../health/problems';
import type { Logger } from '../../log/logger';
import { decideReconcile } from '../claim';
import type { SentLookup } from '../ports';
import type { Claimed } from './claim';
import type { DeliveryRun, Held } from './types';

export interface Reconciled<T> {
  /** Every item this delivery may send now. */
  held: Held<T>[];
  /** Set when Sent Items cannot tell yet: nothing goes out, the job comes back at this instant. */
  waitUntil: Date | undefined;
}

export async function reconcile<T>(run: DeliveryRun<T>, claimed: Claimed<T>): Promise<Reconciled<T>> {
  const { deps, owner, log, outcome, mailbox } = run;
  const result: Reconciled<T> = { held: [...claimed.held], waitUntil: undefined };
  // One lookup per marker: every item of one earlier email carries the same one.
  const lookups = new Map<string, Promise<SentLookup>>();
  for (const doubt of claimed.inDoubt) {
    if (deps.sender.dryRun) {
      outcome.ownedElsewhere++;
      continue;
    }
    const marker = doubt.entry.marker as string;
    const key = doubt.item.key;
    let lookup = lookups.get(marker);
    if (!lookup) {
      lookup = deps.sender.saveToSentItems
        ? deps.mailer.findSent(mailbox, marker)
        : Promise.resolve<SentLookup>('cannotRead');
      lookups.set(marker, lookup);
    }
    const e = doubt.entry;
    const holderMayBeLive = e.status === 'sending' && !(e.jobId === owner.jobId && e.deliveryId === owner.deliveryId);
    const found = await lookup;
    await deps.health?.([sentItemsObservation(found, mailbox)]);
    const decision = decideReconcile({ lookup: found, attemptAt: e.attemptAt, now: deps.clock.now(), holderMayBeLive });
    const about = { scope: key.scope, item: key.item, marker };
    if (decision.kind === 'told') {
      await deps.ledger.markSent(key, owner, doubt.etag, 'sent-items', marker);
      outcome.told++;
      outcome.confirmedSent++;
      log.info('an earlier send of this item went out (found in Sent Items); recorded as told, not sent again', about);
    } else if (decision.kind === 'wait') {
      if (!result.waitUntil || decision.at < result.waitUntil) result.waitUntil = decision.at;
      log.info('an earlier send of this item may have gone out; Sent Items does not show it yet, looking again later', {
        ...about,
        at: decision.at.toISOString(),
      });
    } else {
      const etag = await deps.ledger.takeOver(key, owner, doubt.etag);
      if (etag === undefined) {
        outcome.ownedElsewhere++;
        continue;
      }
      if (decision.atLeastOnce) warnAtLeastOnce(deps.log, mailbox, deps.sender.saveToSentItems);
      else
        log.warn(
          'an earlier send of this item is not in Sent Items 20 minutes on: it did not go out; sending again',
          about,
        );
      result.held.push({ item: doubt.item, etag });
    }
  }
  return result;
}

function sentItemsObservation(found: SentLookup, mailbox: string): Observation {
  return found === 'cannotRead'
    ? {
        problem: 'sent-items-unreadable',
        open: true,
        reason: `The app cannot read the Sent Items of ${mailbox}: grant 'Application Mail.Read' scoped to it (infra/grant-permissions.ps1), or set NOTIFY_SAVE_TO_SENT_ITEMS=true.`,
        affected: 'a notice whose send answer was lost may arrive twice',
      }
    : { problem: 'sent-items-unreadable', open: false };
}

const atLeastOnceWarnedAt = new Map<string, number>();

/** Once an hour per mailbox: it is about the deployment, not one job (so the job's ids are not on it). */
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
