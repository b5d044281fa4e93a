/** What the snapshot use case (and detection, which reads the snapshot) needs from storage. */
import type { QuarantinedMessage } from '../domain/types';

/** The copy of Get-QuarantineMessage, keyed by NetworkMessageId so a release finds its rows with one query. */
/** A row the store refused even on its own (too large, malformed): logged with the reason and moved past. */
export interface RejectedRow {
  networkMessageId: string;
  copyId: string;
  /** Short and stable, so the summary counts by it, such as "refused by Table Storage (413)". */
  reason: string;
  /** What the service said, for the log. */
  detail: string;
}

export interface UpsertResult {
  stored: number;
  rejected: RejectedRow[];
}

export interface QuarantineSnapshotStore {
  /** Stores every row it can; one refused row never fails the others. Throws only when storage itself fails. */
  upsert(messages: readonly QuarantinedMessage[]): Promise<UpsertResult>;
  findByNetworkMessageId(networkMessageId: string): Promise<QuarantinedMessage[]>;
  /** Deletes rows whose purge time has passed; returns how many. */
  purge(now: Date): Promise<number>;
}
