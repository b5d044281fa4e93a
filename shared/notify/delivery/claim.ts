/** Phase 1, claims: told already, or held by another live delivery, an item is not in this email. */
import type { LedgerEntry } from '../ports';
import { iso } from './common';
import type { DeliveryItem, DeliveryRun, Held } from './types';

export interface Claimed<T> {
  held: Held<T>[];
  /** Items an earlier send may have told: Sent Items decides (reconcile.ts). */
  inDoubt: Array<Held<T> & { entry: LedgerEntry }>;
}

export async function claimItems<T>(run: DeliveryRun<T>): Promise<Claimed<T>> {
  const { deps, owner, log, outcome } = run;
  const claimed: Claimed<T> = { held: [], inDoubt: [] };
  for (const item of unique(run.delivery.items)) {
    const result = await deps.ledger.claim(item.key, owner);
    const about = { scope: item.key.scope, item: item.key.item };
    if (result.kind === 'claimed') {
      if (result.takenOverFrom)
        log.warn(`took over a stale claim of job ${result.takenOverFrom.jobId}`, {
          ...about,
          staleJobId: result.takenOverFrom.jobId,
          claimedAt: iso(result.takenOverFrom.claimedAt),
        });
      claimed.held.push({ item, etag: result.etag });
    } else if (result.kind === 'inDoubt') {
      claimed.inDoubt.push({ item, etag: result.etag, entry: result.entry });
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
  return claimed;
}

function unique<T>(items: ReadonlyArray<DeliveryItem<T>>): Array<DeliveryItem<T>> {
  const byKey = new Map<string, DeliveryItem<T>>();
  for (const item of items) {
    const id = `${item.key.scope.toLowerCase()}|${item.key.item.toLowerCase()}`;
    if (!byKey.has(id)) byKey.set(id, item);
  }
  return [...byKey.values()];
}
