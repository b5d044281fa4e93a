import type { Clock } from '../domain/clock';
import type { QuarantinedMessage, ReleasedMessageFacts } from '../domain/types';
import { ledgerKey } from '../jobs/notificationJob';
import { messageOf } from '../log/errors';
import type { Logger } from '../log/logger';
import { classifyQuarantineRecord, ownIdentitySet, type QuarantineActivity } from './activity';
import type { ActivityStore, CountOutcome, QuarantineArrival, ToldNotice, ToldSource } from './ports';

/**
 * How the activity report is fed: detection hands every audit blob's records to a record reader,
 * the snapshot every stored page of quarantine rows to an arrival counter. Both count through the
 * store, which counts each record Id and each (NetworkMessageId, copy) once, so blobs read twice,
 * overlapping snapshot windows and reruns after a crash change nothing. Hand-over counts each notice
 * it gives the queue once per ledger key and day.
 */

/** Audit blobs are bounded by the feed, but a hostile or broken one must not make one call unbounded. */
const MAX_RECORDS_PER_CALL = 100_000;

export interface ActivityReaderOptions {
  store: Pick<ActivityStore, 'countActivity'>;
  /** The app's own identities (AZURE_CLIENT_ID ...): its header reads are counted apart. */
  ownIdentities: Iterable<string>;
  log?: Logger;
  /** Stamps what is counted (the store keeps only the report's days). */
  clock: Clock;
}

/** A detection record reader: classifies each record and counts the quarantine ones once by Id. Throws only when storage fails (the blob is then read again). */
export function activityRecordReader(options: ActivityReaderOptions): (records: readonly unknown[]) => Promise<void> {
  const own = ownIdentitySet(options.ownIdentities);
  return async (records) => {
    const activity: QuarantineActivity[] = [];
    for (const raw of records.slice(0, MAX_RECORDS_PER_CALL)) {
      // Most records are other workloads; a malformed one is skipped, never the blob.
      const classified = classifyQuarantineRecord(raw, own);
      if (classified) activity.push(classified);
    }
    if (records.length > MAX_RECORDS_PER_CALL) options.log?.warn(`An audit blob held ${records.length} records; the activity report counted the first ${MAX_RECORDS_PER_CALL}.`);
    if (activity.length === 0) return;
    const outcome = await options.store.countActivity(activity, options.clock.now());
    if (outcome.skipped > 0) options.log?.info(`activity report: ${outcome.skipped} quarantine record(s) outside the kept days were not counted`);
  };
}

/** What the report counts of a stored quarantine copy. Origin is not known at snapshot time (Direction can lie), so it is left out. */
export function arrivalOf(message: QuarantinedMessage): QuarantineArrival {
  return { networkMessageId: message.networkMessageId, copyId: message.copyId, receivedAt: message.receivedAt, quarantineType: message.quarantineType };
}

/** The snapshot's hook: counts each stored copy's arrival once. */
export function arrivalCounter(store: Pick<ActivityStore, 'countArrivals'>): (messages: readonly QuarantinedMessage[], now: Date) => Promise<CountOutcome> {
  return (messages, now) => store.countArrivals(messages.map(arrivalOf), now);
}

/** The record ids the quarantine listing's releases are stored under (story/listingReleases.ts listingRecordId). */
const LISTING_RECORD_PREFIX = 'listing|';

/** What a handed-over notice counts as: its event and, for a release, which source's records it settles. */
export function toldNotice(
  facts: Pick<ReleasedMessageFacts, 'networkMessageId' | 'releasedTo' | 'event'>,
  key: string,
  recordIds: readonly string[],
): ToldNotice {
  const event = facts.event ?? 'released';
  if (event !== 'released') return { key, event };
  const listing = recordIds.some((id) => id.startsWith(LISTING_RECORD_PREFIX));
  const audit = recordIds.some((id) => !id.startsWith(LISTING_RECORD_PREFIX));
  const source: ToldSource = listing && audit ? 'both' : listing ? 'listing' : 'audit';
  return { key, event, source };
}

/** Hand-over's hook: counts the notices the queue took. Never throws: a report count must not hold back a notice. */
export function toldCounter(
  store: Pick<ActivityStore, 'countTold'>,
  log?: Logger,
): (notices: readonly ToldNotice[], now: Date) => Promise<void> {
  return async (notices, now) => {
    if (notices.length === 0) return;
    try {
      await store.countTold(notices, now);
    } catch (error) {
      log?.warn('activity report: notices handed over were not counted', {
        notices: notices.length,
        reason: messageOf(error).slice(0, 300),
      });
    }
  };
}

/**
 * A listing release the audit record covered in the same run is closed untold (detect/phases/sources.ts),
 * so the notice settles only the audit record: its witness is added back here, making it "both".
 */
export function withListingWitness(
  count: (notices: readonly ToldNotice[], now: Date) => Promise<void>,
  covered: ReadonlyArray<Pick<ReleasedMessageFacts, 'networkMessageId' | 'releasedTo'>>,
): (notices: readonly ToldNotice[], now: Date) => Promise<void> {
  const witnessed = new Set(covered.map((r) => ledgerKey(r)));
  return (notices, now) =>
    count(
      notices.map((n) => (n.source === 'audit' && witnessed.has(n.key) ? { ...n, source: 'both' } : n)),
      now,
    );
}
