import { isMailboxAddress, MAX_LISTED_RECIPIENTS } from '../config/settings';
import type { ComposedEmail, InlineImage } from '../email/compose';
import { MalformedJobError } from '../jobs/notificationJob';

/** A Graph fileAttachment shown inline (reference section 3): referenced as cid:<contentId> in the HTML body. */
export interface GraphInlineAttachment {
  '@odata.type': '#microsoft.graph.fileAttachment';
  name: string;
  contentType: string;
  contentBytes: string;
  contentId: string;
  isInline: true;
}

/** The `message` of a Graph `POST /users/{id}/sendMail` request body. */
export interface GraphMessage {
  subject: string;
  body: { contentType: 'HTML'; content: string };
  toRecipients: Array<{ emailAddress: { address: string } }>;
  internetMessageHeaders: Array<{ name: string; value: string }>;
  attachments?: GraphInlineAttachment[];
}

/** Graph takes about 4 MB per sendMail request; base64 adds a third, so the images stay well under. */
export const MAX_INLINE_BYTES = 2_500_000;
const MAX_INLINE_IMAGES = 20;
/** Content-IDs are ours (chart names); anything else could break out of the cid: reference or the MIME header. */
const CONTENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$/;

function inlineAttachments(images: readonly InlineImage[]): GraphInlineAttachment[] {
  if (images.length > MAX_INLINE_IMAGES)
    throw new MalformedJobError(`${images.length} inline images; at most ${MAX_INLINE_IMAGES}.`);
  const total = images.reduce((sum, image) => sum + image.bytes.length, 0);
  if (total > MAX_INLINE_BYTES)
    throw new MalformedJobError(`Inline images of ${total} bytes; at most ${MAX_INLINE_BYTES} in one email.`);
  const ids = new Set<string>();
  return images.map((image) => {
    if (!CONTENT_ID.test(image.contentId) || ids.has(image.contentId.toLowerCase()))
      throw new MalformedJobError(
        `Inline image content id ${JSON.stringify(image.contentId).slice(0, 80)} is malformed or repeated.`,
      );
    if (!FILE_NAME.test(image.name))
      throw new MalformedJobError(
        `Inline image name ${JSON.stringify(image.name).slice(0, 80)} is not a plain file name.`,
      );
    if (image.contentType !== 'image/png') throw new MalformedJobError('Inline images must be PNG.');
    ids.add(image.contentId.toLowerCase());
    return {
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: image.name,
      contentType: image.contentType,
      contentBytes: image.bytes.toString('base64'),
      contentId: image.contentId,
      isInline: true,
    };
  });
}

/** The Graph sendMail `message`. Re-checks the one-line rules, so a hand-built email cannot break them. */
export function toGraphMessage(email: ComposedEmail): GraphMessage {
  const to = [email.to, ...(email.moreTo ?? [])];
  if (to.length > MAX_LISTED_RECIPIENTS)
    throw new MalformedJobError(`${to.length} recipients; at most ${MAX_LISTED_RECIPIENTS}.`);
  for (const address of to) {
    if (!isMailboxAddress(address))
      throw new MalformedJobError(`Recipient ${JSON.stringify(address).slice(0, 80)} is not a mailbox address.`);
  }
  if (/[\r\n]/.test(email.subject)) throw new MalformedJobError('The subject line contains a line break.');
  for (const h of email.headers) {
    if (!/^x-[a-z0-9-]+$/i.test(h.name))
      throw new MalformedJobError(`Header name ${JSON.stringify(h.name).slice(0, 80)} is not a custom x- header.`);
    if (/[\r\n\u0000-\u001f\u007f]/.test(h.value))
      throw new MalformedJobError(`Header ${h.name} has a control character or line break in its value.`);
  }
  // Each mailbox once, in its first spelling (the same address twice would be two deliveries).
  const seen = new Set<string>();
  const unique = to.filter((address) => !seen.has(address.toLowerCase()) && seen.add(address.toLowerCase()));
  const message: GraphMessage = {
    subject: email.subject,
    body: { contentType: 'HTML', content: email.html },
    toRecipients: unique.map((address) => ({ emailAddress: { address } })),
    internetMessageHeaders: email.headers.map((h) => ({ name: h.name, value: h.value })),
  };
  if (email.inlineImages && email.inlineImages.length > 0) message.attachments = inlineAttachments(email.inlineImages);
  return message;
}
