/**
 * Cleaning of untrusted text before it goes into a subject line, a header or a body. Everything that
 * comes from Exchange, the audit log or the queue is untrusted: a quarantined message's subject is
 * chosen by whoever wrote it.
 */

/** Characters that end a line somewhere: they become a space, never survive. */
const LINE_LIKE = /[\t\n\u000b\f\r\u0085\u2028\u2029]/g;

/**
 * C0 and C1 controls, plus invisible characters that can hide or reorder text: soft hyphen, Arabic
 * letter mark, Mongolian vowel separator, zero-width space/joiners and LRM/RLM (U+200B-U+200F), bidi
 * embeddings and overrides (U+202A-U+202E), word joiner and invisible operators (U+2060-U+2064), bidi
 * isolates (U+2066-U+2069), BOM / zero-width no-break space (U+FEFF) and interlinear annotations.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

/** A surrogate half without its other half: not text, and not valid UTF-8 once encoded. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

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

/** The original subject as it may appear in a subject line: one clean line, at most 80 characters. */
export function sanitizeSubject(subject: string): string {
  return truncate(cleanInline(subject), MAX_SUBJECT_CHARS);
}

/** Text for one table cell or text line: cleaned and bounded, so one field cannot swamp the email. */
export function displayText(value: string, max = 256): string {
  return truncate(cleanInline(value), max);
}
