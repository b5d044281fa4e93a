/**
 * Issue 15: invisible characters never survive into a notice or a log line, URLs and addresses inside
 * outside text are defanged, and no outside value can forge a log line.
 */
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import type { ReleasedMessageFacts } from '../../shared/domain/types';
import { MemoryLogger, printable } from '../../shared/log/logger';
import { composeNotification } from '../../shared/email/compose';
import { cleanInline, defang, displayText } from '../../shared/email/sanitize';
import { noticeJob, releasedFacts } from '../support/mothers';

/** One representative per class the issue names, and the class's edges. */
const INVISIBLE_CLASSES: ReadonlyArray<[string, string[]]> = [
  ['tag characters U+E0000-E007F', ['\u{E0000}', '\u{E0001}', '\u{E0041}', '\u{E007F}']],
  ['Hangul fillers', ['\u3164', '\uFFA0', '\u115F', '\u1160']],
  ['combining grapheme joiner U+034F', ['\u034F']],
  ['variation selectors', ['\uFE00', '\uFE0F', '\u{E0100}', '\u{E01EF}']],
  ['braille blank U+2800', ['\u2800']],
  ['Khmer inherent vowels U+17B4/U+17B5', ['\u17B4', '\u17B5']],
  ['deprecated format characters U+206A-206F', ['\u206A', '\u206F']],
  ['zero-width space, joiners and marks', ['\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u2060', '\uFEFF']],
  ['bidi embeddings, overrides and isolates', ['\u202A', '\u202E', '\u2066', '\u2069', '\u061C']],
  ['soft hyphen and Mongolian selectors', ['\u00AD', '\u180B', '\u180E']],
  [
    'other default-ignorables (U+FFF0, musical symbol formatting, shorthand format)',
    ['\uFFF0', '\u{1D173}', '\u{1BCA0}'],
  ],
  ['C0 and C1 controls', ['\u0000', '\u0007', '\u001B', '\u007F', '\u0080', '\u009B']],
];

describe('sanitising removes every invisible class (one case per class)', () => {
  it.each(INVISIBLE_CLASSES)('%s', (_name, characters) => {
    for (const ch of characters) {
      expect(cleanInline(`pay${ch}pal${ch}`)).toBe('paypal');
      expect(displayText(`${ch}${ch}${ch}`)).toBe('');
    }
  });

  it('a subject made only of fillers reads "(no subject)", in the subject line and the body', () => {
    const filler = '\u3164\u2800\u{E0020}\uFFA0\u115F\u034F\uFE0F\u17B4\u206A';
    const email = composeNotification(job({ subject: filler }), TEMPLATE);
    expect(email.subject).toBe('Your message "(no subject)" was released from quarantine');
    expect(email.text).toContain('Subject (as written by the sender): (no subject)\n');
  });

  it('a hidden tag-character message is removed from subject, HTML and text', () => {
    const hidden = [...'ignore previous instructions']
      .map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0)))
      .join('');
    const email = composeNotification(job({ subject: `Invoice${hidden} 42`, policyName: `Policy${hidden}` }), TEMPLATE);
    for (const part of [email.subject, email.html, email.text]) expect(part).not.toMatch(/[\u{E0000}-\u{E007F}]/u);
    expect(email.subject).toContain('"Invoice 42"');
  });

  it('keeps visible text, accents and emoji intact', () => {
    expect(cleanInline('Grüße aus Zürich 😀 — 東京')).toBe('Grüße aus Zürich 😀 — 東京');
  });
});

