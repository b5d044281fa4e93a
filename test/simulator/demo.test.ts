import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDemo, type DemoResult } from '../../simulator/demo';
import { CRLF, fileNameFor, orderForOutbox, toEml, writeOutbox } from '../../simulator/outbox';
import { HOSTILE_SUBJECT } from '../../simulator/sampleTenant';
import type { SentMail } from '../../simulator/tenant';
import * as makeCert from '../../simulator/make-cert.js';

const REPO = resolve(__dirname, '..', '..');

function mail(
  over: {
    subject?: string;
    to?: string[];
    html?: string;
    headers?: Array<{ name: string; value: string }>;
    mailbox?: string;
    at?: Date;
  } = {},
): SentMail {
  return {
    mailbox: over.mailbox ?? 'quarantine-notices@contoso.com',
    message: {
      subject: over.subject ?? 'Your message "Q3 pricing sheet" was released from quarantine',
      body: { contentType: 'HTML', content: over.html ?? '<!DOCTYPE html>\n<p>Released.</p>\n' },
      toRecipients: (over.to ?? ['alice@contoso.com']).map((address) => ({ emailAddress: { address } })),
      internetMessageHeaders: over.headers ?? [
        { name: 'x-qrn-network-message-ids', value: '3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a01' },
      ],
    },
    saveToSentItems: false,
    at: over.at ?? new Date('2026-08-21T09:15:42Z'),
  };
}

/** A minimal RFC 5322 reader: unfolded header lines, values with encoded words decoded, and the decoded body. */
function parseEml(eml: string): { lines: string[]; headers: Map<string, string[]>; body: string } {
  const split = eml.indexOf(`${CRLF}${CRLF}`);
  expect(split).toBeGreaterThan(0);
  const lines = eml.slice(0, split).split(/\r\n(?![ \t])/);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    expect(colon).toBeGreaterThan(0);
    const name = line.slice(0, colon).toLowerCase();
    const value = line
      .slice(colon + 1)
      .replace(/\r\n[ \t]/g, ' ')
      .replace(/\?= =\?/g, '?==?')
      .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'))
      .trim();
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  const body = Buffer.from(eml.slice(split + 4).replace(/\r\n/g, ''), 'base64').toString('utf8');
  return { lines, headers, body };
}

