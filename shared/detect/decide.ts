import { isMailboxAddress } from '../config/settings';
import { RELEASED_TO_ALL } from './releaseRecords';
import type { QuarantinedMessage, ReleaseEvent, ReleasedMessageFacts } from '../domain/types';
import { isAcceptedDomain } from './domains';
import type { MessageOrigin } from './origin';

// Callers of decide.ts used to find it here; it lives in domains.ts so origin.ts need not import decide.ts.
export { isAcceptedDomain } from './domains';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How long a release may wait for its snapshot row while the snapshot is known to be current. */
export const UNMATCHED_AFTER_MS = 2 * DAY_MS;
/** No quarantined message lives longer than 30 days: past that nothing can still match. */
export const PENDING_HARD_LIMIT_MS = 30 * DAY_MS;

export type SkipReason =
  | 'before-cutoff'
  | 'external-sender'
  | 'invalid-sender'
  /** The notices mailbox's own message (its sender, or an `x-qrn-` header): the product never mails itself. */
  | 'own-notice'
  /** Released to a mailbox that was not an original recipient (an admin's copy): not a delivery. */
  | 'released-to-non-recipient'
  /** The header (or the fallback) says the message came from outside, whatever its From domain. */
  | 'external-origin';

export type Decision =
  | { kind: 'notify'; sender: string; facts: ReleasedMessageFacts[] }
  | { kind: 'wait' }
  | { kind: 'unmatched'; why: string }
  | { kind: 'skip'; reason: SkipReason }
  /** Everything else holds: the message's origin decides (call again with it). */
  | { kind: 'need-origin'; sender: string };

export interface DecisionContext {
  now: Date;
  notifySince: Date;
  acceptedDomains: readonly string[];
  /** Rows received before this instant are in the snapshot (undefined: no snapshot yet). */
  snapshotWatermark: Date | undefined;
  /** NOTIFY_SENDER_MAILBOX, lower case: its own messages are never reported. */
  senderMailbox?: string;
}

/**
 * Who, if anyone, to tell about one release. Pure: the use case feeds it the release, the snapshot
 * rows for its NetworkMessageId and what it knows about the tenant, and stores the answer. Without
 * `origin` it stops at 'need-origin' once everything else allows a notice, so the (audited) header
 * is read only for releases that could be told.
 */
export function decideRelease(
  release: ReleaseEvent,
  rows: readonly QuarantinedMessage[],
  ctx: DecisionContext,
  origin?: MessageOrigin,
): Decision {
  if (release.releasedAt < ctx.notifySince) return { kind: 'skip', reason: 'before-cutoff' };
  if (rows.length === 0) {
    const waited = ctx.now.getTime() - release.releasedAt.getTime();
    const snapshotCurrent =
      ctx.snapshotWatermark !== undefined && ctx.snapshotWatermark.getTime() > release.releasedAt.getTime() + DAY_MS;
    if (waited > PENDING_HARD_LIMIT_MS || (waited > UNMATCHED_AFTER_MS && snapshotCurrent)) {
      return {
        kind: 'unmatched',
        why: `no quarantine row for NetworkMessageId ${release.networkMessageId} appeared within ${Math.round(waited / DAY_MS)} days of the release`,
      };
    }
    return { kind: 'wait' };
  }
  const sender = (rows.map((r) => r.senderAddress).find((s) => s !== '') ?? '').toLowerCase();
  if (!isMailboxAddress(sender)) return { kind: 'skip', reason: 'invalid-sender' };
  if (ctx.senderMailbox !== undefined && sender === ctx.senderMailbox.toLowerCase())
    return { kind: 'skip', reason: 'own-notice' };
  // Never mail an address outside the tenant, whatever the header says.
  if (!isAcceptedDomain(sender, ctx.acceptedDomains)) return { kind: 'skip', reason: 'external-sender' };
  const recipients = [...new Set(rows.flatMap((r) => r.recipients.map((a) => a.toLowerCase())))];
  // A copy released to another mailbox (an admin inspecting it) is not a delivery of the sender's message.
  const releasedTo =
    release.releasedTo === RELEASED_TO_ALL
      ? recipients
      : recipients.filter((a) => a === release.releasedTo.toLowerCase());
  if (releasedTo.length === 0) return { kind: 'skip', reason: 'released-to-non-recipient' };
  // Direction alone never decides: the origin (header, or the documented fallback) does.
  if (!origin) return { kind: 'need-origin', sender };
  if (origin.ownNotice) return { kind: 'skip', reason: 'own-notice' };
  if (origin.verdict !== 'internal') return { kind: 'skip', reason: 'external-origin' };
  return {
    kind: 'notify',
    sender,
    facts: releasedTo.map((to) => {
      // Prefer the copy of the recipient it was released to; all copies share sender and subject.
      const copy = rows.find((r) => r.recipients.some((a) => a.toLowerCase() === to)) ?? rows[0];
      return {
        networkMessageId: release.networkMessageId,
        subject: copy.subject,
        receivedAt: copy.receivedAt.toISOString(),
        recipients,
        releasedTo: to,
        releasedBy: release.releasedBy,
        releasedAt: release.releasedAt.toISOString(),
        quarantineType: copy.quarantineType,
        policyName: copy.policyName,
      };
    }),
  };
}