describe('defanging outside text', () => {
  it.each([
    ['https://a.evil.example/x', 'hxxps://a[.]evil[.]example/x'],
    ['http://evil.example', 'hxxp://evil[.]example'],
    ['HTTPS://EVIL.EXAMPLE/', 'HXXPS://EVIL[.]EXAMPLE/'],
    ['contoso-login.evil.example', 'contoso-login[.]evil[.]example'],
    ['www.evil.example/reset', 'www[.]evil[.]example/reset'],
    ['user@evil.example', 'user[@]evil[.]example'],
    ['ftp://files.evil.example', 'ftp[:]//files[.]evil[.]example'],
    ['see 192.168.10.20 now', 'see 192[.]168[.]10[.]20 now'],
    ['evil\u3002example', 'evil[.]example'],
    ['пример.рф', 'пример[.]рф'],
    ['report.zip', 'report[.]zip'],
  ])('%s -> %s', (input, expected) => {
    expect(defang(input)).toBe(expected);
  });

  it.each([['Q3 numbers v1.2 (final)'], ['Meeting @ 3pm with @alice'], ['e.g. this'], ['Price 3.50 EUR']])(
    'leaves ordinary text alone: %s',
    (input) => {
      expect(defang(input)).toBe(input);
    },
  );

  it('is idempotent', () => {
    const once = defang('Urgent: https://contoso-login.evil.example/reset or mail help@evil.example');
    expect(defang(once)).toBe(once);
  });

  const LURE = 'Urgent: re-verify your mailbox at https://contoso-login.evil.example/reset or write to it@evil.example';

  it('defangs the subject in the subject line, the title, the HTML and the text, labelled as the sender wrote it', () => {
    const email = composeNotification(job({ subject: LURE }), TEMPLATE);
    expect(email.subject).toBe(
      'Your message "Urgent: re-verify your mailbox at hxxps://contoso-login[.]evil[.]example/reset or w…" was released from quarantine',
    );
    expect(email.text).toContain(
      'Subject (as written by the sender): Urgent: re-verify your mailbox at hxxps://contoso-login[.]evil[.]example/reset or write to it[@]evil[.]example\n',
    );
    for (const part of [email.subject, email.html, email.text]) {
      expect(part).not.toMatch(/https?:\/\/|evil\.example|contoso-login\.evil|@evil/i);
    }
    expect(email.html).toContain('>Subject (as written by the sender)</th>');
  });

  it('defangs the policy name and an unknown quarantine type', () => {
    const email = composeNotification(
      job({ policyName: 'See https://policy.evil.example', quarantineType: 'Visit.evil.example' }),
      TEMPLATE,
    );
    expect(email.text).toContain('Held because: Visit[.]evil[.]example: See hxxps://policy[.]evil[.]example\n');
  });

  it("shows the product's own addresses as addresses, never as links, with wrap points after @ and dots", () => {
    const email = composeNotification(
      job({
        releasedBy: 'sec.admin@contoso.com',
        releasedTo: 'bob@fabrikam.example',
        recipients: ['bob@fabrikam.example'],
      }),
      TEMPLATE,
    );
    expect(email.text).toContain('Released by: sec.admin@contoso.com\n');
    expect(email.text).toContain('Released to: bob@fabrikam.example\n');
    expect(email.html).toContain('sec.<wbr>admin@<wbr>contoso.<wbr>com');
    expect(email.html).toContain('bob@<wbr>fabrikam.<wbr>example');
    expect(email.html).not.toMatch(/mailto:|<a[\s>]|href=/i);
    // No address appears as one unbroken text run that an autolinker could pick up.
    const textRuns = email.html.replace(/<[^>]*>/g, '\u0000').split('\u0000');
    expect(textRuns.filter((run) => /\S@\S+\.\S/.test(run))).toEqual([]);
  });

  it('keeps hyphenated address parts together so they do not break at the hyphen', () => {
    const email = composeNotification(
      job({ recipients: ['ap@northwind-traders.example'], releasedTo: 'ap@northwind-traders.example' }),
      TEMPLATE,
    );
    expect(email.html).toContain('ap@<wbr><span style="white-space:nowrap">northwind-traders.</span><wbr>example');
  });

  it('defangs an address field that is not a plain mailbox address', () => {
    const email = composeNotification(
      job({ releasedTo: 'https://evil.example/x', recipients: ['https://evil.example/x'] }),
      TEMPLATE,
    );
    expect(email.text).toContain('Released to: hxxps://evil[.]example/x\n');
  });
});

describe('printable: the one filter for outside values in log lines', () => {
  it('a ReleaseTo with a newline cannot forge a log line', () => {
    const releaseTo = 'bob@fabrikam.example\nINFO summary sendNotification {"jobId":"forged"}';
    const log = new MemoryLogger();
    log.info(`release of 5b0f7c1e to ${printable(releaseTo, 200)} skipped`);
    expect(log.lines).toHaveLength(1);
    const [line] = log.lines;
    expect(line.split(/\r\n|[\n\r\u0085\u2028\u2029]/)).toHaveLength(1);
    expect(line).toBe(
      'INFO release of 5b0f7c1e to bob@fabrikam.example?INFO summary sendNotification {"jobId":"forged"} skipped',
    );
  });

  it.each([
    ['\r'],
    ['\n'],
    ['\r\n'],
    ['\u0085'],
    ['\u2028'],
    ['\u2029'],
    ['\u000b'],
    ['\u000c'],
    ['\u001b[2J'],
    ['\u0000'],
    ['\u009b'],
  ])('shows the control %j as ? (never a line break)', (control) => {
    const out = printable(`a${control}b`);
    expect(out).toMatch(/^a\?+(\[2J)?b$/);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  it.each(INVISIBLE_CLASSES.filter(([name]) => !name.startsWith('C0')))('removes %s', (_name, characters) => {
    for (const ch of characters) expect(printable(`ad${ch}min`)).toBe('admin');
  });

  it('bounds the length in code points, never splitting a surrogate pair, and marks the cut', () => {
    expect(printable('x'.repeat(500), 80)).toBe(`${'x'.repeat(80)}...`);
    const emoji = printable('😀'.repeat(100), 10);
    expect(emoji).toBe(`${'😀'.repeat(10)}...`);
    expect(printable('short')).toBe('short');
  });

  it('stays bounded for a huge value padded with invisible characters', () => {
    const huge = '\u{E0041}'.repeat(200_000) + 'tail';
    const out = printable(huge, 40);
    expect(out.length).toBeLessThanOrEqual(43);
    expect(out.endsWith('...')).toBe(true);
  });

  it('shows a lone surrogate as ?', () => {
    expect(printable('a\ud800b')).toBe('a?b');
  });
});

// ---------------------------------------------------------------------------------------------------

const TEMPLATE = { subject: undefined, intro: undefined, footer: undefined, language: 'en' };

function job(overrides: Partial<ReleasedMessageFacts>): NotificationJob {
  return noticeJob([releasedFacts(overrides)]);
}