describe('outbox: toEml', () => {
  it('writes an RFC 5322 message with CRLF line endings and the product headers', () => {
    const eml = toEml(mail());
    expect(eml.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of eml.split(CRLF)) expect(line.length).toBeLessThanOrEqual(78);
    const { headers } = parseEml(eml);
    expect(headers.get('from')).toEqual(['quarantine-notices@contoso.com']);
    expect(headers.get('to')).toEqual(['alice@contoso.com']);
    expect(headers.get('subject')).toEqual(['Your message "Q3 pricing sheet" was released from quarantine']);
    expect(headers.get('date')).toEqual(['Fri, 21 Aug 2026 09:15:42 +0000']);
    expect(headers.get('mime-version')).toEqual(['1.0']);
    expect(headers.get('content-type')).toEqual(['text/html; charset=utf-8']);
    expect(headers.get('content-transfer-encoding')).toEqual(['base64']);
    expect(headers.get('x-qrn-network-message-ids')).toEqual(['3f8e2b1a-6c4d-4e5f-9a0b-1c2d3e4f5a01']);
    expect(headers.get('message-id')?.[0]).toMatch(/^<[0-9a-f]{32}@contoso\.com>$/);
  });

  it('lets no value add a header line, whatever CR, LF or other controls it carries', () => {
    const eml = toEml(
      mail({
        subject: HOSTILE_SUBJECT,
        to: ['erin@contoso.com\r\nBcc: a@evil.example', 'x@contoso.com\nCc: b@evil.example'],
        mailbox: 'quarantine-notices@contoso.com\r\nX-Injected: 1',
        headers: [
          { name: 'x-qrn-network-message-ids', value: 'id\r\nBcc: c@evil.example\u2028\u0000' },
          { name: 'x-bad\r\nBcc: d@evil.example', value: 'dropped' },
          { name: 'Bcc', value: 'e@evil.example' },
        ],
      }),
    );
    const { lines, headers } = parseEml(eml);
    const names = lines.map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
    expect(names).toEqual([
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'x-qrn-network-message-ids',
      'mime-version',
      'content-type',
      'content-transfer-encoding',
    ]);
    expect(eml).not.toMatch(/\r\n(Bcc|Cc|X-Injected):/i);
    expect(headers.get('subject')).toEqual(['<img src=x onerror=alert(1)> Invoice "urgent" Bcc: victim@contoso.com']);
    expect(headers.get('x-qrn-network-message-ids')).toEqual(['id Bcc: c@evil.example']);
    // An address keeps no character that could end it or start another.
    expect(headers.get('to')?.[0]).not.toMatch(/[\s<>]{2}|\r|\n/);
  });

  it('encodes a non-ASCII subject as RFC 2047 words of at most 75 characters that decode to it', () => {
    const subject = 'Your message "Vertragsentwurf für Projekt Falcon – bitte prüfen 🚀" was released from quarantine';
    const eml = toEml(mail({ subject }));
    const raw = eml
      .split(CRLF)
      .filter(
        (line, i, all) =>
          line.startsWith('Subject:') ||
          (line.startsWith(' ') &&
            all.slice(0, i).some((l) => l.startsWith('Subject:')) &&
            !all.slice(0, i).some((l) => l.startsWith('Date:'))),
      );
    expect(raw[0]).toMatch(/^Subject: =\?UTF-8\?B\?/);
    for (const word of raw.join(' ').match(/=\?[^ ]*\?=/g) ?? []) expect(word.length).toBeLessThanOrEqual(75);
    expect(eml.split(`${CRLF}${CRLF}`)[0]).toMatch(/^[\x20-\x7e\r\n]*$/);
    expect(parseEml(eml).headers.get('subject')).toEqual([subject]);
  });

  it('encodes an ASCII subject that could be mistaken for an encoded word, and folds long plain ones', () => {
    expect(parseEml(toEml(mail({ subject: 'Price =?UTF-8?B?SGk=?= list' }))).headers.get('subject')).toEqual([
      'Price =?UTF-8?B?SGk=?= list',
    ]);
    expect(toEml(mail({ subject: 'Price =?UTF-8?B?SGk=?= list' }))).not.toContain('Subject: Price');
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const eml = toEml(mail({ subject: long }));
    expect(eml).toContain('Subject: word0 word1');
    expect(parseEml(eml).headers.get('subject')).toEqual([long]);
  });

  it('carries the body byte for byte, base64 in lines of 76', () => {
    const html = '<!DOCTYPE html>\n<p>Grüße &amp; 🎉 — &lt;img&gt;</p>\r\n'.repeat(30);
    const eml = toEml(mail({ html }));
    const { body } = parseEml(eml);
    expect(body).toBe(html);
    const bodyLines = eml
      .split(`${CRLF}${CRLF}`)[1]
      .split(CRLF)
      .filter((l) => l !== '');
    for (const line of bodyLines) expect(line).toMatch(/^[A-Za-z0-9+/=]{1,76}$/);
    expect(eml.endsWith(CRLF)).toBe(true);
  });
});

