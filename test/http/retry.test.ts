import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, RetryableError, withRetry } from '../../shared/http/retry';

describe('retry', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped, and obeys the server when it says how long', () => {
    expect(backoffDelay(DEFAULT_RETRY, 1, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(DEFAULT_RETRY, 3, undefined, () => 0)).toBe(2000);
    expect(backoffDelay(DEFAULT_RETRY, 20, undefined, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
    expect(backoffDelay(DEFAULT_RETRY, 1, 9000)).toBe(9000);
  });

  it('retries retryable failures until success and reports each wait', async () => {
    let calls = 0;
    const waits: number[] = [];
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new RetryableError('busy', 5);
        return 'done';
      },
      DEFAULT_RETRY,
      (_e, delay) => waits.push(delay),
      async () => undefined,
    );
    expect(result).toBe('done');
    expect(waits).toEqual([5, 5]);
  });

  it('gives up after the last attempt and never retries other errors', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new RetryableError('busy', 1);
        },
        { ...DEFAULT_RETRY, maxAttempts: 3 },
        undefined,
        async () => undefined,
      ),
    ).rejects.toThrow('busy');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('denied');
        },
        DEFAULT_RETRY,
        undefined,
        async () => undefined,
      ),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);
  });
});
