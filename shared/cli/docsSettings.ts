import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReadme } from '../config/docs';

/** `npm run docs:settings`: rewrites README.md's generated settings parts from shared/config/schema.ts. */
const path = join(__dirname, '..', '..', '..', 'README.md');
const before = readFileSync(path, 'utf8');
const after = renderReadme(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(`${after === before ? 'README.md is up to date' : 'README.md updated'}\n`);