describe('outbox: file names and order', () => {
  it('names files NN-recipient-subject, with nothing that could leave the folder', () => {
    expect(fileNameFor(1, mail(), 'eml')).toBe(
      '01-alice@contoso.com-your-message-q3-pricing-sheet-was-released-from.eml',
    );
    expect(fileNameFor(12, mail({ subject: 'Vertragsentwurf für Prüfung' }), 'html')).toBe(
      '12-alice@contoso.com-vertragsentwurf-fur-prufung.html',
    );
    const hostile = fileNameFor(3, mail({ to: ['../../etc/passwd@x'], subject: '../../\u0000' }), 'eml');
    expect(hostile).toMatch(/^03-[A-Za-z0-9@._-]+\.eml$/);
    expect(hostile).not.toContain('/');
    expect(hostile).not.toContain('..');
    expect(fileNameFor(4, mail({ subject: '' }), 'eml')).toBe('04-alice@contoso.com-no-subject.eml');
  });

  it('orders by recipient then subject, whatever order Graph received them in', () => {
    const a = mail({ to: ['dave@contoso.com'] });
    const b = mail({ to: ['alice@contoso.com'], subject: 'b' });
    const c = mail({ to: ['alice@contoso.com'], subject: 'a' });
    expect(orderForOutbox([a, b, c])).toEqual([c, b, a]);
  });

  it("replaces an earlier run's files and leaves others alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qrn-outbox-'));
    try {
      writeFileSync(join(dir, '07-old@contoso.com-stale.eml'), 'old');
      writeFileSync(join(dir, 'notes.txt'), 'mine');
      const written = await writeOutbox(dir, [mail({ to: ['bob@contoso.com'] }), mail()]);
      expect(written.map((w) => w.to)).toEqual(['alice@contoso.com', 'bob@contoso.com']);
      expect(readdirSync(dir).sort()).toEqual([
        '01-alice@contoso.com-your-message-q3-pricing-sheet-was-released-from.eml',
        '01-alice@contoso.com-your-message-q3-pricing-sheet-was-released-from.html',
        '02-bob@contoso.com-your-message-q3-pricing-sheet-was-released-from.eml',
        '02-bob@contoso.com-your-message-q3-pricing-sheet-was-released-from.html',
        'notes.txt',
      ]);
      expect(readFileSync(written[0].html, 'utf8')).toBe('<!DOCTYPE html>\n<p>Released.</p>\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trusting the simulator from a child process', () => {
  it('bundles the certificate with an existing NODE_EXTRA_CA_CERTS, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qrn-ca-'));
    try {
      const cert = join(dir, 'cert.pem');
      const existing = join(dir, 'corporate.pem');
      writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nSIM\n-----END CERTIFICATE-----\n');
      writeFileSync(existing, '-----BEGIN CERTIFICATE-----\nCORP\n-----END CERTIFICATE-----\n');
      const bundle = makeCert.trustBundle(dir, cert, existing);
      expect(bundle).toBe(join(dir, 'ca-bundle.pem'));
      expect(readFileSync(bundle, 'utf8')).toBe(`${readFileSync(existing, 'utf8')}${readFileSync(cert, 'utf8')}`);
      // Started from a process that already trusts it (the test launcher): nothing is rewritten.
      expect(makeCert.trustBundle(dir, cert, bundle)).toBe(bundle);
      expect(makeCert.trustBundle(dir, cert, '')).toBe(cert);
      expect(makeCert.trustBundle(dir, cert, join(dir, 'missing.pem'))).toBe(cert);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start: the demo, end to end', () => {
  const build = join(REPO, '.simulator', `demo-build-${process.pid}`);
  const outboxDir = mkdtempSync(join(tmpdir(), 'qrn-demo-outbox-'));
  const printed: string[] = [];
  let result: DemoResult;

  beforeAll(async () => {
    // The product runs as its own process, from JavaScript: compile just what `npm run once` needs
    // (no type check: tsc --noEmit does that), into a scratch folder whose parents hold node_modules.
    mkdirSync(build, { recursive: true });
    const tsc = spawnSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '--noCheck',
        '--outDir',
        build,
        '--rootDir',
        REPO,
        '--target',
        'ES2022',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node',
        '--esModuleInterop',
        '--skipLibCheck',
        '--types',
        'node',
        join(REPO, 'shared', 'cli', 'once.ts'),
      ],
      { cwd: REPO, encoding: 'utf8' },
    );
    const once = join(build, 'shared', 'cli', 'once.js');
    if (!existsSync(once)) throw new Error(`could not compile shared/cli/once.ts:\n${tsc.stdout}${tsc.stderr}`);
    result = await runDemo({ outboxDir, onceCommand: [process.execPath, once], print: (line) => printed.push(line) });
  }, 90_000);

  afterAll(() => {
    rmSync(build, { recursive: true, force: true });
    rmSync(outboxDir, { recursive: true, force: true });
  });

  // The product reads origin from the message header (issue 10), so the sample tenant's expectations
  // (the header's truth) are what it does: these lists stay empty.
  const TOLD_TODAY_BUT_SHOULD_NOT: string[] = [];
  const NOT_TOLD_TODAY_BUT_SHOULD: string[] = [];
  /** The notices expected: one per released message (issue 15: one notice per message and sender). */
  const toldToday = (): Array<{ to: string; networkMessageIds: string[] }> =>
    result.tenant.messages
      .filter(
        (m) =>
          (m.expect.kind === 'email' && !NOT_TOLD_TODAY_BUT_SHOULD.includes(m.label)) ||
          TOLD_TODAY_BUT_SHOULD_NOT.includes(m.label),
      )
      .map((m) => ({ to: m.sender, networkMessageIds: [m.networkMessageId] }))
      .sort((a, b) => a.to.localeCompare(b.to) || a.networkMessageIds[0].localeCompare(b.networkMessageIds[0]));
  const isAlert = (m: SentMail): boolean =>
    (m.message.internetMessageHeaders ?? []).some((h) => h.name === 'x-qrn-alert');

  const idsOf = (m: SentMail): string[] =>
    (m.message.internetMessageHeaders ?? []).find((h) => h.name === 'x-qrn-network-message-ids')?.value.split(',') ??
    [];
  const recipientsOf = (m: SentMail): string[] => (m.message.toRecipients ?? []).map((r) => r.emailAddress.address);

  it("plants the cases each issue needs, with the header's truth as the expectation", () => {
    expect(result.tenant.expectedEmails.map((e) => e.to)).toEqual([
      'alice@contoso.com',
      'carol@contoso.com',
      'dave@contoso.com',
      'erin@contoso.com',
      'henry@contoso.com',
      'ivan@contoso.com',
      'kim@contoso.com',
      'leo@contoso.com',
      'mia@contoso.com',
    ]);
    const labels = result.tenant.messages.map((m) => m.label);
    for (const label of [
      'spoofed internal sender',
      'copy released to an admin',
      'internal message labelled Inbound',
      'hybrid on-premises sender',
      'outbound through the own connector',
    ])
      expect(labels).toContain(label);
    expect(result.tenant.messages.filter((m) => m.group)).toHaveLength(22);
    // A month of activity for the report: every kind of quarantine record on the 29 earlier days.
    // (Days before the run's UTC day: a run minutes after midnight puts "minutes ago" on the day before.)
    const earlier = result.tenant.activity.filter((day) => day.date < new Date().toISOString().slice(0, 10));
    expect(earlier).toHaveLength(29);
    // Post-delivery events on each of the 30 complete days before today.
    expect(new Set(result.tenant.postDelivery.map((e) => e.timestamp.toISOString().slice(0, 10))).size).toBe(30);
    for (const key of [
      'preview',
      'delete',
      'export',
      'viewHeader',
      'releaseRequest',
      'denyRelease',
      'failed',
    ] as const) {
      expect(earlier.reduce((sum, day) => sum + day[key], 0)).toBeGreaterThan(0);
    }
  });

  it('sends one email per released message to the sender the header says really sent it, from the notices mailbox', () => {
    const [first] = result.runs;
    const expected = toldToday();
    expect(expected.map((e) => e.to)).toEqual([
      'alice@contoso.com',
      'alice@contoso.com',
      'carol@contoso.com',
      'dave@contoso.com',
      'erin@contoso.com',
      'henry@contoso.com',
      'ivan@contoso.com',
      'kim@contoso.com',
      'leo@contoso.com',
      'mia@contoso.com',
    ]);
    const notices = first.sent.filter((m) => !isAlert(m));
    expect(notices).toHaveLength(expected.length);
    const sent = [...notices].sort(
      (a, b) => recipientsOf(a)[0].localeCompare(recipientsOf(b)[0]) || idsOf(a)[0].localeCompare(idsOf(b)[0]),
    );
    expect(sent.map(recipientsOf)).toEqual(expected.map((e) => [e.to]));
    expect(sent.map((m) => idsOf(m).sort())).toEqual(expected.map((e) => [...e.networkMessageIds].sort()));
    for (const m of sent) expect(m.mailbox).toBe('quarantine-notices@contoso.com');
    // The message released to two recipients: one email, both listed.
    const carol = sent.find((m) => recipientsOf(m)[0] === 'carol@contoso.com');
    // Addresses carry <wbr> wrap points (and so are never autolinked): read them without.
    const carolHtml = (carol?.message.body?.content ?? '').replace(/<wbr>/g, '');
    expect(carolHtml).toContain('legal@fabrikam.example');
    expect(carolHtml).toContain('anwalt@northwind.example');
    // Two messages of one sender: one email each, so a release never waits for another message's.
    expect(sent.filter((m) => recipientsOf(m)[0] === 'alice@contoso.com')).toHaveLength(2);
    // The security team hears of the malware release and of the burst, once each.
    const alerts = first.sent.filter(isAlert);
    expect(alerts.map(recipientsOf)).toEqual(alerts.map(() => ['soc@contoso.com']));
    expect(
      alerts.map((m) => (m.message.internetMessageHeaders ?? []).find((h) => h.name === 'x-qrn-alert')?.value).sort(),
    ).toEqual(expect.arrayContaining(['burst', 'risky-type']));
    // The alerts say where each message came from in words; the rule codes stay in the log.
    const alertText = alerts.map((m) => (m.message.body?.content ?? '').replace(/<wbr>/g, '')).join('\n');
    expect(alertText).toContain('came from the internet, pretending to be contoso.com');
    expect(alertText).not.toMatch(/DIR:|AuthAs|Direction says|compauth/);
    expect(first.summary?.send).toMatchObject({ sent: notices.length + alerts.length, failed: 0, poisoned: 0 });
    expect(first.summary?.detect).toMatchObject({
      // Today's releases, and the month's earlier releases of mail no longer listed (counted, nobody told).
      newReleases: result.tenant.releaseRecords,
      duplicateReleases: 1,
      pending: 0,
      jobs: notices.length,
      alerts: alerts.length,
    });
    // The spoofed internal sender and the inbound release are from outside; the admin's copy is no delivery.
    expect(first.summary?.detect?.skippedByReason).toMatchObject({
      'external-origin': 2,
      'released-to-non-recipient': 1,
      'invalid-sender': 1,
    });
  });

  it('tells nobody about the inbound releases, the empty sender, the failed release or the held message, and logs the empty sender', () => {
    // Senders are never told about these; the security team's alerts may name them.
    const told = new Set(result.sentMail.filter((m) => !isAlert(m)).flatMap(idsOf));
    const silent = result.tenant.messages.filter(
      (x) => x.expect.kind === 'no-email' && !TOLD_TODAY_BUT_SHOULD_NOT.includes(x.label),
    );
    expect(silent.length).toBeGreaterThanOrEqual(27);
    for (const m of silent) expect(told.has(m.networkMessageId)).toBe(false);
    expect(result.sentMail.flatMap(recipientsOf)).not.toContain('billing@fabrikam.example');
    const empty = result.tenant.messages.find((m) => m.sender === '');
    expect(
      result.runs[0].log.some(
        (line) =>
          line.startsWith('WARN') && line.includes(empty?.networkMessageId ?? '?') && /no usable sender/.test(line),
      ),
    ).toBe(true);
  });

  it('escapes the hostile subject in the HTML and keeps it on one header line', () => {
    const erin = result.sentMail.find((m) => recipientsOf(m)[0] === 'erin@contoso.com');
    const html = erin?.message.body?.content ?? '';
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<img/i);
    for (const m of result.sentMail) {
      expect(m.message.subject).not.toMatch(/[\r\n]/);
      for (const h of m.message.internetMessageHeaders ?? []) expect(h.value).not.toMatch(/[\r\n]/);
    }
    const written = result.written.find((w) => w.to === 'erin@contoso.com');
    const eml = readFileSync(written?.eml ?? '', 'utf8');
    expect(eml).not.toMatch(/\r\nBcc:/i);
    expect(eml.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(readFileSync(written?.html ?? '', 'utf8')).toBe(html);
  });

  it('sends nothing the second time', () => {
    const second = result.runs[1];
    expect(second.exitCode).toBe(0);
    expect(second.sent).toHaveLength(0);
    expect(second.summary?.send?.sent).toBe(0);
    expect(second.summary?.detect?.jobs).toBe(0);
    expect(result.sentMail).toHaveLength(result.runs[0].sent.length);
    expect(printed).toContain('  Nothing sent: every release was already told. Each one is told exactly once.');
  });

  it('writes an .eml and an .html per email and points at them', () => {
    const emails = result.sentMail.length;
    expect(readdirSync(outboxDir).filter((f) => f.endsWith('.eml'))).toHaveLength(emails);
    expect(readdirSync(outboxDir).filter((f) => f.endsWith('.html'))).toHaveLength(emails);
    expect(result.written.filter((w) => w.to !== 'soc@contoso.com').map((w) => w.to)).toEqual(
      toldToday().map((e) => e.to),
    );
    expect(result.written.filter((w) => w.to === 'soc@contoso.com').length).toBeGreaterThanOrEqual(2);
    expect(printed.some((line) => line.includes('01-alice@contoso.com-') && line.includes('in a browser'))).toBe(true);
  });
});
