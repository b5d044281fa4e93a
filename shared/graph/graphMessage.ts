import { isMailboxAddress } from '../config/settings';
import type { ComposedEmail } from '../email/compose';
import { MalformedJobError } from '../jobs/notificationJob';

/** The `message` of a Graph `POST /users/{id}/sendMail` request body. */
export interface GraphMessage {
  subject: string;
  body: { contentType: 'HTML'; content: string };
  toRecipients: Array<{ emailAddress: { address: string } }>;
  internetMessageHeaders: Array<{ name: string; value: string }>;
}

/** The Graph sendMail `message`. Re-checks the one-line rules, so a hand-built email cannot break them. */
export function toGraphMessage(email: ComposedEmail): GraphMessage {
  for (const to of [email.to, ...(email.alsoTo ?? [])]) {
    if (!isMailboxAddress(to)) throw new MalformedJobError(`Recipient ${JSON.stringify(to).slice(0, 80)} is not a mailbox address.`);
  }
  if (/[\r\n]/.test(email.subject)) throw new MalformedJobError('The subject line contains a line break.');
  for (const h of email.headers) {
    if (!/^x-[a-z0-9-]+$/i.test(h.name)) throw new MalformedJobError(`Header name ${JSON.stringify(h.name).slice(0, 80)} is not a custom x- header.`);
    if (/[\r\n\u0000-\u001f\u007f]/.test(h.value)) throw new MalformedJobError(`Header ${h.name} has a control character or line break in its value.`);
  }
  return {
    subject: email.subject,
    body: { contentType: 'HTML', content: email.html },
    toRecipients: [email.to, ...(email.alsoTo ?? [])].map((address) => ({ emailAddress: { address } })),
    internetMessageHeaders: email.headers.map((h) => ({ name: h.name, value: h.value })),
  };
}
