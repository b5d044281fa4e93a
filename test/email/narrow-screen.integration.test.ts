/**
 * Issue 12: the notice reads on a phone. The email's HTML is rendered in headless Chromium at 320, 390
 * and 900 px wide; a measuring script, injected into a COPY of the HTML used only here, reports the
 * page's scroll width, any element that sticks out of the viewport and any line that breaks inside a
 * word (an address cut mid-domain). The product's HTML carries no script.
 *
 * Set QRN_EMAIL_SCREENSHOTS=<folder> to also save screenshots of the product's HTML at each width.
 * Without Chromium (/usr/bin/chromium) the test says so and does not run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import type { ReleasedMessageFacts } from '../../shared/domain/types';
import { composeNotification } from '../../shared/email/compose';
import { composeHealth } from '../../shared/email/health';
import { burstFindings, messageFindings, type ReleaseView } from '../../shared/alerts/rules';
import { composeAlert } from '../../shared/email/alert';
import { alertJobsFor } from '../../shared/jobs/alertJob';
import { renderCharts } from '../../shared/report/charts';
import { reportEmail, reportHtml } from '../../shared/report/renderReport';
import { ADMIN_ACTIONS, FINAL_LOCATIONS } from '../../shared/report/postDelivery';
import { sampleReportData } from '../report/fixtures';
import { noticeJobAsGiven, releasedFacts, releaseEvent } from '../support/mothers';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((path) =>
  existsSync(path),
);

interface Measure {
  viewport: number;
  scrollWidth: number;
  cardWidth: number;
  /** Elements whose right edge is past the viewport: tag and the start of their text. */
  overflowing: string[];
  /** Line breaks inside a word: the text around the break, the break marked by "|". */
  midWord: string[];
  /** How many value cells wrapped onto more than one line (shows the narrow case really wrapped). */
  wrappedCells: number;
  /** Images drawn narrower than their natural width: chart text shrunk until it cannot be read. */
  scaledImages: string[];
}

/**
 * Runs in each frame. A break inside one text node is fine at a space or after a hyphen (a word
 * boundary), and after a slash in prose (a node with spaces); anything else is a word cut in two.
 * Breaks at <wbr> fall between text nodes and are the intended ones.
 */
const MEASURE_SCRIPT = `<script>
(function () {
  var vw = window.innerWidth;
  var result = { viewport: vw, scrollWidth: document.documentElement.scrollWidth, cardWidth: 0, overflowing: [], midWord: [], wrappedCells: 0 };
  var all = document.body.getElementsByTagName('*');
  // Inside a box that scrolls sideways (a chart's figure, a wide table), sticking out is the design.
  function inScroller(el) {
    for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return p.getBoundingClientRect().right <= vw + 0.5;
    }
    return false;
  }
  result.scaledImages = [];
  var images = document.getElementsByTagName('img');
  for (var m = 0; m < images.length; m++) {
    var want = Number(images[m].getAttribute('width') || 0);
    if (want > 0 && images[m].getBoundingClientRect().width < want - 0.5) result.scaledImages.push(images[m].getAttribute('alt') || '');
  }
  for (var i = 0; i < all.length; i++) {
    var r = all[i].getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 0.5 && !inScroller(all[i])) result.overflowing.push(all[i].tagName + ': ' + (all[i].textContent || '').slice(0, 40));
    if (/max-width:600px/.test(all[i].getAttribute('style') || '')) result.cardWidth = r.width;
  }
  var cells = document.getElementsByTagName('td');
  for (var c = 0; c < cells.length; c++) {
    if ((cells[c].getAttribute('style') || '').indexOf('overflow-wrap') >= 0) {
      var lines = cells[c].getBoundingClientRect().height / 22;
      if (lines - cells[c].getElementsByTagName('br').length > 1.6) result.wrappedCells++;
    }
  }
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var range = document.createRange();
  while (walker.nextNode()) {
    var node = walker.currentNode, text = node.data, prose = /\\s/.test(text.trim()), previous = null;
    for (var k = 0; k < text.length; k++) {
      range.setStart(node, k); range.setEnd(node, k + 1);
      var rects = range.getClientRects();
      if (!rects.length) continue;
      var top = rects[0].top;
      if (previous !== null && top > previous + 2) {
        var before = text[k - 1], at = text[k];
        var fine = /\\s/.test(before) || /\\s/.test(at) || before === '-' || (prose && before === '/');
        if (!fine) result.midWord.push(text.slice(Math.max(0, k - 15), k) + '|' + text.slice(k, k + 15));
      }
      previous = top;
    }
  }
  window.qrnMeasure = result;
})();
</script>`;

function chromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM ?? 'chromium',
      args,
      { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(0, 2000)}`));
        else resolve(stdout);
      },
    );
  });
}

let workDir = '';

function baseArgs(width: number, profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--no-first-run',
    '--disable-extensions',
    `--user-data-dir=${profile}`,
    `--window-size=${width},2400`,
  ];
}

/** The copy that is measured: the probe added, and the report's no-script policy lifted for it alone. */
function measurable(html: string): string {
  return html
    .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/i, '')
    .replace('</body>', `${MEASURE_SCRIPT}\n</body>`);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/**
 * Renders every page in its own iframe of exactly its width (headless Chromium will not make a window
 * narrower than 500px), all in one browser run, and returns each frame's measurements by name.
 */
async function measureAll(pages: Array<{ name: string; html: string; width: number }>): Promise<Map<string, Measure>> {
  const frames = pages
    .map(
      (page) =>
        `<iframe data-name="${escapeAttribute(page.name)}" style="display:block;border:0;width:${page.width}px;height:2400px" ` +
        `srcdoc="${escapeAttribute(measurable(page.html))}"></iframe>`,
    )
    .join('\n');
  const collect = `<script>
window.addEventListener('load', function () {
  var out = {};
  var frames = document.getElementsByTagName('iframe');
  for (var i = 0; i < frames.length; i++) out[frames[i].getAttribute('data-name')] = frames[i].contentWindow.qrnMeasure || null;
  var pre = document.createElement('pre');
  pre.id = 'qrn-measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`;
  const file = join(workDir, 'measure.html');
  writeFileSync(
    file,
    `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">\n${frames}\n${collect}\n</body></html>`,
  );
  const dom = await chromium([
    ...baseArgs(1000, join(workDir, 'profile-measure')),
    '--virtual-time-budget=10000',
    '--dump-dom',
    `file://${file}`,
  ]);
  const match = /<pre id="qrn-measure">([^<]*)<\/pre>/.exec(dom);
  if (!match) throw new Error(`the measuring script did not run:\n${dom.slice(0, 500)}`);
  const json = match[1]
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  const results = JSON.parse(json) as Record<string, Measure | null>;
  const measured = new Map<string, Measure>();
  for (const page of pages) {
    const result = results[page.name];
    if (!result) throw new Error(`no measurement for ${page.name}`);
    measured.set(page.name, result);
  }
  return measured;
}

async function screenshot(html: string, width: number, name: string): Promise<void> {
  const folder = process.env.QRN_EMAIL_SCREENSHOTS;
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  const page = join(workDir, `${name}-${width}-product.html`);
  writeFileSync(page, html);
  await chromium([
    ...baseArgs(width, join(workDir, `shot-${name}-${width}`)),
    `--screenshot=${join(folder, `${name}-${width}.png`)}`,
    `file://${page}`,
  ]);
}

// A notice as long and awkward as real ones get: long addresses with dots and hyphens, a lure subject
// (defanged), several releasers, a long policy name, two messages.
const RECIPIENTS = [
  'payments@northwind.example',
  'accounts.receivable.department@northwind-traders.example',
  'carol.van.der.berg@fabrikam-international.example',
  'dave@fabrikam.example',
];

function release(overrides: Partial<ReleasedMessageFacts>): ReleasedMessageFacts {
  return releasedFacts({
    subject:
      'Urgent: re-verify your mailbox at https://contoso-login.evil.example/reset/account-verification before Friday',
    receivedAt: '2026-12-01T23:05:00Z',
    recipients: RECIPIENTS,
    releasedTo: RECIPIENTS[0],
    releasedBy: 'security.operations.administrator@contoso.com',
    releasedAt: '2026-12-02T08:15:00Z',
    quarantineType: 'DataLossPrevention',
    policyName: 'Hold outbound payment instructions and bank details for review by the finance team',
    ...overrides,
  });
}

const JOB: NotificationJob = noticeJobAsGiven(
  [
    release({}),
    release({ releasedTo: RECIPIENTS[1], releasedBy: undefined, releasedAt: '2026-12-02T09:40:00Z' }),
    release({
      releasedTo: RECIPIENTS[2],
      releasedBy: 'helpdesk.second.line@contoso.com',
      releasedAt: '2026-12-03T07:00:00Z',
    }),
    release({
      networkMessageId: '7e1d2c3b-4a59-4687-8b9a-0c1d2e3f4a5b',
      subject: 'Quarterly_revenue_forecast_FINAL_v7_reviewed_by_finance_and_legal.xlsx',
      recipients: ['investor.relations.external.partner@very-long-subsidiary-name.example'],
      releasedTo: 'investor.relations.external.partner@very-long-subsidiary-name.example',
      quarantineType: 'TransportRule',
    }),
  ],
  'alice.longname@contoso.com',
  'job-narrow',
);

const describeWithChromium = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM) {
  // Said plainly, so a green run without Chromium is not mistaken for a checked layout.
  console.warn(
    'narrow-screen.integration.test.ts did NOT run: Chromium not found at /usr/bin/chromium (apt-get install -y chromium).',
  );
}

