/**
 * Cleaning of untrusted text before it goes into a subject line, a header or a body. Everything that
 * comes from Exchange, the audit log or the queue is untrusted: a quarantined message's subject is
 * chosen by whoever wrote it.
 */

import { invisibleCharacters, LONE_SURROGATE } from '../text/invisible';

/** Characters that end a line somewhere: they become a space, never survive. */
const LINE_LIKE = /[\t\n\u000b\f\r\u0085\u2028\u2029]/g;

/** C0 and C1 controls (what is left of them once line breaks became spaces). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Invisible characters that can hide or reorder text: every default-ignorable code point (zero-width
 * characters, bidi marks, embeddings, overrides and isolates, tag characters, variation selectors,
 * Hangul and Khmer fillers) and blank fillers such as U+2800. See shared/text/invisible.ts.
 */
const INVISIBLE = invisibleCharacters();

/** The longest original subject put into the subject line, in code points, ellipsis included. */
export const MAX_SUBJECT_CHARS = 80;

export const ELLIPSIS = '\u2026';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Length in code points (a surrogate pair counts once). */
export function codePointLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Length in UTF-16 code units: the stricter measure (never less than the code-point length). */
export function codeUnitLength(value: string): number {
  return value.length;
}

/**
 * One line of display text: line breaks and tabs become spaces, control and invisible characters go,
 * whitespace collapses, ends are trimmed. The result never contains CR or LF.
 */
export function cleanInline(value: string): string {
  return value
    .replace(LINE_LIKE, ' ')
    .replace(CONTROL, '')
    .replace(INVISIBLE, '')
    .replace(LONE_SURROGATE, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Multi-line plain text (an admin's intro or footer): each line cleaned like cleanInline, line breaks
 * kept as "\n", runs of blank lines reduced to one.
 */
export function cleanMultiline(value: string): string {
  return value
    .replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')
    .split('\n')
    .map(cleanInline)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Cuts `value` to at most `max` (as measured) with an ellipsis. Cuts between grapheme clusters, so an
 * emoji, a flag or a letter with its accents is never split, and therefore never a surrogate pair.
 */
export function truncate(value: string, max: number, measure: (s: string) => number = codePointLength): string {
  if (measure(value) <= max) return value;
  const budget = max - measure(ELLIPSIS);
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(value)) {
    const size = measure(segment);
    if (used + size > budget) break;
    kept += segment;
    used += size;
  }
  if (kept === '') kept = truncateCodePoints(value, budget, measure);
  return kept.trimEnd() + ELLIPSIS;
}

/** Fallback for one enormous grapheme (a letter with hundreds of combining marks). */
function truncateCodePoints(value: string, budget: number, measure: (s: string) => number): string {
  let kept = '';
  let used = 0;
  for (const codePoint of value) {
    const size = measure(codePoint);
    if (used + size > budget) break;
    kept += codePoint;
    used += size;
  }
  return kept;
}

/** Text for one table cell or text line: cleaned and bounded, so one field cannot swamp the email. */
export function displayText(value: string, max = 256): string {
  return truncate(cleanInline(value), max);
}

// ---------------------------------------------------------------------------------------------------
// Defanging: outside text that mail clients would turn into a link (a subject, a policy name) is shown
// so that no client recognises a URL, a domain or an address in it any more, the way security teams
// write indicators: `https://a.evil.example/x` -> `hxxps://a[.]evil[.]example/x`.

/** A scheme followed by `://` (http, https, ftp, ...). http(s) become hxxp(s); others lose the colon. */
const SCHEME = /(?<![\p{L}\p{N}+.-])([a-z][a-z0-9+.-]{0,31}):\/\//giu;

/**
 * A dotted host name: labels of letters, digits and hyphens ending in an alphabetic top-level label of
 * two or more letters (or a punycode one). The ideographic and full-width full stops count as dots,
 * as they do for IDNA. File names such as `report.zip` match too, on purpose: `.zip` is a real TLD.
 */
// `_` and `-` next to a host do not stop it being one: clients link `paypal.com` in `login_paypal.com`
// and `evil.com` in `evil.com-`, so those are defanged too.
const DOMAIN =
  /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62})?[.\u3002\uff0e\uff61])+(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})(?![\p{L}\p{N}])/giu;

/** A dotted-quad IPv4 address. */
const IPV4 = /(?<![\p{N}.])\d{1,3}(?:\.\d{1,3}){3}(?![\p{N}])/gu;

/** An `@` between two non-space characters, as in an address (not one already in `[@]`). */
const AT = /(?<=[^\s[])@(?=[^\s\]])/g;

const DOTS = /[.\u3002\uff0e\uff61]/g;

/**
 * Defangs URLs, host names and addresses in one line of already cleaned text. The result is plain
 * text: escape it like any other value. Idempotent: defanged text is left as it is.
 */
export function defang(value: string): string {
  return value
    .replace(SCHEME, (whole, scheme: string) => {
      if (/^hxxps?$/i.test(scheme)) return whole;
      if (/^https?$/i.test(scheme)) return `${scheme.replace(/t/g, 'x').replace(/T/g, 'X')}://`;
      return `${scheme}[:]//`;
    })
    .replace(DOMAIN, (host) => host.replace(DOTS, '[.]'))
    .replace(IPV4, (ip) => ip.replace(DOTS, '[.]'))
    .replace(AT, '[@]');
}

/**
 * `text` cleaned to one line, cut to at most `max` code points and defanged. The cut comes before the
 * defanging, so no cut can leave a half host name that reads as a new one ("evil.exam…"); the
 * defanged result may therefore be a little longer than `max`.
 */
export function displayDefanged(value: string, max = 256): string {
  return defang(displayText(value, max));
}
