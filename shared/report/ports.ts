import type { ActivityKind, CountedKind, QuarantineActivity } from './activity';
import type { NoticeEvent } from '../domain/types';

/** One quarantined copy as the snapshot first stored it: counted once per (NetworkMessageId, copy). */
export interface QuarantineArrival {
  networkMessageId: string;
  copyId: string;
  receivedAt: Date;
  /** Get-QuarantineMessage QuarantineTypes (Spam, TransportRule, ...). */
  quarantineType: string;
  /** Where the message came from when known (e.g. "inside" / "outside" from its headers). */
  origin?: string;
}

/** One UTC day of quarantine actions, counted once per audit record Id. */
export interface DayActivity {
  date: string;
  /** Successful actions; viewHeader excludes the product's own header reads (see appHeaderReads). */
  counts: Record<ActivityKind, number>;
  /** Successful quarantine records whose RequestType is none of the known ones. */
  other: number;
  /** Records whose ResultStatus was not a success, by kind; not in `counts`. */
  failed: Record<CountedKind, number>;
  /** Header reads done by this product itself (to decide who to tell), left out of counts.viewHeader. */
  appHeaderReads: number;
  /** Successful releases done by the system ("System release"), included in counts.release. */
  systemReleases: number;
  /** Successful releases by account (system releases not included). */
  releasesByAccount: Record<string, number>;
  /** Releases by accounts beyond the stored per-day account limit (the total stays exact). */
  releasesByOtherAccounts: number;
}

/** One UTC day of quarantine arrivals (by ReceivedTime). */
export interface DayArrivals {
  date: string;
  total: number;
  byType: Record<string, number>;
  byOrigin: Record<string, number>;
}

/** Which source had seen a release when its notice was handed over: the audit feed, the quarantine listing, or both. */
export type ToldSource = 'audit' | 'listing' | 'both';

/** One notice detection handed to the sending queue: counted once per ledger key (message, recipient, event). */
export interface ToldNotice {
  key: string;
  event: NoticeEvent;
  /** Releases only. */
  source?: ToldSource;
}

/** One UTC day of notices handed over, by event and, for releases, by the source that saw them. */
export interface DayTold {
  date: string;
  released: Record<ToldSource, number>;
  held: number;
  deleted: number;
  expired: number;
}

export interface CountOutcome {
  /** Newly counted. */
  counted: number;
  /** Already counted before (same Id, or same copy): left alone. */
  duplicates: number;
  /** Outside the days the store keeps (older than retention, or in the future), or unusable keys. */
  skipped: number;
}

/** What the report use cases need from storage: counting once, reading days, forgetting old days. */
export interface ActivityStore {
  /** Counts each record once by its Id, whatever is repeated or rerun. */
  countActivity(records: readonly QuarantineActivity[], now: Date): Promise<CountOutcome>;
  /** Counts each arrival once by (NetworkMessageId, copy). */
  countArrivals(arrivals: readonly QuarantineArrival[], now: Date): Promise<CountOutcome>;
  /** One arrival: what the snapshot store calls for each new row it stores. True when newly counted. */
  recordArrival(arrival: QuarantineArrival, now: Date): Promise<boolean>;
  /** Counts each notice handed over once by its ledger key, on the UTC day of `now`. */
  countTold(notices: readonly ToldNotice[], now: Date): Promise<CountOutcome>;
  /** Every day from..to (YYYY-MM-DD, inclusive), zeros for days without data; cost independent of record counts. */
  readDays(from: string, to: string): Promise<{ activity: DayActivity[]; arrivals: DayArrivals[]; told?: DayTold[] }>;
  /** Forgets days older than the retention; returns how many rows it deleted. */
  purge(now: Date): Promise<number>;
}
