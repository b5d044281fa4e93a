import { RetryableError } from '../../shared/http/retry';
import { decidePace, MailboxPacer, PaceTimeoutError, Semaphore, type PaceStore, type PaceWindow } from '../../shared/notify/pacing';

const T0 = Date.parse('2026-08-21T12:00:10Z');
const MINUTE = 60_000;

/** The counter row with ETag semantics, recording every accepted write. */
class MemoryPaceStore implements PaceStore {
  private row: { window: PaceWindow; etag: string } | undefined;
  private version = 0;
  readonly accepted: PaceWindow[] = [];
  conflicts = 0;

  async read() {
    return { window: this.row?.window, etag: this.row?.etag };
  }

  async write(_mailbox: string, window: PaceWindow, etag: string | undefined): Promise<boolean> {
    await Promise.resolve(); // let a concurrent writer interleave
    if ((this.row?.etag ?? undefined) !== etag) {
      this.conflicts++;
      return false;
    }
    this.row = { window, etag: `e${++this.version}` };
    this.accepted.push(window);
    return true;
  }
}

/** A virtual clock: sleeping advances time instantly, so minute windows cost nothing. */
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

describe('decidePace', () => {
  it('counts within the minute and waits for the next one when full', () => {
    expect(decidePace(undefined, T0, 2)).toEqual({ kind: 'take', next: { windowStart: T0 - 10_000, count: 1 } });
    expect(decidePace({ windowStart: T0 - 10_000, count: 1 }, T0, 2)).toEqual({ kind: 'take', next: { windowStart: T0 - 10_000, count: 2 } });
    expect(decidePace({ windowStart: T0 - 10_000, count: 2 }, T0, 2)).toEqual({ kind: 'wait', untilMs: T0 + 50_000 });
    // A stored window from an earlier minute starts over.
    expect(decidePace({ windowStart: T0 - 70_000, count: 9 }, T0, 2)).toEqual({ kind: 'take', next: { windowStart: T0 - 10_000, count: 1 } });
  });

  it('counts against a later window another instance (with a clock ahead) opened', () => {
    const ahead = T0 + 50_000;
    expect(decidePace({ windowStart: ahead, count: 1 }, T0, 2)).toEqual({ kind: 'take', next: { windowStart: ahead, count: 2 } });
    expect(decidePace({ windowStart: ahead, count: 2 }, T0, 2)).toEqual({ kind: 'wait', untilMs: ahead + MINUTE });
  });
});

describe('MailboxPacer', () => {
  it('lets NOTIFY_MAX_PER_MINUTE sends through per minute and waits (with jitter) for the next minute', async () => {
    const store = new MemoryPaceStore();
    const { time, clock, sleep } = virtualTime();
    const pacer = new MailboxPacer(store, { maxPerMinute: 3, clock, sleep, random: () => 0.5, jitterMs: 2000, concurrency: () => new Semaphore(4) });
    const sentAt: number[] = [];
    for (let i = 0; i < 7; i++) await pacer.run('notices@contoso.com', async () => sentAt.push(time.now));
    const perMinute = new Map<number, number>();
    for (const t of sentAt) perMinute.set(Math.floor(t / MINUTE), (perMinute.get(Math.floor(t / MINUTE)) ?? 0) + 1);
    expect([...perMinute.values()]).toEqual([3, 3, 1]);
    // The first wait ends at the next minute plus half the jitter.
    expect(time.slept[0]).toBe(50_000 + 1000);
  });

  it('keeps the count exact when several instances take slots at once (ETag conflicts are retried)', async () => {
    const store = new MemoryPaceStore();
    const { clock, sleep } = virtualTime();
    const pacers = [0, 1, 2].map(() => new MailboxPacer(store, { maxPerMinute: 4, clock, sleep, random: () => 0.1, concurrency: () => new Semaphore(4) }));
    await Promise.all(pacers.flatMap((p) => [1, 2, 3, 4].map(() => p.takeSlot('notices@contoso.com'))));
    expect(store.conflicts).toBeGreaterThan(0);
    const perWindow = new Map<number, number>();
    for (const w of store.accepted) perWindow.set(w.windowStart, (perWindow.get(w.windowStart) ?? 0) + 1);
    expect(store.accepted).toHaveLength(12);
    for (const count of perWindow.values()) expect(count).toBeLessThanOrEqual(4);
  });

  it('never waits longer than its bound: it throws a retryable error instead, without sleeping', async () => {
    const store = new MemoryPaceStore();
    const { time, clock, sleep } = virtualTime();
    const pacer = new MailboxPacer(store, { maxPerMinute: 1, maxWaitMs: 30_000, clock, sleep, random: () => 0, concurrency: () => new Semaphore(4) });
    await pacer.takeSlot('notices@contoso.com');
    const error = await pacer.takeSlot('notices@contoso.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaceTimeoutError);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/NOTIFY_MAX_PER_MINUTE=1/);
    expect(time.slept).toEqual([]);
  });

  it('waits up to three minutes by default', async () => {
    const { time, clock, sleep } = virtualTime();
    const pacer = (store: PaceStore) => new MailboxPacer(store, { maxPerMinute: 1, clock, sleep, random: () => 0, concurrency: () => new Semaphore(4) });
    const full = async (minutesAhead: number): Promise<PaceStore> => {
      const store = new MemoryPaceStore();
      await store.write('m', { windowStart: T0 - 10_000 + minutesAhead * MINUTE, count: 1 }, undefined);
      return store;
    };
    // A full window that ends 170 s from now (opened by an instance whose clock is ahead): waited for.
    await pacer(await full(2)).takeSlot('m');
    expect(time.slept).toEqual([170_000]);
    // One that ends 230 s from now: given back to the queue.
    time.now = T0;
    await expect(pacer(await full(3)).takeSlot('m')).rejects.toBeInstanceOf(PaceTimeoutError);
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
