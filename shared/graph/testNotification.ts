import { randomUUID } from 'node:crypto';
import { requireSenderMailbox } from '../config/settings';
import type { Clock } from '../domain/clock';
import { composeNotification } from '../email/compose';
import { makeJob } from '../jobs/notificationJob';
import type { Settings } from '../config/settings';
import type { Mailer } from '../notify/ports';

/** What a test notification uses: the settings, a mailer and the clock (the invented release's times). */
export type TestNotificationPorts = { settings: Settings; mailer: Pick<Mailer, 'send'>; clock: Clock };

/**
 * Sends one notification as a sender would get it, about an invented release, straight through
 * Graph: it proves Mail.Send for the mailbox and shows the email, and touches no ledger.
 */
export async function sendTestNotification(runtime: TestNotificationPorts, to: string): Promise<string> {
  const mailbox = requireSenderMailbox(runtime.settings);
  const now = runtime.clock.now();
  const job = makeJob(to, [
    {
      networkMessageId: randomUUID(),
      subject: 'Test notification from quarantine-release-notifier',
      receivedAt: new Date(now.getTime() - 3_600_000).toISOString(),
      recipients: ['someone@fabrikam.example'],
      releasedTo: 'someone@fabrikam.example',
      releasedBy: 'the doctor',
      releasedAt: now.toISOString(),
      quarantineType: 'TransportRule',
      policyName: 'This is a test: nothing was really held',
    },
  ]);
  const email = composeNotification(job, runtime.settings.template);
  const marker = `qrn-doctor-${randomUUID()}`;
  const answer = await runtime.mailer.send(mailbox, email, {
    saveToSentItems: runtime.settings.notifySaveToSentItems,
    marker,
  });
  if (answer.outcome === 'refused') throw new Error(answer.reason);
  if (answer.outcome === 'unknown')
    throw new Error(
      `The test notification's outcome is unknown (${answer.reason}): look in ${mailbox}'s Sent Items and ${to}'s inbox.`,
    );
  return `${mailbox} sent a test notification to ${to} (Graph accepted it; delivery can take a minute)`;
}
