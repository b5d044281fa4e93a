/**
 * The notice: one NotificationJob becomes at most one email to its sender, through the one sending
 * machinery (deliver.ts), which makes it exactly once. Each release is one ledger item: the message
 * (NetworkMessageId) and the mailbox it was released to.
 *
 * Dry run (NOTIFY_DRY_RUN): nothing is sent; the would-be email is logged (recipient and ids; never
 * the subject or body) and its releases are recorded as told with DryRun=true. So switching dry run off
 * later does not suddenly mail everything the dry run saw; only releases detected after that are
 * mailed. To mail them after all, delete their NotificationLedger rows.
 */
import type { NotifyTemplateSettings } from '../config/settings';
import type { ReleasedMessageFacts } from '../domain/types';
import { composeNotification } from '../email/compose';
import { encodeJob, type NotificationJob } from '../jobs/notificationJob';
import { deliver, type DeliverDeps, type DeliveryOutcome } from './deliver';
import type { LedgerKey } from './ports';
import { noticeItem } from '../domain/events';

/** The sending machinery, and how the notice is worded (kept apart: the machinery is every kind's). */
export interface SendDeps {
  delivery: DeliverDeps;
  template: NotifyTemplateSettings;
  timeZone?: string;
}

export type SendOutcome = DeliveryOutcome;

/** The ledger item of one release: the message, and the mailbox it was released to. */
export function noticeKey(facts: Pick<ReleasedMessageFacts, 'networkMessageId' | 'releasedTo' | 'event'>): LedgerKey {
  // [story] Held, deleted and expired notices are items of their own ("held:<recipient>"); a release is unchanged.
  return { scope: facts.networkMessageId.toLowerCase(), item: noticeItem(facts) };
}

/**
 * `deliveryId` names this delivery of the job: the queue message id, so the queue's retries of a
 * message find their own claims. Without one (a direct call) the delivery is the job itself.
 */
export function sendNotification(
  job: NotificationJob,
  deps: SendDeps,
  deliveryId: string = job.jobId,
): Promise<SendOutcome> {
  return deliver(
    {
      kind: 'notice',
      jobId: job.jobId,
      deliveryId,
      jobText: encodeJob(job),
      items: job.releases.map((release) => ({ key: noticeKey(release), value: release })),
      compose: (releases) =>
        composeNotification({ ...job, releases: [...releases] }, deps.template, { timeZone: deps.timeZone }),
      describe: (releases) => ({
        sender: job.sender,
        networkMessageIds: [...new Set(releases.map((r) => r.networkMessageId.toLowerCase()))],
      }),
    },
    deps.delivery,
  );
}
