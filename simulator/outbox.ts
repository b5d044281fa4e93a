/**
 * Turns what the simulated Graph received (sim.sentMail) into files a person can open: an RFC 5322
 * `.eml` for a mail client and the `.html` body as sent, for a browser.
 *
 * The pure part (toEml, fileNameFor, orderForOutbox) does not trust the mail it is given: header
 * values are cut to one line (no CR, LF or other control characters) and RFC 2047-encoded when they
 * are not plain ASCII, addresses lose anything that could end a header or an address, file names
 * keep only safe characters. writeOutbox does the I/O.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphRecipient, SentMail } from './tenant';

export const CRLF = '\r\n';
/** RFC 5322: lines SHOULD stay within 78 characters and MUST within 998. */
const SOFT_LINE = 78;
const HARD_LINE = 998;
/** UTF-8 bytes per encoded word: "=?UTF-8?B?" + 56 base64 characters + "?=" is 68 characters. */
const ENCODED_WORD_BYTES = 42;
const BASE64_LINE = 76;
/** What writeOutbox clears before writing: the files it writes, nothing else. */
const OUTBOX_FILE = /^\d{2,}-[A-Za-z0-9@._-]*\.(eml|html)$/;

/** A header value on one line: CR, LF, other control characters and line/paragraph separators become spaces. */
export function oneLine(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Whether an unstructured value can go into a header as it is (printable ASCII, not mistakable for an encoded word). */
function isPlainAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value) && !value.includes('=?');
}

/** RFC 2047 B-encoded words of at most ENCODED_WORD_BYTES bytes each, never splitting a character. */
export function encodedWords(value: string): string[] {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > ENCODED_WORD_BYTES && chunk !== '') {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk !== '' || words.length === 0) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`);
}

/**
 * One header field, folded: `Name: value` with continuation lines starting with a space. Plain
 * ASCII values are folded at spaces; anything else (or a word too long for a line) is encoded.
 */
export function headerField(name: string, value: string): string {
  const clean = oneLine(value);
  const tokens =
    isPlainAscii(clean) && clean.split(' ').every((t) => t.length <= HARD_LINE - name.length - 2)
      ? clean.split(' ')
      : encodedWords(clean);
  const lines: string[] = [];
  let line = `${name}:`;
  for (const token of tokens) {
    if (line.length + 1 + token.length > SOFT_LINE && line.length > name.length + 1) {
      lines.push(line);
      line = '';
    }
    line += ` ${token}`;
  }
  lines.push(line);
  return lines.join(CRLF);
}

/** An addr-spec with nothing that could end it, the header or the line. */
export function safeAddress(address: string): string {
  return oneLine(address).replace(/[\s<>(),;:"\\[\]]/g, '');
}

/** `address` or `"Display Name" <address>`; a non-ASCII name is RFC 2047-encoded. */
function mailbox(recipient: GraphRecipient): string {
  const address = safeAddress(recipient.emailAddress.address);
  const name = oneLine(recipient.emailAddress.name ?? '');
  if (name === '') return address;
  const phrase = isPlainAscii(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : encodedWords(name).join(' ');
  return `${phrase} <${address}>`;
}

/** An address-list header, folded after commas. */
function addressField(name: string, recipients: readonly GraphRecipient[]): string {
  const items = recipients.map(mailbox).filter((item) => item !== '');
  const lines: string[] = [];
  let line = `${name}:`;
  items.forEach((item, index) => {
    const text = index < items.length - 1 ? `${item},` : item;
    if (line.length + 1 + text.length > SOFT_LINE && line.length > name.length + 1) {
      lines.push(line);
      line = '';
    }
    line += ` ${text}`;
  });
  lines.push(line);
  return lines.join(CRLF);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time in UTC, e.g. `Tue, 21 Aug 2026 09:15:42 +0000`. */
export function rfc5322Date(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function domainOf(address: string): string {
  const domain = address
    .slice(address.lastIndexOf('@') + 1)
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '');
  return domain === '' ? 'localhost' : domain;
}

/** Base64 in lines of 76 characters. */
function base64Lines(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += BASE64_LINE) lines.push(encoded.slice(i, i + BASE64_LINE));
  return lines.join(CRLF);
}

/**
 * The email as an RFC 5322 message with CRLF line endings: From the sending mailbox, To (and Cc,
 * Reply-To when set), Subject, Date (when Graph accepted it), Message-ID, MIME headers, the custom
 * x- headers the product sent, and the body base64-encoded.
 */
export function toEml(mail: SentMail): string {
  const message = mail.message;
  const from = safeAddress(mail.mailbox);
  const html = (message.body?.contentType ?? 'HTML').toLowerCase() !== 'text';
  const content = message.body?.content ?? '';
  const id = createHash('sha256')
    .update(
      [
        from,
        mail.at.toISOString(),
        message.subject ?? '',
        ...(message.toRecipients ?? []).map((r) => r.emailAddress.address),
      ].join('\n'),
    )
    .digest('hex')
    .slice(0, 32);

  const headers: string[] = [headerField('From', from), addressField('To', message.toRecipients ?? [])];
  if (message.ccRecipients && message.ccRecipients.length > 0) headers.push(addressField('Cc', message.ccRecipients));
  if (message.replyTo && message.replyTo.length > 0) headers.push(addressField('Reply-To', message.replyTo));
  headers.push(
    headerField('Subject', message.subject ?? ''),
    headerField('Date', rfc5322Date(mail.at)),
    headerField('Message-ID', `<${id}@${domainOf(from)}>`),
  );
  for (const header of message.internetMessageHeaders ?? []) {
    // Graph only takes x- headers; a name that is not a plain token is left out, never repaired.
    if (!/^x-[A-Za-z0-9-]{1,76}$/i.test(header.name)) continue;
    headers.push(headerField(header.name, header.value));
  }
  headers.push(
    headerField('MIME-Version', '1.0'),
    headerField('Content-Type', `${html ? 'text/html' : 'text/plain'}; charset=utf-8`),
    headerField('Content-Transfer-Encoding', 'base64'),
  );
  return `${headers.join(CRLF)}${CRLF}${CRLF}${base64Lines(content)}${CRLF}`;
}

/** The body as Graph received it: HTML as is; plain text wrapped in a minimal escaped page. */
export function bodyFile(mail: SentMail): string {
  const body = mail.message.body;
  if (!body || body.contentType.toLowerCase() !== 'text') return body?.content ?? '';
  const escaped = body.content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE html>\n<meta charset="utf-8">\n<pre>${escaped}</pre>\n`;
}

