/** The only ways text gets into the notification's HTML. */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a double- or single-quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/**
 * Plain text (which may span lines) as HTML: escaped, each line break a `<br>`. Paragraphs separated by
 * a blank line become separate `<p>` elements carrying `paragraphStyle`.
 */
export function textToHtmlParagraphs(text: string, paragraphStyle: string): string {
  return text
    .split(/\n{2,}/)
    .filter((paragraph) => paragraph.trim() !== '')
    .map(
      (paragraph) =>
        `<p style="${escapeHtml(paragraphStyle)}">${paragraph.split('\n').map(escapeHtml).join('<br>')}</p>`,
    )
    .join('\n');
}

/**
 * A mailbox address as HTML text that wraps only at sensible points and that mail clients do not turn
 * into a mailto: link: `<wbr>` after the `@` and after each dot. The wrap opportunities split the text
 * into several text nodes, and the autolinkers of OWA, Outlook and Gmail look for an address inside one
 * text node, so they find none; unlike U+200B, `<wbr>` is not copied with the text, so a reader who
 * copies the address gets the address.
 */
export function addressHtml(address: string): string {
  return (
    address
      // After every dot, the last too: "contoso.com" in one text node is what autolinkers pick up.
      .split(/(?<=[@.])/)
      .map((part) =>
        part.includes('-') && part.length <= MAX_UNBROKEN_PART
          ? `<span style="white-space:nowrap">${escapeHtml(part)}</span>`
          : escapeHtml(part),
      )
      .join('<wbr>')
  );
}

/**
 * Browsers also break after a hyphen ("northwind-" / "traders.example"). A part of an address with a
 * hyphen is kept whole when it fits on the narrowest screen (24 characters fit in 320px); a longer
 * one may still break at its hyphens rather than overflow.
 */
const MAX_UNBROKEN_PART = 24;

/**
 * Any other text as HTML with wrap opportunities after a `/` (not the one of `</`), after `_` and
 * after the brackets of a defanged `[.]`, `[@]` or `[:]`, so a long defanged URL or file name wraps
 * between its parts rather than mid-word.
 */
export function breakableHtml(text: string): string {
  return text
    .split(/(?<=[^<]\/|_|\[[.@:]\])(?=[^\s/_])/)
    .map(escapeHtml)
    .join('<wbr>');
}

/**
 * The opening of an email for admins (health, the doctor's result, the provider's summary): a plain
 * document that reads on a phone, the subject as its heading.
 */
export function adminEmailStart(subject: string, maxWidthPx = 680): string[] {
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    `<body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#1b1b1b;max-width:${maxWidthPx}px">`,
    `<h1 style="font-size:18px;margin:0 0 12px">${escapeHtml(subject)}</h1>`,
  ];
}

/** Label-over-value rows, one a line, every text escaped: how admin emails lay out their facts. */
export function labelledRows(rows: ReadonlyArray<readonly [label: string, value: string]>): string[] {
  return [
    '<table role="presentation" style="width:100%;border-collapse:collapse;table-layout:fixed">',
    ...rows.map(
      ([label, value]) =>
        `<tr><td style="padding:6px 0;border-top:1px solid #ddd"><div style="color:#555;font-size:12px">${escapeHtml(label)}</div><div style="overflow-wrap:anywhere">${escapeHtml(value)}</div></td></tr>`,
    ),
    '</table>',
  ];
}
