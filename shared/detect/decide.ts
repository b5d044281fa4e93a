import { isMailboxAddress } from '../config/settings';
import type { QuarantinedMessage, ReleaseEvent, ReleasedMessageFacts } from '../domain/types';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How long a release may wait for its snapshot row while the snapshot is known to be current. */
export const UNMATCHED_AFTER_MS = 2 * DAY_MS;
/** No quarantined message lives longer than 30 days: past that nothing can still match. */
export const PENDING_HARD_LIMIT_MS = 30 * DAY_MS;

export type SkipReason = 'before-cutoff' | 'external-sender' | 'invalid-sender' | 'inbound';

export type Decision =
  | { kind: 'notify'; sender: string; facts: ReleasedMessageFacts }
  | { kind: 'wait' }
  | { kind: 'unmatched'; why: string }
  | { kind: 'skip'; reason: SkipReason };

export interface DecisionContext {
  now: Date;
  notifySince: Date;
  acceptedDomains: readonly string[];
  /** Rows received before this instant are in the snapshot (undefined: no snapshot yet). */
  snapshotWatermark: Date | undefined;
}

/** Accepted domains match exactly; a "*.contoso.com" entry also matches its subdomains. */
export function isAcceptedDomain(address: string, domains: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domains.some((d) => {
    const accepted = d.toLowerCase();
    if (accepted.startsWith('*.')) return domain === accepted.slice(2) || domain.endsWith(accepted.slice(1));
    return domain === accepted;
  });
}

/**
 * Who, if anyone, to tell about one release. Pure: the use case feeds it the release, the snapshot
 * rows for its NetworkMessageId and what it knows about the tenant, and stores the answer.
 */
export function decideRelease(release: ReleaseEvent, rows: readonly QuarantinedMessage[], ctx: DecisionContext): Decision {
  if (release.releasedAt < ctx.notifySince) return { kind: 'skip', reason: 'before-cutoff' };
  if (rows.length === 0) {
    const waited = ctx.now.getTime() - release.releasedAt.getTime();
    const snapshotCurrent = ctx.snapshotWatermark !== undefined && ctx.snapshotWatermark.getTime() > release.releasedAt.getTime() + DAY_MS;
    if (waited > PENDING_HARD_LIMIT_MS || (waited > UNMATCHED_AFTER_MS && snapshotCurrent)) {
      return { kind: 'unmatched', why: `no quarantine row for NetworkMessageId ${release.networkMessageId} appeared within ${Math.round(waited / DAY_MS)} days of the release` };
    }
    return { kind: 'wait' };
  }
  // Prefer the recipient copy that was released; all copies share sender and subject.
  const copy = rows.find((r) => r.recipients.some((a) => a.toLowerCase() === release.releasedTo)) ?? rows[0];
  const sender = rows.map((r) => r.senderAddress).find((s) => s !== '') ?? '';
  if (!isMailboxAddress(sender)) return { kind: 'skip', reason: 'invalid-sender' };
  // Direction has been seen wrong ("Outbound" on inbound mail), so the sender's domain decides;
  // an explicit "Inbound" still wins, so a spoofed internal sender on inbound mail is not told.
  if (!isAcceptedDomain(sender, ctx.acceptedDomains)) return { kind: 'skip', reason: 'external-sender' };
  if (rows.every((r) => r.direction.toLowerCase() === 'inbound')) return { kind: 'skip', reason: 'inbound' };
  const recipients = [...new Set(rows.flatMap((r) => r.recipients.map((a) => a.toLowerCase())))];
  return {
    kind: 'notify',
    sender: sender.toLowerCase(),
    facts: {
      networkMessageId: release.networkMessageId,
      subject: copy.subject,
      receivedAt: copy.receivedAt.toISOString(),
      recipients,
      releasedTo: release.releasedTo,
      releasedBy: release.releasedBy,
      releasedAt: release.releasedAt.toISOString(),
      quarantineType: copy.quarantineType,
      policyName: copy.policyName,
    },
  };
}
