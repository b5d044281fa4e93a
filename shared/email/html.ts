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
    .map((paragraph) => `<p style="${escapeHtml(paragraphStyle)}">${paragraph.split('\n').map(escapeHtml).join('<br>')}</p>`)
    .join('\n');
}
