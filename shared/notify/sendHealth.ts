/**
 * A health email through the one sending machinery: one ledger item per problem and state change
 * (`open@<since>`, `reminder@<day>@<since>`, `resolved@<since>`), so each is sent exactly once.
 * It is sent by the timer run that found it due, not queued: if its outcome is unknown, the next run
 * finds it due again and deliver() looks in Sent Items before any resend.
 */
import { composeHealth, type Deployment } from '../email/health';
import type { HealthEmailJob } from '../health/monitor';
import { deliver, type DeliverDeps, type DeliveryOutcome } from './deliver';

/** The sending machinery, and who is told about which deployment in which time zone. */
export interface HealthSendDeps {
  delivery: DeliverDeps;
  recipients: readonly string[];
  timeZone: string;
  deployment?: Deployment;
}

export function sendHealth(job: HealthEmailJob, deps: HealthSendDeps): Promise<DeliveryOutcome> {
  const { delivery } = deps;
  const jobId = `health-${job.state.problem}-${job.email.item}`;
  return deliver(
    {
      kind: 'health',
      jobId,
      deliveryId: jobId,
      jobText: JSON.stringify(job),
      items: [{ key: { scope: `health-${job.state.problem}`, item: job.email.item }, value: job }],
      compose: () => composeHealth(job.state, job.email, deps.recipients, deps.timeZone, deps.deployment),
      describe: () => ({ problem: job.state.problem, change: job.email.kind }),
    },
    // The next run re-evaluates: a job scheduled "later" is simply found due again then. Health emails
    // are few (two per problem, a reminder a day) and must get out when the daily cap itself is the
    // problem, so they do not count against it.
    { ...delivery, scheduler: { later: async () => undefined }, limits: { ...delivery.limits, dailyCap: undefined } },
  );
}
