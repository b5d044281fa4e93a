/**
 * Alerts for the security team, about the releases decided this run. They are handed over before
 * the releases that only they were waiting for are settled, so a crash in between cannot lose one.
 * An alert the queue refuses for what it is is set aside (logged with its facts, counted), so it
 * cannot stop the notices handed over after it.
 */
import {
  BURST_WINDOW_MS,
  burstFindings,
  messageFindings,
  type AlertFinding,
  type AlertSettings,
  type ReleaseView,
} from '../../alerts/rules';
import { alertJobsFor, type AlertJob } from '../../jobs/alertJob';
import type { LogFields, Logger } from '../../log/logger';
import type { NotificationQueue, ReleaseStore } from '../ports';
import { oneWitnessEach } from '../releaseSources';
import { chunk, ENQUEUE_BATCH } from './chunk';
import { enqueueEach } from './setAside';

export interface AlertDeps {
  queue: NotificationQueue;
  releases: ReleaseStore;
  log: Logger;
  /** The security team's alert rules; undefined or no recipients: alerts are off. */
  alerts: AlertSettings | undefined;
}

export interface AlertSummary {
  /** Alert emails handed over this run. */
  alerts: number;
  /** Alert jobs the queue refused (too large, malformed): logged with their facts, not emailed. */
  setAsideAlerts: number;
}

export async function raiseAlerts(deps: AlertDeps, decided: readonly ReleaseView[]): Promise<AlertSummary> {
  const settings = deps.alerts;
  if (!settings || settings.recipients.length === 0) return { alerts: 0, setAsideAlerts: 0 };
  const findings = [
    ...messageFindings(decided, settings),
    ...(await burstsAmong(decided, settings.burstReleases, deps.releases)),
  ];
  const alertJobs = alertJobsFor(findings);
  const refused = new Map<AlertJob, string>();
  for (const batch of chunk(alertJobs, ENQUEUE_BATCH))
    for (const { job, reason } of await enqueueEach(deps.queue, batch)) refused.set(job, reason);
  // One structured event per alert, for a Sentinel or Log Analytics rule (README: KQL), emailed or not.
  for (const job of alertJobs) deps.log.warn('quarantine alert', alertFields(job));
  for (const [job, reason] of refused)
    deps.log.error('alert job set aside: the queue refused it; its releases are in the quarantine alert line', {
      jobId: job.jobId,
      rule: job.rule,
      reason,
    });
  return { alerts: alertJobs.length - refused.size, setAsideAlerts: refused.size };
}

function alertFields(job: AlertJob): LogFields {
  const releases = job.items.flatMap((i) => i.releases);
  return {
    rule: job.rule,
    account: job.account,
    // Each release once, though two rules may list it; a burst's unlisted releases counted too.
    releases:
      new Set(releases.map((r) => r.recordId)).size +
      job.items.reduce((n, i) => n + i.totalReleases - i.releases.length, 0),
    rules: [...new Set(job.items.map((i) => i.rule ?? job.rule))],
    networkMessageIds: [...new Set(releases.map((r) => r.networkMessageId))],
    quarantineTypes: [...new Set(releases.map((r) => r.quarantineType).filter((t) => t !== ''))],
    jobId: job.jobId,
  };
}

/** Bursts by the accounts that released something this run, over their releases around it (any type, any status). */
async function burstsAmong(
  decided: readonly ReleaseView[],
  threshold: number,
  releases: ReleaseStore,
): Promise<AlertFinding[]> {
  if (threshold <= 0) return [];
  const byAccount = new Map<string, ReleaseView[]>();
  for (const view of decided) {
    const account = view.release.releasedBy;
    if (!account) continue;
    const list = byAccount.get(account);
    if (list) list.push(view);
    else byAccount.set(account, [view]);
  }
  const findings: AlertFinding[] = [];
  for (const [account, views] of byAccount) {
    // Linear in the releases (a mass release is 100,000 of them): no spread into Math.min, no nested scan.
    let first = Infinity;
    let last = -Infinity;
    for (const v of views) {
      const t = v.release.releasedAt.getTime();
      if (t < first) first = t;
      if (t > last) last = t;
    }
    const around = await releases.releasedBy(
      account,
      new Date(first - BURST_WINDOW_MS),
      new Date(last + BURST_WINDOW_MS),
    );
    const known = new Map(views.map((v) => [v.release.recordId, v]));
    const all = around.map((r) => known.get(r.recordId) ?? { release: r, message: undefined });
    const stored = new Set(around.map((r) => r.recordId));
    for (const v of views) if (!stored.has(v.release.recordId)) all.push(v);
    // A release both sources saw is one release (the listing is a second witness, not a second release).
    const counted = new Set(oneWitnessEach(all.map((v) => v.release)).map((r) => r.recordId));
    findings.push(
      ...burstFindings(
        account,
        all.filter((v) => counted.has(v.release.recordId)),
        threshold,
      ),
    );
  }
  return findings;
}
