import type { StateStore } from '../../domain/state';

export const DETECT_STATE_KEY = 'detect';

export interface DetectState {
  /** Every audit blob listed before this instant (less the overlap) has been stored. */
  checkpoint?: string;
  lastSweepAt?: string;
  /** The first run's time, when NOTIFY_RELEASES_SINCE is not set. */
  notifySince?: string;
  acceptedDomains?: string[];
  acceptedDomainsAt?: string;
  lastPurgeAt?: string;
}

/** Detection's state for one run: the phases change `value`, then save it (optimistic, by ETag). */
export interface RunState {
  readonly value: DetectState;
  save(): Promise<void>;
}

export async function openRunState(store: StateStore): Promise<RunState> {
  const saved = await store.get<DetectState>(DETECT_STATE_KEY);
  let etag = saved?.etag;
  const value: DetectState = { ...saved?.value };
  return {
    value,
    save: async () => {
      etag = await store.put(DETECT_STATE_KEY, value, etag);
    },
  };
}
