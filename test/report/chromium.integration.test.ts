import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPORT_HTML_FILE } from '../../shared/report/renderReport';
import { writeReport } from '../../shared/report/writeReport';
import { sampleReportData } from './fixtures';
import { decodePng, distinctColours, type Pixels } from './png';

const CANDIDATES = [process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const chromium = CANDIDATES.find((path) => path !== '' && existsSync(path));

if (!chromium) {
  // Said plainly and shown as skipped, never as a pass: the page was not looked at by a browser.
  console.warn(`NOT RUN: no Chromium found (looked at ${CANDIDATES.filter(Boolean).join(', ')}); the report HTML was NOT rendered in a browser. Install it: apt-get update && apt-get install -y chromium`);
}
const inChromium = chromium ? test : test.skip;

/** Pixels close to a colour (screenshots may shift a channel by a step or two). */
function near(image: Pixels, [r, g, b]: [number, number, number], within = 6): number {
  let n = 0;
  for (let i = 0; i < image.rgba.length; i += 4) {
    if (Math.abs(image.rgba[i] - r) <= within && Math.abs(image.rgba[i + 1] - g) <= within && Math.abs(image.rgba[i + 2] - b) <= within) n++;
  }
  return n;
}

describe('the report page in headless Chromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  inChromium(`renders ${REPORT_HTML_FILE} with its charts from the files beside it, offline`, async () => {
    const out = join(dir, 'report');
    const files = await writeReport(out, sampleReportData());
    expect(files).toEqual([REPORT_HTML_FILE, 'quarantine-actions.png', 'quarantine-looks.png', 'quarantine-arrivals.png', 'releases-by-account.png']);
    expect((await readdir(out)).sort()).toEqual([...files].sort());

    const shot = join(dir, 'screenshot.png');
    await promisify(execFile)(chromium as string, [
      '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
      // Nothing may come from the network: any outside reference would fail to load.
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--window-size=1000,1400',
      `--screenshot=${shot}`,
      pathToFileURL(join(out, REPORT_HTML_FILE)).href,
    ], { timeout: 90_000 });

    const image = decodePng(await readFile(shot));
    expect([image.width, image.height]).toEqual([1000, 1400]);
    expect(distinctColours(image)).toBeGreaterThan(200);
    // The first chart (a PNG file beside the page) was loaded: its series blue is on screen.
    expect(near(image, [0x00, 0x72, 0xb2])).toBeGreaterThan(300);
    // Text of the page itself (headings, tables) is drawn: plenty of dark pixels.
    expect(near(image, [0x22, 0x22, 0x22], 40)).toBeGreaterThan(2000);
  }, 120_000);
});
