import { RetryableError } from '../../shared/http/retry';
import { decidePace, MailboxPacer, PaceTimeoutError, Semaphore } from '../../shared/notify/pacing';
import { type PaceState, type PaceStore } from '../../shared/notify/ports';

const T0 = Date.parse('2026-08-21T12:00:10Z');
const MINUTE = 60_000;

/** The schedule row with ETag semantics, recording every accepted write. */
class MemoryPaceStore implements PaceStore {
  private row: { state: PaceState; etag: string } | undefined;
  private version = 0;
  readonly accepted: PaceState[] = [];
  conflicts = 0;

  async read() {
    return { state: this.row?.state, etag: this.row?.etag };
  }

  async write(_mailbox: string, state: PaceState, etag: string | undefined): Promise<boolean> {
    await Promise.resolve(); // let a concurrent writer interleave
    if ((this.row?.etag ?? undefined) !== etag) {
      this.conflicts++;
      return false;
    }
    this.row = { state, etag: `e${++this.version}` };
    this.accepted.push(state);
    return true;
  }
}

/** A virtual clock: sleeping advances time instantly, so minutes of pacing cost nothing. */
function virtualTime(start = T0) {
  const time = { now: start, slept: [] as number[] };
  return {
    time,
    clock: () => time.now,
    sleep: async (ms: number) => {
      time.slept.push(ms);
      time.now += ms;
    },
  };
}

/** Most sends that fall within any 60-second window. */
function busiestMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= MINUTE) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('decidePace', () => {
  it('sends at once when the mailbox is idle and spaces the next send by a minute over the limit, plus 2%', () => {
    expect(decidePace(undefined, T0, 30)).toEqual({ slotAt: T0, next: { nextFreeAt: T0 + 2040 } });
    expect(decidePace({ nextFreeAt: T0 - 5000 }, T0, 30)).toEqual({ slotAt: T0, next: { nextFreeAt: T0 + 2040 } });
  });

  it('gives a busy mailbox the next free slot, also one reserved by an instance whose clock runs ahead', () => {
    expect(decidePace({ nextFreeAt: T0 + 1500 }, T0, 30)).toEqual({
      slotAt: T0 + 1500,
      next: { nextFreeAt: T0 + 3540 },
    });
    expect(decidePace({ nextFreeAt: T0 + 2 * MINUTE }, T0, 20)).toEqual({
      slotAt: T0 + 2 * MINUTE,
      next: { nextFreeAt: T0 + 2 * MINUTE + 3060 },
    });
  });
});

describe('MailboxPacer', () => {
  it('never lets more than NOTIFY_MAX_PER_MINUTE through in any rolling minute, across a minute boundary too', async () => {
    const store = new MemoryPaceStore();
    const { time, clock, sleep } = virtualTime(T0 + 45_000); // start late in a minute
    const pacer = new MailboxPacer(store, {
      maxPerMinute: 20,
      // The schedule is what this test is about, not how long one invocation may wait for it.
      maxWaitMs: 10 * MINUTE,
      clock,
      sleep,
      random: () => 0.5,
      concurrency: () => new Semaphore(4),
    });
    const sentAt: number[] = [];
    for (let i = 0; i < 40; i++) await pacer.run('notices@contoso.com', async () => sentAt.push(time.now));
    expect(busiestMinute(sentAt)).toBe(20);
    // 21 sends never fit in a minute, even with a second of jitter between the first and the last.
    expect(sentAt[20] - sentAt[0]).toBeGreaterThanOrEqual(MINUTE + 1000);
  });

  it('keeps slots distinct when several instances reserve at once (ETag conflicts are retried)', async () => {
    const store = new MemoryPaceStore();
    const { clock, sleep } = virtualTime();
    const pacers = [0, 1, 2].map(
      () =>
        new MailboxPacer(store, {
          maxPerMinute: 4,
          maxWaitMs: 10 * MINUTE,
          clock,
          sleep,
          random: () => 0.1,
          concurrency: () => new Semaphore(4),
        }),
    );
    await Promise.all(pacers.flatMap((p) => [1, 2, 3, 4].map(() => p.takeSlot('notices@contoso.com'))));
    expect(store.conflicts).toBeGreaterThan(0);
    expect(store.accepted).toHaveLength(12);
    const slots = store.accepted.map((s) => s.nextFreeAt);
    expect(new Set(slots).size).toBe(12);
    expect(busiestMinute(slots)).toBeLessThanOrEqual(4);
  });

  it('never waits longer than its bound: it throws a retryable error instead, without sleeping', async () => {
    const store = new MemoryPaceStore();
    const { time, clock, sleep } = virtualTime();
    const pacer = new MailboxPacer(store, {
      maxPerMinute: 1,
      maxWaitMs: 30_000,
      clock,
      sleep,
      random: () => 0,
      concurrency: () => new Semaphore(4),
    });
    await pacer.takeSlot('notices@contoso.com');
    const error = await pacer.takeSlot('notices@contoso.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaceTimeoutError);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/NOTIFY_MAX_PER_MINUTE=1/);
    expect(time.slept).toEqual([]);
    expect(store.accepted).toHaveLength(1); // the refused slot was not reserved
  });

  it('waits in the invocation for a slot up to 2.5 seconds off by default; a later slot is for the queue, spread', async () => {
    const { time, clock, sleep } = virtualTime();
    const pacer = (store: PaceStore) =>
      new MailboxPacer(store, { maxPerMinute: 1, clock, sleep, random: () => 0, concurrency: () => new Semaphore(4) });
    const busyUntil = async (ms: number): Promise<PaceStore> => {
      const store = new MemoryPaceStore();
      await store.write('m', { nextFreeAt: T0 + ms }, undefined);
      return store;
    };
    await pacer(await busyUntil(2_000)).takeSlot('m');
    expect(time.slept).toEqual([2_000]);
    time.now = T0;
    const refused = await pacer(await busyUntil(16_000))
      .takeSlot('m')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PaceTimeoutError);
    expect((refused as PaceTimeoutError).waitMs).toBe(16_000);
    // random() is 0 here: back at the slot itself; jobs sent back together return spread over 30 s after it.
    expect((refused as PaceTimeoutError).retryInMs).toBe(16_000);
  });
});

describe('Semaphore', () => {
  it('runs at most `limit` at once and hands permits on in order', async () => {
    const semaphore = new Semaphore(4);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        semaphore.use(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(i);
          active--;
        }),
      ),
    );
    expect(peak).toBe(4);
    expect(order).toHaveLength(10);
  });

  it('frees the permit when the work fails', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.use(async () => 'ok')).resolves.toBe('ok');
  });
});
