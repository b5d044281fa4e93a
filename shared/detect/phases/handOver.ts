/**
 * Hand-over: the notice jobs go to the queue in batches, each batch's releases settled as soon as it
 * is enqueued, so a timeout mid-run repeats nothing already handed over. A crash between the two
 * re-enqueues one batch on the next run, and the ledger in the sending stage makes the repeat a no-op.
 * A job the queue refuses for what it is is set aside: its releases settled 'set-aside' with the
 * queue's reason, logged and counted, and every other job goes on.
 */
import { jobsFor, ledgerKey, type NotificationJob } from '../../jobs/notificationJob';
import type { Logger } from '../../log/logger';
import { forEachLimited } from '../../util/forEachLimited';
import type { NotificationQueue, ReleaseStore } from '../ports';
import { toldNotice } from '../../report/counting';
import type { ToldNotice } from '../../report/ports';
import { chunk, ENQUEUE_BATCH } from './chunk';
import type { NoticeEntry, Settlement } from './match';
import { enqueueEach } from './setAside';

const SETTLE_CONCURRENCY = 8;

export interface HandOverDeps {
  queue: NotificationQueue;
  releases: ReleaseStore;
  log: Logger;
  /** The activity report's count of what senders were told: each notice the queue took, by ledger key (never throws). */
  countTold?: (notices: readonly ToldNotice[], now: Date) => Promise<void>;
}

export interface HandOverSummary {
  jobs: number;
  /** Notice jobs the queue refused (too large, malformed): their releases are settled 'set-aside'. */
  setAsideJobs: number;
}

/** Skipped and unmatched releases: settled once their alerts are handed over. */
export async function settleDecided(releases: ReleaseStore, toSettle: readonly Settlement[], now: Date): Promise<void> {
  await forEachLimited(toSettle, SETTLE_CONCURRENCY, (s) => releases.settle(s.recordId, s.status, s.reason, now));
}

/** The notices of the jobs the queue took, with the records each settles (their source). */
function toldNotices(
  batch: readonly NotificationJob[],
  refused: ReadonlyArray<{ job: NotificationJob }>,
  recordsOf: ReadonlyMap<string, readonly string[]>,
): ToldNotice[] {
  const taken = batch.filter((job) => !refused.some((r) => r.job === job));
  return taken.flatMap((job) =>
    job.releases.map((f) => toldNotice(f, ledgerKey(f), recordsOf.get(ledgerKey(f)) ?? [])),
  );
}

export async function handOver(
  deps: HandOverDeps,
  toNotify: ReadonlyMap<string, readonly NoticeEntry[]>,
  now: Date,
): Promise<HandOverSummary> {
  const jobs = [...toNotify.entries()].flatMap(([sender, entries]) =>
    jobsFor(
      sender,
      entries.map((e) => e.facts),
    ),
  );
  const recordsOf = new Map<string, string[]>(
    [...toNotify.values()].flat().map((entry) => [ledgerKey(entry.facts), entry.recordIds]),
  );
  const recordIdsOf = (job: NotificationJob): string[] => [
    ...new Set(job.releases.flatMap((f) => recordsOf.get(ledgerKey(f)) ?? [])),
  ];
  // A record can be reported by more than one job (released to all recipients of a message cut in
  // two): it is settled once the last of them is handed over.
  const jobsLeft = new Map<string, number>();
  for (const job of jobs) for (const id of recordIdsOf(job)) jobsLeft.set(id, (jobsLeft.get(id) ?? 0) + 1);
  const summary: HandOverSummary = { jobs: 0, setAsideJobs: 0 };
  // A record any of whose jobs was refused is settled 'set-aside' with that reason, once its last job is done.
  const refusedWhy = new Map<string, string>();
  for (const batch of chunk(jobs, ENQUEUE_BATCH)) {
    const refused = await enqueueEach(deps.queue, batch);
    for (const { job, reason } of refused) {
      summary.setAsideJobs++;
      for (const id of recordIdsOf(job)) refusedWhy.set(id, reason);
      deps.log.error('notice job set aside: the queue refused it', {
        jobId: job.jobId,
        releases: job.releases.length,
        networkMessageIds: [...new Set(job.releases.map((r) => r.networkMessageId))].slice(0, 20),
        reason,
      });
    }
    summary.jobs += batch.length - refused.length;
    // Counted before settling: a crash in between re-enqueues the batch, and the marker keeps the count once.
    await deps.countTold?.(toldNotices(batch, refused, recordsOf), now);
    const done: string[] = [];
    for (const id of batch.flatMap(recordIdsOf)) {
      const left = (jobsLeft.get(id) ?? 1) - 1;
      jobsLeft.set(id, left);
      if (left === 0) done.push(id);
    }
    const queued = done.filter((id) => !refusedWhy.has(id));
    const setAside = done.filter((id) => refusedWhy.has(id));
    await deps.releases.settleMany(queued, 'queued', now);
    await forEachLimited(setAside, SETTLE_CONCURRENCY, (id) =>
      deps.releases.settle(id, 'set-aside', `not handed over: ${refusedWhy.get(id) ?? ''}`.slice(0, 1000), now),
    );
    deps.log.info('handed over', { jobs: batch.length - refused.length, releases: queued.length });
  }
  return summary;
}
