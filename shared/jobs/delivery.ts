/**
 * The delivery rules the queue trigger (Functions host) and the command-line drain share: the queue
 * names, when a failed job is given up on, and how a trigger body becomes queue text again.
 */

/** A job no retry can fix (malformed, or refused by Graph for good): it goes to the poison queue at once, with its reason. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export const QUEUE_NAME = 'release-notifications';
export const POISON_SUFFIX = '-poison';
export const POISON_QUEUE_NAME = `${QUEUE_NAME}${POISON_SUFFIX}`;
/** Matches host.json extensions.queues.maxDequeueCount. */
export const MAX_DEQUEUE_COUNT = 5;

/** The attempt whose failure sends the message to the poison queue (host.json maxDequeueCount). */
export function isLastAttempt(dequeueCount: number, maxDequeueCount: number = MAX_DEQUEUE_COUNT): boolean {
  return dequeueCount >= maxDequeueCount;
}

export type FailureAction = 'poisonNow' | 'lastAttempt' | 'retry';

/**
 * What becomes of a message whose attempt failed: permanent failures (malformed, refused by Graph) are poisoned at once, the last
 * attempt's failure poisons it (the host does that itself), anything else is retried.
 */
export function failureAction(
  error: unknown,
  dequeueCount: number,
  maxDequeueCount: number = MAX_DEQUEUE_COUNT,
): FailureAction {
  if (error instanceof PermanentJobError) return 'poisonNow';
  return isLastAttempt(dequeueCount, maxDequeueCount) ? 'lastAttempt' : 'retry';
}

/** A queue trigger's body as the host hands it over (decoded, JSON parsed when it was JSON), back to queue text. */
export function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return JSON.stringify(body) ?? String(body);
}
