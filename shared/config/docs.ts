import { declarations, GROUPS, type AnyDeclaration, type Group } from './schema';

/**
 * The README's text about settings, rendered from the schema: `npm run docs:settings` writes it
 * between the markers, and test/config/readme-settings.test.ts fails when README.md differs.
 */

export const TABLE_MARKERS = {
  start: '<!-- settings-table: generated from shared/config/schema.ts by npm run docs:settings; do not edit -->',
  end: '<!-- settings-table: end -->',
} as const;

export const DEPLOY_MARKERS = {
  start: '<!-- deploy-settings: generated from shared/config/schema.ts by npm run docs:settings; do not edit -->',
  end: '<!-- deploy-settings: end -->',
} as const;

function byGroup(): Map<Group, [string, AnyDeclaration][]> {
  const groups = new Map<Group, [string, AnyDeclaration][]>();
  for (const entry of declarations()) groups.set(entry[1].group, [...(groups.get(entry[1].group) ?? []), entry]);
  return groups;
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultCell(d: AnyDeclaration): string {
  if (d.defaultText !== undefined) return d.defaultText;
  return d.default !== undefined ? `\`${d.default}\`` : '';
}

/** One table per group: setting, default, meaning. */
export function settingsTable(): string {
  const parts: string[] = [];
  for (const [group, entries] of byGroup()) {
    parts.push(`**${GROUPS[group]}**`, '', '| setting | default | meaning |', '|---|---|---|');
    for (const [name, d] of entries) parts.push(`| \`${name}\` | ${cell(defaultCell(d))} | ${cell(d.description)} |`);
    parts.push('');
  }
  return parts.join('\n').trimEnd();
}

/** A shell-safe value for `azd env set NAME value`. */
function shellValue(value: string): string {
  return /^[A-Za-z0-9@._:/,+-]+$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

/**
 * Deploy step 1: every setting with a production recommendation, grouped, as `azd env set` lines.
 * The value shown is the recommendation when it is a value, else the example (to be replaced).
 */
export function deploySettings(): string {
  const lines: string[] = ['```bash'];
  for (const [group, entries] of byGroup()) {
    const recommended = entries.filter(([, d]) => d.recommended !== undefined);
    if (recommended.length === 0) continue;
    lines.push(`# ${GROUPS[group]}`);
    for (const [name, d] of recommended) {
      const literal = d.recommended !== undefined && d.schema.safeParse(d.recommended).success;
      const value = literal ? (d.recommended ?? '') : d.example;
      lines.push(`azd env set ${name} ${shellValue(value)}${literal ? '' : `   # ${d.recommended}`}`);
    }
  }
  lines.push('```');
  return lines.join('\n');
}

/** `text` with the part between `markers` replaced by `body` (markers kept). */
export function replaceBetween(text: string, markers: { start: string; end: string }, body: string): string {
  const start = text.indexOf(markers.start);
  const end = text.indexOf(markers.end);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${markers.start} ... ${markers.end}`);
  return `${text.slice(0, start + markers.start.length)}\n${body}\n${text.slice(end)}`;
}

/** README.md as it should be: both generated parts brought up to date. */
export function renderReadme(readme: string): string {
  return replaceBetween(replaceBetween(readme, TABLE_MARKERS, settingsTable()), DEPLOY_MARKERS, deploySettings());
}
