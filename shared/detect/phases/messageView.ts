import type { MessageView } from '../../alerts/rules';
import type { QuarantinedMessage } from '../../domain/types';
import { isAcceptedDomain } from '../domains';
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
  const came = origin
    ? `${origin.verdict === 'internal' ? 'inside the organisation' : 'outside the organisation'} (${origin.source}: ${origin.rule})`
    : sender && isAcceptedDomain(sender, acceptedDomains)
      ? `not checked (sender in an accepted domain; Direction says ${first.direction || 'nothing'})`
      : `outside the organisation (sender domain not accepted; Direction says ${first.direction || 'nothing'})`;
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