/** The first recipient: in this product, the original sender being told. */
export function recipientOf(mail: SentMail): string {
  return safeAddress(mail.message.toRecipients?.[0]?.emailAddress.address ?? '');
}

/** Lower-case ASCII words of `text` joined by hyphens, at most `max` characters, cut at a hyphen. */
export function slug(text: string, max = 48): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (words.length <= max) return words;
  const cut = words.slice(0, max + 1);
  const at = cut.lastIndexOf('-');
  return (at > 0 ? cut.slice(0, at) : words.slice(0, max)).replace(/-+$/g, '');
}

/**
 * `NN-<recipient>-<subject slug>.<extension>`, NN counting from 1. Only [A-Za-z0-9@._-] survive,
 * so no value can name a folder, a hidden file or a device.
 */
export function fileNameFor(index: number, mail: SentMail, extension: 'eml' | 'html'): string {
  const number = String(index).padStart(2, '0');
  const who =
    recipientOf(mail)
      .toLowerCase()
      .replace(/[^a-z0-9@._-]+/g, '-')
      .replace(/^[.-]+/, '')
      .slice(0, 64) || 'unknown';
  const about = slug(oneLine(mail.message.subject ?? '')) || 'no-subject';
  return `${number}-${who}-${about}.${extension}`;
}

/** A stable order, whatever order the sends finished in: by recipient, then subject, then time. */
export function orderForOutbox(mails: readonly SentMail[]): SentMail[] {
  const key = (mail: SentMail): string => `${recipientOf(mail).toLowerCase()}\u0000${mail.message.subject ?? ''}`;
  return [...mails].sort((a, b) => key(a).localeCompare(key(b)) || a.at.getTime() - b.at.getTime());
}

export interface WrittenEmail {
  to: string;
  subject: string;
  eml: string;
  html: string;
}

/**
 * Writes every mail as NN-....eml and NN-....html into `dir` (created if missing), after deleting
 * the files an earlier run wrote there. Returns the paths, in the order written.
 */
export async function writeOutbox(dir: string, mails: readonly SentMail[]): Promise<WrittenEmail[]> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) if (OUTBOX_FILE.test(name)) await unlink(join(dir, name));
  const written: WrittenEmail[] = [];
  for (const [index, mail] of orderForOutbox(mails).entries()) {
    const eml = join(dir, fileNameFor(index + 1, mail, 'eml'));
    const html = join(dir, fileNameFor(index + 1, mail, 'html'));
    await writeFile(eml, toEml(mail));
    await writeFile(html, bodyFile(mail));
    written.push({ to: recipientOf(mail), subject: oneLine(mail.message.subject ?? ''), eml, html });
  }
  return written;
}
