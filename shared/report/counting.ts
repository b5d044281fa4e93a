import type { Clock } from '../domain/clock';
import type { QuarantinedMessage } from '../domain/types';
import type { Logger } from '../log/logger';
import { classifyQuarantineRecord, ownIdentitySet, type QuarantineActivity } from './activity';
import type { ActivityStore, CountOutcome, QuarantineArrival } from './ports';

/**
 * How the activity report is fed: detection hands every audit blob's records to a record reader,
 * the snapshot every stored page of quarantine rows to an arrival counter. Both count through the
 * store, which counts each record Id and each (NetworkMessageId, copy) once, so blobs read twice,
 * overlapping snapshot windows and reruns after a crash change nothing.
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
