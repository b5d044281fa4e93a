/**
 * A bounded, total parser for the raw header text Get-QuarantineMessageHeader returns. Pure.
 *
 * The header is outside input, written partly by whoever sent the message: it may be folded oddly,
 * repeat fields, be hundreds of kilobytes long, carry non-ASCII bytes or bare CR/LF line ends. This
 * parser reads at most MAX_HEADER_CHARS, looks at most MAX_FIELDS fields, keeps only the few fields
 * origin needs (each value capped) and never throws. Header text is never logged or mailed: callers
 * get field values to test, not text to show.
 */

/** Read at most this much of a header (256 KB); anything after it is ignored and flagged. */
export const MAX_HEADER_CHARS = 256 * 1024;
/** Look at most this many fields; a real header has a few dozen to a few hundred. */
export const MAX_FIELDS = 2_000;
/** Each kept value is cut to this length (an X-Forefront-Antispam-Report is a few hundred characters). */
export const MAX_VALUE_CHARS = 4_096;
/** A field kept more often than this is cut (and counts as disagreeing if the kept ones differ). */
export const MAX_REPEATS = 8;

/** The fields origin is decided from, lower case. */
export const ORIGIN_FIELDS = [
  'x-ms-exchange-organization-messagedirectionality',
  'x-ms-exchange-organization-authas',
  'x-ms-exchange-organization-authmechanism',
  'x-forefront-antispam-report',
  'authentication-results',
  // Stamped by Exchange Online on every copy it hands on: how it authenticated the submitter, and
  // from which kind of entity the message entered the tenant (Hosted, HybridOnPrem, Internet).
  'x-ms-exchange-crosstenant-authas',
  'x-ms-exchange-crosstenant-fromentityheader',
] as const;
export type OriginField = (typeof ORIGIN_FIELDS)[number];

/** The prefix of the headers the product puts on its own notices. */
export const PRODUCT_HEADER_PREFIX = 'x-qrn-';

export interface ParsedHeader {
  /** Values of the kept fields, in order of appearance, unfolded and trimmed. */
  fields: Partial<Record<OriginField, string[]>>;
  /** The message carries one of the product's own `x-qrn-` headers: it is one of our notices. */
  productHeader: boolean;
  /** Fields seen (including ones not kept). */
  fieldCount: number;
  /** Lines that were neither a field nor a continuation (garbage, or a body without a blank line). */
  badLines: number;
  /**
   * Parsing stopped before the end of the text: longer than MAX_HEADER_CHARS, more than MAX_FIELDS
   * fields, a kept field repeated past MAX_REPEATS, or a blank line (e.g. a bare CR next to a CR)
   * with more header text after it. Exchange appends its own stamps after the sender's fields, so a
   * cut header may hold only what the sender wrote: see `cut` for why.
   */
  truncated: boolean;
  cut: 'none' | 'size' | 'fields' | 'repeats' | 'early-end';
}

const KEPT = new Set<string>(ORIGIN_FIELDS);
// RFC 5322 field name: printable US-ASCII except colon, no spaces.
const FIELD_LINE = /^([!-9;-~]{1,200}):(.*)$/s;

function emptyResult(): ParsedHeader {
  return { fields: {}, productHeader: false, fieldCount: 0, badLines: 0, truncated: false, cut: 'none' };
}

/** Parses raw header text into the origin fields. Total: any input gives a result. */
export function parseMessageHeader(raw: unknown): ParsedHeader {
  const result = emptyResult();
  if (typeof raw !== 'string') return result;
  try {
    parseInto(raw, result);
  } catch {
    // The parser is written not to throw; this keeps "never throws" true even for an engine surprise.
    result.badLines++;
  }
  return result;
}

function parseInto(raw: string, result: ParsedHeader): void {
  const text = raw.length > MAX_HEADER_CHARS ? raw.slice(0, MAX_HEADER_CHARS) : raw;
  const cut = (why: ParsedHeader['cut']): void => {
    result.truncated = true;
    if (result.cut === 'none') result.cut = why;
  };
  if (text.length < raw.length) cut('size');
  // CRLF, bare LF and bare CR all end a line.
  const lines = text.split(/\r\n|\r|\n/);
  let name: string | undefined;
  let value = '';
  const finish = (): void => {
    if (name === undefined) return;
    if (name.startsWith(PRODUCT_HEADER_PREFIX)) result.productHeader = true;
    if (KEPT.has(name)) {
      const key = name as OriginField;
      const list = (result.fields[key] ??= []);
      if (list.length < MAX_REPEATS) list.push(value.replace(/\s+/g, ' ').trim());
      else cut('repeats');
    }
    name = undefined;
    value = '';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') {
      // A blank line ends the header; a leading blank line (some tools add one) is skipped. The text
      // is only a header, so more fields after the blank line mean it ended early (a sender's value
      // with CR CR in it): what follows, Exchange's stamps included, is not read.
      if (result.fieldCount > 0 || name !== undefined) {
        if (lines.slice(i + 1).some((rest) => rest.trim() !== '')) cut('early-end');
        break;
      }
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      // A continuation line unfolds into the field above it; one with no field above is garbage.
      if (name === undefined) result.badLines++;
      else if (value.length < MAX_VALUE_CHARS) value = (value + ' ' + line).slice(0, MAX_VALUE_CHARS);
      continue;
    }
    const match = FIELD_LINE.exec(line.length > MAX_VALUE_CHARS + 200 ? line.slice(0, MAX_VALUE_CHARS + 200) : line);
    finish();
    if (!match) {
      result.badLines++;
      continue;
    }
    if (result.fieldCount >= MAX_FIELDS) {
      cut('fields');
      return;
    }
    result.fieldCount++;
    name = match[1].toLowerCase();
    value = match[2].slice(0, MAX_VALUE_CHARS);
  }
  finish();
}

/**
 * The one value of a field, or why there is none: absent, or given twice with different values
 * (a duplicate that disagrees cannot be trusted either way). Comparison ignores case and spacing.
 */
export function singleValue(
  header: ParsedHeader,
  field: OriginField,
): { kind: 'absent' } | { kind: 'value'; value: string } | { kind: 'conflict' } {
  const values = header.fields[field];
  if (!values || values.length === 0) return { kind: 'absent' };
  const norm = (v: string): string => v.toLowerCase().replace(/\s+/g, '');
  const first = norm(values[0]);
  if (values.some((v) => norm(v) !== first)) return { kind: 'conflict' };
  return { kind: 'value', value: values[0] };
}
