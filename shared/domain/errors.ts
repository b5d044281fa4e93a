/**
 * Errors classified by a `code` field, so code that must stay pure (health/problems.ts) or off the
 * adapters (exchange/quarantineSource.ts) can tell what failed without importing the class that threw
 * it (and, through it, the SDK behind it).
 */
export type ErrorCode =
  /** No token: the app could not sign in (auth/). */
  | 'sign-in'
  /** The Office 365 Management Activity API refused or failed a call (audit/). */
  | 'audit-feed'
  /** The Exchange admin API refused or failed a cmdlet (exchange/). */
  | 'exchange'
  /** The queue refused one message for what it is (too large, malformed): the service itself is fine (queue/). */
  | 'queue-refused';

/** What a classified error carries besides its message. */
export interface CodedError extends Error {
  readonly code: ErrorCode;
  /** The HTTP status of the refusal, when there was one. */
  readonly status?: number;
  /** The service's own error code (AF10001...), when it gave one. */
  readonly serviceCode?: string;
}

const CODES: ReadonlySet<string> = new Set<ErrorCode>(['sign-in', 'audit-feed', 'exchange', 'queue-refused']);

/** The error as a classified one, or undefined for anything else (a bug, a network error). */
export function coded(error: unknown): CodedError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && CODES.has(code) ? (error as CodedError) : undefined;
}

export function codeOf(error: unknown): ErrorCode | undefined {
  return coded(error)?.code;
}
