import type { MessageView } from '../../alerts/rules';
import type { QuarantinedMessage } from '../../domain/types';
import { describeOrigin } from '../../email/originWords';
import type { MessageOrigin } from '../origin';

/** What the alert email says about the message: the snapshot's facts and where it came from. */
export function messageView(
  rows: readonly QuarantinedMessage[],
  origin: MessageOrigin | undefined,
  acceptedDomains: readonly string[],
): MessageView | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const sender = rows.map((r) => r.senderAddress).find((s) => s !== '') ?? '';
  const recipients = [...new Set(rows.flatMap((r) => r.recipients.map((a) => a.toLowerCase())))];
  // Plain words for the alert; the rule code stays in the log line resolveOrigin writes.
  const came = describeOrigin(origin, { sender, acceptedDomains });
  return {
    sender,
    recipients,
    subject: first.subject,
    receivedAt: first.receivedAt.toISOString(),
    quarantineType: first.quarantineType,
    policyName: first.policyName,
    origin: came,
  };
}
