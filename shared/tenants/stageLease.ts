import { ConcurrentUpdateError, type StateStore } from '../domain/state';

interface Lease {
  until: string;
  holder: string;
}

/**
 * One run at a time of a stage for a tenant, across every instance of the app: timers were singletons,
 * a queue message per tenant is not. The lease is a row of the tenant's own state written under its
 * ETag; a run that dies leaves it to expire (the function timeout), never held for good.
 */
export class StageLease {
  constructor(
    private readonly state: StateStore,
    private readonly holder: string,
  ) {}

  /** True when this holder now has the stage's lease until `now + forMs`. */
  async acquire(stage: string, now: Date, forMs: number): Promise<boolean> {
    const key = leaseKey(stage);
    const current = await this.state.get<Lease>(key);
    if (current && Date.parse(current.value.until) > now.getTime() && current.value.holder !== this.holder)
      return false;
    try {
      await this.state.put<Lease>(
        key,
        { until: new Date(now.getTime() + forMs).toISOString(), holder: this.holder },
        current?.etag,
      );
      return true;
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) return false;
      throw error;
    }
  }

  /** Ends the lease early (the run finished); someone else's lease is left alone. */
  async release(stage: string): Promise<void> {
    const key = leaseKey(stage);
    const current = await this.state.get<Lease>(key);
    if (!current || current.value.holder !== this.holder) return;
    try {
      await this.state.put<Lease>(key, { until: new Date(0).toISOString(), holder: this.holder }, current.etag);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
}

function leaseKey(stage: string): string {
  return `lease-${stage}`;
}
