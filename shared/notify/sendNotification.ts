/**
 * The sending use case: one NotificationJob becomes at most one email to its sender.
 *
 * Exactly once, as far as Graph allows:
 * - Each release is claimed in the ledger before anything is sent. A release already told, or
 *   claimed by another live delivery (a duplicate job, or another job reporting the same release),
 *   is dropped from this email. Only what this delivery claimed is composed and sent.
 * - A retry of the same queue message finds its own claims and carries on.
 * - The crash window: if the process dies after Graph accepted the message (202) and before
 *   markSent, the retry finds its own claim and SENDS AGAIN. Graph sendMail has no idempotency key,
 *   and losing a notice is worse than one duplicate, so this narrow window is at-least-once.
 *
 * Dry run (NOTIFY_DRY_RUN): nothing is sent; the would-be email is logged (recipient, subject,
 * NetworkMessageIds; never the body) and its releases are recorded as told with DryRun=true. So
 * switching dry run off later does not suddenly mail everything the dry run saw; only releases
 * detected after that are mailed. To mail them after all, delete their NotificationLedger rows.
 */
import { SettingsError, type NotifyTemplateSettings } from '../config/settings';
import type { ReleasedMessageFacts } from '../domain/types';
import { composeNotification } from '../email/compose';
import { ledgerKey, type NotificationJob } from '../jobs/notificationJob';
import type { Logger } from '../log/logger';
import type { ClaimOwner, ClaimResult, Mailer, NotificationLedger, SendPacer } from './ports';
import { messageOf } from '../log/errors';

export interface SendDeps {
  ledger: NotificationLedger;
  mailer: Mailer;
  pacing: SendPacer;
  /** NOTIFY_SENDER_MAILBOX; only a dry run may go without it. */
  senderMailbox: string | undefined;
  saveToSentItems: boolean;
  dryRun: boolean;
  template: NotifyTemplateSettings;
  log: Logger;
  timeZone?: string;
}

export interface SendOutcome {
  jobId: string;
  /** An email went to Graph (never in a dry run). */
  sent: boolean;
  /** Releases this job reported (or, in a dry run, recorded as told). */
  told: number;
  /** Releases dropped because their sender had been told already. */
  alreadyTold: number;
  /** Releases dropped because another live delivery holds them. */
  ownedElsewhere: number;
  dryRun: boolean;
}

/**
 * `deliveryId` names this delivery of the job: the queue message id, so the queue's retries of a
 * message find their own claims. Without one (a direct call) the delivery is the job itself.
 */
export async function sendNotification(job: NotificationJob, deps: SendDeps, deliveryId: string = job.jobId): Promise<SendOutcome> {
  const { ledger, log } = deps;
  const owner: ClaimOwner = { jobId: job.jobId, deliveryId };
  if (!deps.dryRun && !deps.senderMailbox) {
    throw new SettingsError('Setting NOTIFY_SENDER_MAILBOX is missing: expected the mailbox notifications are sent from, such as quarantine-notices@contoso.com.');
  }
  // Compose the whole job once before claiming anything: a malformed job fails here, holding no claims.
  composeNotification(job, deps.template, { timeZone: deps.timeZone });

  const outcome: SendOutcome = { jobId: job.jobId, sent: false, told: 0, alreadyTold: 0, ownedElsewhere: 0, dryRun: deps.dryRun };
  const claimed: Array<{ release: ReleasedMessageFacts; etag: string }> = [];
  for (const release of uniqueReleases(job.releases)) {
    const result = await ledger.claim(release, owner);
    const about = `job ${job.jobId}: release of ${release.networkMessageId} to ${release.releasedTo}`;
    if (result.kind === 'claimed') {
      if (result.takenOverFrom) log.warn(`${about}: took over a stale claim of job ${result.takenOverFrom.jobId} from ${iso(result.takenOverFrom.claimedAt)}`);
      claimed.push({ release, etag: result.etag });
    } else {
      log.info(`${about}: ${dropReason(result)}; not in this email`);
      if (result.kind === 'alreadyTold') outcome.alreadyTold++;
      else outcome.ownedElsewhere++;
    }
  }
  if (claimed.length === 0) {
    log.info(`job ${job.jobId}: nothing left to tell ${job.sender}`);
    return outcome;
  }

  const email = composeNotification({ ...job, releases: claimed.map((c) => c.release) }, deps.template, { timeZone: deps.timeZone });
  const ids = [...new Set(claimed.map((c) => c.release.networkMessageId))].join(',');
  if (deps.dryRun) {
    log.info(`dry run: job ${job.jobId} would send "${email.subject}" to ${email.to} from ${deps.senderMailbox ?? '(NOTIFY_SENDER_MAILBOX not set)'} about ${ids}; recorded as told (DryRun)`);
    for (const c of claimed) await ledger.markSent(c.release, owner, c.etag, { dryRun: true });
    outcome.told = claimed.length;
    return outcome;
  }

  const mailbox = deps.senderMailbox as string;
  await deps.pacing.run(mailbox, () => deps.mailer.send(mailbox, email, deps.saveToSentItems));
  outcome.sent = true;
  outcome.told = claimed.length;
  log.info(`job ${job.jobId}: sent "${email.subject}" to ${email.to} from ${mailbox} about ${ids}`);

  for (const c of claimed) {
    try {
      await ledger.markSent(c.release, owner, c.etag);
    } catch (error) {
      // Not rethrown: the email is out, and a rethrow makes the queue retry, which would send it again.
      // Left as a claim, the release is only mailed again if another job reports it after the claim goes stale.
      log.error(`job ${job.jobId}: sent, but recording ${ledgerKey(c.release)} as told failed: ${messageOf(error)}`);
    }
  }
  return outcome;
}

/** One entry per ledger key: a job listing the same release twice still claims it once. */
function uniqueReleases(releases: readonly ReleasedMessageFacts[]): ReleasedMessageFacts[] {
  const byKey = new Map<string, ReleasedMessageFacts>();
  for (const release of releases) if (!byKey.has(ledgerKey(release))) byKey.set(ledgerKey(release), release);
  return [...byKey.values()];
}

function dropReason(result: Exclude<ClaimResult, { kind: 'claimed' }>): string {
  const entry = result.entry;
  if (result.kind === 'alreadyTold') return `already told (job ${entry.jobId} at ${iso(entry.sentAt)}${entry.dryRun ? ', by a dry run' : ''})`;
  return `claimed by job ${entry.jobId} (delivery ${entry.deliveryId}) at ${iso(entry.claimedAt)}, which is still live`;
}

function iso(date: Date | undefined): string {
  return date ? date.toISOString() : 'an unknown time';
}