const CASES: Array<[string, number]> = [
  ['en', 320],
  ['en', 390],
  ['en', 900],
  ['de', 320],
  ['fr', 390],
];

const CONTROL =
  '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head><body style="margin:0">' +
  '<div style="width:600px">wide</div><div style="word-break:break-all;width:100px">payments@northwind.example</div></body></html>';

function html(language: string): string {
  return composeNotification(JOB, {
    subject: undefined,
    intro: undefined,
    footer: undefined,
    language,
    timeZone: 'Europe/Berlin',
  }).html;
}

/** The health email an admin reads on a phone: the longest problem text the product writes, and the deployment. */
function healthHtml(): string {
  return composeHealth(
    {
      problem: 'exchange-permission',
      status: 'open',
      since: '2026-12-02T05:10:00Z',
      lastSeen: '2026-12-02T09:10:00Z',
      count: 25,
      reason:
        "Get-QuarantineMessage was refused (403): the app's service principal has no Exchange role. Assign the Security Reader role to the app's service principal (infra/grant-permissions.ps1); the app sees it when its cached token expires, up to 24 hours.",
      affected: 'new quarantined messages are not being recorded, so their releases cannot be told',
    },
    { kind: 'open', item: 'open@2026-12-02T05:10:00Z' },
    ['it-operations.on-call@contoso.com'],
    'Europe/Berlin',
    { app: 'func-qrn-7x2kq4mfzhbte', tenantId: 'e600cc65-e4e1-4237-b303-833ac0246430' },
  ).html;
}

describeWithChromium('the health email in a browser at 390 px', () => {
  let result: Measure | undefined;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'qrn-email-'));
    result = (await measureAll([{ name: 'health-390', html: healthHtml(), width: 390 }])).get('health-390');
    await screenshot(healthHtml(), 390, 'health');
  }, 180_000);
  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('no horizontal overflow and no word broken mid-word, the deployment and the local time shown', () => {
    if (!result) throw new Error('not measured');
    expect(result.viewport).toBe(390);
    expect(result.overflowing).toEqual([]);
    expect(result.scrollWidth).toBeLessThanOrEqual(390);
    expect(result.midWord).toEqual([]);
    expect(healthHtml()).toContain('function app func-qrn-7x2kq4mfzhbte, Microsoft 365 tenant e600cc65');
    expect(healthHtml()).toContain('2 Dec 2026, 06:10 CET');
  });
});

describeWithChromium('the notice in a browser at phone and desktop widths', () => {
  let measured = new Map<string, Measure>();

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'qrn-email-'));
    measured = await measureAll([
      { name: 'control', html: CONTROL, width: 390 },
      ...CASES.map(([language, width]) => ({ name: `${language}-${width}`, html: html(language), width })),
    ]);
    for (const [language, width] of CASES) await screenshot(html(language), width, language);
  }, 180_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('the probe itself sees overflow and a mid-word break when there is one', () => {
    const result = measured.get('control');
    expect(result?.viewport).toBe(390);
    expect(result?.scrollWidth).toBeGreaterThan(390);
    expect(result?.overflowing.length).toBeGreaterThan(0);
    expect(result?.midWord.length).toBeGreaterThan(0);
  });

  it.each(CASES)('%s at %ipx: no horizontal overflow, no word broken mid-word', (language, width) => {
    const result = measured.get(`${language}-${width}`);
    if (!result) throw new Error('not measured');
    expect(result.viewport).toBe(width);
    expect(result.overflowing).toEqual([]);
    expect(result.scrollWidth).toBeLessThanOrEqual(width);
    expect(result.midWord).toEqual([]);
    // Desktop: the card keeps its 600px column; phones: it fills the width and values wrap.
    if (width >= 900) {
      expect(result.cardWidth).toBeLessThanOrEqual(600);
      expect(result.cardWidth).toBeGreaterThan(590);
    } else {
      expect(result.cardWidth).toBeLessThanOrEqual(width);
      expect(result.wrappedCells).toBeGreaterThan(0);
    }
  });
});

