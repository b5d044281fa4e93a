/**
 * Isolation per item: a job the queue refuses for what it is (too large, malformed) is set aside with
 * its reason, and every other job goes on. Only the queue's own failures (5xx, network) fail the run,
 * which the next run retries.
 */
import { codeOf } from '../../domain/errors';
import type { QueuedJob } from '../../jobs/queuedJob';
import { messageOf } from '../../log/errors';
import type { NotificationQueue } from '../ports';

export interface Refused<J> {
  job: J;
  reason: string;
}

/** Enqueues the jobs one by one (so a refusal names its job); returns the ones refused, with why. */
export async function enqueueEach<J extends QueuedJob>(
  queue: NotificationQueue,
  jobs: readonly J[],
): Promise<Refused<J>[]> {
  const refused: Refused<J>[] = [];
  for (const job of jobs) {
    try {
      await queue.enqueue([job]);
    } catch (error) {
      if (codeOf(error) !== 'queue-refused') throw error;
      refused.push({ job, reason: messageOf(error) });
    }
  }
  return refused;
}
