import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_MARKERS, renderReadme, settingsTable, TABLE_MARKERS } from '../../shared/config/docs';
import { SETTING_NAMES } from '../../shared/config/settings';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe("README.md's settings parts are generated from the schema", () => {
  it('is what npm run docs:settings writes (run it after changing shared/config/schema.ts)', () => {
    expect(README).toContain(TABLE_MARKERS.start);
    expect(README).toContain(DEPLOY_MARKERS.start);
    expect(renderReadme(README) === README).toBe(true);
  });

  it('lists every setting once in the table', () => {
    const table = settingsTable();
    for (const name of SETTING_NAMES)
      expect({ name, rows: `\n${table}`.split(`\n| \`${name}\` |`).length - 1 }).toEqual({ name, rows: 1 });
  });

  it('notices drift: a changed description makes the README stale', () => {
    const stale = README.replace('NCRONTAB for release detection.', 'NCRONTAB for detection.');
    expect(stale).not.toBe(README);
    expect(renderReadme(stale)).not.toBe(stale);
  });
});