// The alert of a bad morning: one account releases malware to a mailbox that was not a recipient, a
// phish, and a burst of 22 routine releases, long addresses and a lure subject included.
function alertView(i: number, type: string, over: Partial<ReleaseView['release']> = {}): ReleaseView {
  return {
    release: releaseEvent({
      recordId: `rec-${String(i).padStart(3, '0')}`,
      networkMessageId: `5b0f7c1e-3c1a-4e22-9d3c-${String(i).padStart(12, '0')}`,
      releasedTo: RECIPIENTS[i % RECIPIENTS.length],
      releasedBy: 'security.operations.administrator@contoso.com',
      releasedAt: new Date(Date.parse('2026-12-02T08:00:00Z') + i * 60_000),
      requestSource: 0,
      ...over,
    }),
    message: {
      sender: 'accounts.payable.notifications@northwind-traders-international.example',
      recipients: RECIPIENTS.slice(0, 2),
      subject: release({}).subject,
      receivedAt: '2026-12-01T23:05:00Z',
      quarantineType: type,
      policyName: 'Default anti-malware policy for all recipient domains of the organisation',
      origin: 'outside the organisation (header: Incoming+AuthAs:Anonymous+DIR:INB+compauth=fail)',
    },
  };
}

function alertHtml(): string {
  const views = [
    alertView(0, 'Phish'),
    ...Array.from({ length: 20 }, (_, i) => alertView(i + 1, 'TransportRule')),
    alertView(21, 'Malware', { releasedTo: 'someone.else.entirely@contoso.com' }),
  ];
  const settings = {
    recipients: ['soc@contoso.com'],
    riskyTypes: ['Malware', 'HighConfPhish', 'Phish'],
    burstReleases: 20,
    releasedToOther: true,
  };
  const jobs = alertJobsFor([
    ...messageFindings(views, settings),
    ...burstFindings('security.operations.administrator@contoso.com', views, 20),
  ]);
  if (jobs.length !== 1) throw new Error(`expected one alert, got ${jobs.length}`);
  return composeAlert(jobs[0], ['soc@contoso.com'], 'Europe/Berlin').html;
}

function reportPage(kind: 'page' | 'email'): string {
  const data = sampleReportData();
  const withSeries = {
    ...data,
    postDelivery: {
      source: 'advanced-hunting' as const,
      admin: data.window.dates.map((date, i) => ({
        date,
        covered: true,
        counts: Object.fromEntries(ADMIN_ACTIONS.map((a, k) => [a, (i + k) % 4])) as Record<
          (typeof ADMIN_ACTIONS)[number],
          number
        >,
      })),
      location: data.window.dates.map((date, i) => ({
        date,
        covered: true,
        counts: Object.fromEntries(FINAL_LOCATIONS.map((l, k) => [l, (i * k) % 5])) as Record<
          (typeof FINAL_LOCATIONS)[number],
          number
        >,
      })),
    },
  };
  const charts = renderCharts(withSeries);
  return kind === 'page' ? reportHtml(withSeries, charts) : reportEmail(withSeries, charts, { recentDays: 7 }).html;
}

const SECURITY_CASES: Array<[string, number]> = [
  ['alert', 390],
  ['alert', 1000],
  ['report', 390],
  ['report', 1000],
  ['report-email', 390],
];

describeWithChromium('the alert and the report in a browser at phone and desktop widths', () => {
  let measured = new Map<string, Measure>();
  const html = (name: string): string =>
    name === 'alert' ? alertHtml() : reportPage(name === 'report' ? 'page' : 'email');

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'qrn-security-'));
    measured = await measureAll(
      SECURITY_CASES.map(([name, width]) => ({ name: `${name}-${width}`, html: html(name), width })),
    );
    for (const [name, width] of SECURITY_CASES) await screenshot(html(name), width, name);
  }, 240_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it.each(SECURITY_CASES)('%s at %ipx: no overflow, no word cut, every chart at its natural width', (name, width) => {
    const result = measured.get(`${name}-${width}`);
    if (!result) throw new Error('not measured');
    expect(result.viewport).toBe(width);
    expect(result.overflowing).toEqual([]);
    expect(result.scrollWidth).toBeLessThanOrEqual(width);
    expect(result.midWord).toEqual([]);
    expect(result.scaledImages).toEqual([]);
  });

  it('the 22-release burst alert stays compact on a phone', () => {
    // Page height in the 390px frame is not measured directly; the HTML holds one summary row per
    // release and details only for the two risky ones.
    const alert = alertHtml();
    expect((alert.match(/<tr>/g) ?? []).length).toBe(1 + 22);
    expect((alert.match(/Open in the Defender portal/g) ?? []).length).toBe(2);
  });
});
