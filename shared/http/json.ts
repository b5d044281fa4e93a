import { RetryableError, parseRetryAfter } from './retry';

/** The raw answer of one HTTP call: status, headers and body text, before any interpretation. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export const REQUEST_TIMEOUT_MS = 100_000;

/** One HTTP request; a network failure or timeout is retryable, any HTTP answer is returned as is. */
export async function send(url: string, init: RequestInit, what: string): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new RetryableError(`${what}: network error (${cause})`, undefined);
  }
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Parses JSON, or returns undefined: error bodies from Microsoft are not always JSON (even NUL bytes). */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 408/429/500/502/503/504 are worth another attempt; Retry-After is honoured when present. */
export function retryableStatus(
  answer: HttpAnswer,
  what: string,
  statuses: readonly number[] = [408, 429, 500, 502, 503, 504],
): RetryableError | undefined {
  if (!statuses.includes(answer.status)) return undefined;
  return new RetryableError(`${what}: HTTP ${answer.status}`, parseRetryAfter(answer.headers.get('retry-after')));
}

/** A short, printable excerpt of a body for log lines (no control characters, bounded). */
export function excerpt(text: string, max = 300): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}
