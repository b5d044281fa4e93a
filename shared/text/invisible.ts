/**
 * Characters that show nothing but still change what text means or how it is read: the one definition
 * shared by the email sanitiser and the log filter, so "invisible" means the same in both places.
 */

/**
 * Every default-ignorable code point (soft hyphen, zero-width space/joiners, bidi marks, embeddings,
 * overrides and isolates, word joiner, invisible operators, U+206A-206F, BOM, Hangul fillers U+115F,
 * U+1160, U+3164, U+FFA0, U+034F, Khmer U+17B4/U+17B5, Mongolian selectors, variation selectors and tag
 * characters U+E0000-E0FFF), listed again explicitly where a filler matters, so an older Unicode table
 * in the runtime cannot let one through. Plus the blanks that are not default-ignorable but render as
 * nothing: U+2800 (braille blank) and the interlinear annotation marks U+FFF9-FFFB. And non-characters
 * (U+FFFE, U+FFFF...), which an SVG or XML parser refuses outright.
 */
/** U+FDD0-FDEF and the last two code points of every plane: non-characters, never text. */
export const NONCHARACTER_SOURCE =
  '\\ufdd0-\\ufdef\\ufffe\\uffff' +
  Array.from({ length: 16 }, (_, i) => {
    const plane = (i + 1).toString(16);
    return `\\u{${plane}fffe}\\u{${plane}ffff}`;
  }).join('');

export const INVISIBLE_SOURCE =
  NONCHARACTER_SOURCE +
  '\\p{Default_Ignorable_Code_Point}' +
  '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f' +
  '\\u2800\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff0-\\ufffb\\u{1bca0}-\\u{1bca3}\\u{1d173}-\\u{1d17a}' +
  '\\u{e0000}-\\u{e0fff}';

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
export const CONTROL_SOURCE = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';

/** A fresh global, Unicode-aware regex for one invisible character. */
export function invisibleCharacters(): RegExp {
  return new RegExp(`[${INVISIBLE_SOURCE}]`, 'gu');
}

/** A surrogate half without its other half: not text, and not valid UTF-8 once encoded. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
