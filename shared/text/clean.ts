/**
 * Outside text, cleaned once where it enters (audit records, quarantine rows, header values, settings),
 * so every renderer after it (HTML, plain text, SVG charts, log lines, table keys) can take it as it is:
 * no C0/C1 controls, no non-characters, no lone surrogates, no bidi controls or default-ignorables.
 * Addresses are compared on their NFKC, lower-cased form; one that NFKC changes is not a plain address.
 */
import { CONTROL_SOURCE, INVISIBLE_SOURCE } from './invisible';

const CONTROL = new RegExp(`[${CONTROL_SOURCE}]`, 'gu');
const DROPPED = new RegExp(`[${INVISIBLE_SOURCE}]`, 'gu');
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Any outside value as clean text: non-strings become '', controls (tabs, line breaks included) a
 * space, lone surrogates U+FFFD, and non-characters and invisible characters are dropped. Idempotent.
 * With `max`, cut to at most that many UTF-16 units without splitting a pair. Linear in the input.
 */
export function cleanText(value: unknown, max?: number): string {
  if (typeof value !== 'string') return '';
  const clean = value.replace(LONE, '\ufffd').replace(CONTROL, ' ').replace(DROPPED, '');
  return max === undefined ? clean : cutText(clean, max);
}

/** Cuts to at most `max` UTF-16 units without leaving half a surrogate pair behind. */
export function cutText(value: string, max: number): string {
  if (value.length <= max) return value;
  const end = max > 0 && /[\ud800-\udbff]/.test(value[max - 1]) ? max - 1 : max;
  return value.slice(0, end);
}

/** The same as isMailboxAddress in settings, Unicode-aware: one domain label set, no controls, no spaces. */
const MAILBOX = /^[^\s@<>",;:\\()[\]\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/iu;

/**
 * The form an address is compared and keyed on: cleaned, trimmed, NFKC, lower case. Undefined when it
 * is not a plain mailbox address, or when NFKC would change it (the Kelvin sign K, fullwidth letters):
 * such an address is no mailbox Exchange delivers to, and keying it on its folded form would make it
 * another user's address ("\u212Aim@" would become "kim@", who would then count as already told).
 */
export function plainAddress(value: unknown): string | undefined {
  const clean = cleanText(value).trim();
  if (clean === '' || clean.length > 320) return undefined;
  // Compared before lower-casing: toLowerCase alone already turns the Kelvin sign into "k".
  if (clean.normalize('NFKC') !== clean) return undefined;
  const folded = clean.toLowerCase();
  return MAILBOX.test(folded) ? folded : undefined;
}

/**
 * The key of an address-like outside value (ledger items): cleaned, lower case. A value NFKC would
 * change gets a form no address can take (it holds a space), so a look-alike never shares a real
 * address's key. Built from cleaned text only; the same input always gives the same key.
 */
export function addressKey(value: unknown): string {
  const clean = cleanText(value).trim();
  if (clean.normalize('NFKC') === clean) return clean.toLowerCase();
  return `~nfkc ${[...clean].map((c) => (c.codePointAt(0) ?? 0).toString(16)).join('.')}`;
}
