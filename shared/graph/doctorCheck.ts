import { randomUUID } from 'node:crypto';
import { isAcceptedDomain } from '../detect/decide';
import { tokenFor, type DoctorCheck, type DoctorContext } from '../checks/check';
import { sendTestNotification, type TestNotificationPorts } from './testNotification';
import type { Mailer } from '../notify/ports';

function needsMailbox(ctx: DoctorContext): string[] {
  return ctx.settings.notifySenderMailbox ? [] : ['NOTIFY_SENDER_MAILBOX'];
}

/** The sender mailbox: in an accepted domain, and (with a test address) able to send: Mail.Send. */
export const senderMailboxCheck: DoctorCheck<TestNotificationPorts> = {
  name: 'sender mailbox',
  needs: (ctx) => [...needsMailbox(ctx), ...(ctx.sendTestTo ? tokenFor(ctx, 'Microsoft Graph') : [])],
  run: async (ctx) => {
    const address = ctx.settings.notifySenderMailbox ?? '';
    const domains = ctx.facts.domains;
    if (domains.length > 0 && !isAcceptedDomain(address, domains)) {
      throw new Error(
        `NOTIFY_SENDER_MAILBOX ${address} is not in one of the tenant's accepted domains (${domains.join(', ')}).`,
      );
    }
    if (!ctx.sendTestTo)
      return `${address} (Mail.Send is proven only by sending: run the doctor with a test address, --send-test-to you@yourdomain locally or "sendTestTo" in production)`;
    return sendTestNotification(ctx.runtime, ctx.sendTestTo);
  },
};

/** Sent Items: how a send whose answer was lost is found instead of repeated (Application Mail.Read). */
export const sentItemsCheck: DoctorCheck<{ mailer: Pick<Mailer, 'findSent'> }> = {
  name: 'sent items (exactly once after a lost answer)',
  needs: (ctx) => [
    ...needsMailbox(ctx),
    ...ctx.broken('NOTIFY_SAVE_TO_SENT_ITEMS'),
    ...tokenFor(ctx, 'Microsoft Graph'),
  ],
  run: async ({ settings, runtime }) => {
    const address = settings.notifySenderMailbox ?? '';
    if (!settings.notifySaveToSentItems) {
      throw new Error(
        'NOTIFY_SAVE_TO_SENT_ITEMS is false: a send whose answer was lost is sent again unchecked (at-least-once). Set it to true.',
      );
    }
    const found = await runtime.mailer.findSent(address, `qrn-doctor-${randomUUID()}`);
    if (found === 'cannotRead') {
      throw new Error(
        `The app cannot read the Sent Items of ${address}, so a send whose answer was lost is sent again unchecked (at-least-once). ` +
          `Grant it: New-ManagementRoleAssignment -App <service principal> -Role 'Application Mail.Read' -CustomResourceScope <the scope used for Mail.Send> ` +
          '(infra/grant-permissions.ps1 does this; changes take up to an hour).',
      );
    }
    return `the app can look up its notifications in the Sent Items of ${address} (Application Mail.Read)`;
  },
};
