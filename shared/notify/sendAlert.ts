/**
 * The alert: one AlertJob becomes at most one email to ALERT_RECIPIENTS, through the one sending
 * machinery (deliver.ts). One email lists every rule that fired for the account's releases; each item
 * (a release for risky-type, a burst) is still one ledger item in its own rule's scope, so each rule
 * reports each release once, sharing the mailbox's pace and cap.
 */
import { composeAlert } from '../email/alert';
import { encodeAlertJob, itemRule, type AlertJob } from '../jobs/alertJob';
import { PermanentJobError } from '../jobs/delivery';
import { deliver, type DeliverDeps, type DeliveryOutcome } from './deliver';

/** The sending machinery, and who is alerted in which time zone (kept apart: the machinery is every kind's). */
export interface AlertDeps {
  delivery: DeliverDeps;
  alertRecipients: readonly string[];
  timeZone: string;
}

export function sendAlert(job: AlertJob, deps: AlertDeps, deliveryId: string = job.jobId): Promise<DeliveryOutcome> {
  if (deps.alertRecipients.length === 0) {
    // Alerts were switched off after this job was queued: nobody to tell, and nobody else may be told.
    throw new PermanentJobError('ALERT_RECIPIENTS is empty: alerts are off, so this queued alert is not sent.');
  }
  return deliver(
    {
      kind: 'alert',
      jobId: job.jobId,
      deliveryId,
      jobText: encodeAlertJob(job),
      items: job.items.map((item) => ({ key: { scope: `alert-${itemRule(job, item)}`, item: item.key }, value: item })),
      compose: (items) => composeAlert({ ...job, items: [...items] }, deps.alertRecipients, deps.timeZone),
      describe: (items) => ({
        rule: job.rule,
        account: job.account,
        networkMessageIds: [...new Set(items.flatMap((i) => i.releases.map((r) => r.networkMessageId)))],
      }),
    },
    deps.delivery,
  );
}
