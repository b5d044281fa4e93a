/** What the snapshot use case (and detection, which reads the snapshot) needs from storage. */
import type { QuarantinedMessage } from '../domain/types';

/** The copy of Get-QuarantineMessage, keyed by NetworkMessageId so a release finds its rows with one query. */
export interface QuarantineSnapshotStore {
  upsert(messages: readonly QuarantinedMessage[]): Promise<void>;
  findByNetworkMessageId(networkMessageId: string): Promise<QuarantinedMessage[]>;
  /** Deletes rows whose purge time has passed; returns how many. */
  purge(now: Date): Promise<number>;
}
