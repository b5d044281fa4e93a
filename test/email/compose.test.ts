import type { NotifyTemplateSettings } from '../../shared/config/settings';
import { SUPPORTED_LANGUAGES } from '../../shared/config/settings';
import type { NotificationJob } from '../../shared/jobs/notificationJob';
import type { ReleasedMessageFacts } from '../../shared/domain/types';
import { ID_A, ID_B, ID_C, noticeJobAsGiven, releasedFacts } from '../support/mothers';
import { type ComposedEmail, composeNotification, NETWORK_MESSAGE_IDS_HEADER } from '../../shared/email/compose';
import { MalformedJobError } from '../../shared/jobs/notificationJob';
import { toGraphMessage } from '../../shared/graph/graphMessage';
import { escapeHtml } from '../../shared/email/html';
import { KNOWN_QUARANTINE_TYPES, STRINGS } from '../../shared/email/strings';

// ---------------------------------------------------------------------------------------------------
// Fixtures

function facts(overrides: Partial<ReleasedMessageFacts> = {}): ReleasedMessageFacts {
  // Exchange's own time format (7 fractional digits and an offset), the policy named in full.
  return releasedFacts({
    receivedAt: '2026-08-20T14:02:11.1234567+00:00',
    policyName: 'Quarantine outbound attachments to external',
    ...overrides,
  });
}

function job(releases: ReleasedMessageFacts[] = [facts()], sender = 'alice@contoso.com'): NotificationJob {
  return noticeJobAsGiven(releases, sender);
}

function template(overrides: Partial<NotifyTemplateSettings> = {}): NotifyTemplateSettings {
  return { subject: undefined, intro: undefined, footer: undefined, language: 'en', ...overrides };
}

function compose(
  releases: ReleasedMessageFacts[] = [facts()],
  overrides: Partial<NotifyTemplateSettings> = {},
): ComposedEmail {
  return composeNotification(job(releases), template(overrides));
}

// ---------------------------------------------------------------------------------------------------
// HTML inspection: the only markup in the document is what the composer itself emits.

// wbr: wrap opportunities inside addresses and defanged URLs (issue 12: narrow screens; issue 15: no autolinks).
const ALLOWED_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'body',
  'table',
  'tr',
  'td',
  'th',
  'p',
  'br',
  'strong',
  'span',
  'div',
  'wbr',
]);
const ALLOWED_ATTRIBUTES = new Set([
  'lang',
  'dir',
  'http-equiv',
  'content',
  'name',
  'style',
  'role',
  'width',
  'align',
  'valign',
  'cellpadding',
  'cellspacing',
  'border',
]);
const MSO_OPEN = /<!--\[if mso\]>(.*?)<!\[endif\]-->/g;

/** Every tag in the document as name plus attribute names; throws on anything that is not a tag. */
function tagsOf(html: string): Array<{ name: string; attributes: string[] }> {
  // Outlook-only conditional comments wrap table markup: inspect their content like any other markup.
  const flat = html.replace(/^<!DOCTYPE html>\n/, '').replace(MSO_OPEN, '$1');
  const tags: Array<{ name: string; attributes: string[] }> = [];
  const rest = flat.replace(
    /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+="[^"<>]*")*)\s*>/g,
    (_m, _slash: string, name: string, attrs: string) => {
      const attributes = [...attrs.matchAll(/([a-zA-Z-]+)="/g)].map((m) => m[1].toLowerCase());
      tags.push({ name: name.toLowerCase(), attributes });
      return '';
    },
  );
  // What is left is text: it must contain no markup characters at all.
  expect(rest).not.toMatch(/[<>]/);
  return tags;
}

function expectOnlyOwnMarkup(html: string): void {
  for (const tag of tagsOf(html)) {
    expect(ALLOWED_TAGS).toContain(tag.name);
    for (const attribute of tag.attributes) {
      expect(ALLOWED_ATTRIBUTES).toContain(attribute);
      expect(attribute).not.toMatch(/^on/);
    }
  }
  // As markup: the escaped payloads still contain "src=" and "onerror=" as visible text, which is fine.
  expect(html).not.toMatch(/<img|<script|<a[\s>]|<link|<style|<iframe|<svg/i);
}

function headerValues(email: ComposedEmail): string[] {
  return email.headers.map((h) => `${h.name}: ${h.value}`);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The part of a default English subject line between its quotes. */
function quotedSubject(subjectLine: string): string {
  const match = /^Your message "(.*)" was released from quarantine$/.exec(subjectLine);
  if (!match) throw new Error(`unexpected subject line: ${subjectLine}`);
  return match[1];
}

// ---------------------------------------------------------------------------------------------------

describe('composeNotification: the happy path', () => {
  const email = compose();

  it('addresses the original sender with a subject naming the message', () => {
    expect(email.to).toBe('alice@contoso.com');
    expect(email.subject).toBe('Your message "Q3 pricing sheet" was released from quarantine');
  });

  it('states every fact in the HTML: subject, sent, recipients, released to/by/at, held because', () => {
    expect(email.html).toContain('Q3 pricing sheet');
    expect(email.html).toContain('20 Aug 2026, 14:02 UTC');
    // Addresses carry <wbr> after @ and dots: wrap points on narrow screens, and no client autolink.
    expect(email.html).toContain('bob@<wbr>fabrikam.<wbr>example');
    expect(email.html).toContain('admin@<wbr>contoso.<wbr>com');
    expect(email.html).toContain('21 Aug 2026, 09:15 UTC');
    expect(email.html).toContain('Mail flow rule: Quarantine outbound attachments to external');
    for (const label of [
      'Subject (as written by the sender)',
      'Sent',
      'Original recipients',
      'Released to',
      'Released by',
      'Released at',
      'Held because',
    ]) {
      expect(email.html).toContain(`>${label}</th>`);
    }
    expect(email.html).toContain(STRINGS.en.introAdminOne);
    expect(email.html).toContain(STRINGS.en.footer);
  });

  it('states the same facts in the plain-text part', () => {
    expect(email.text).toBe(
      [
        STRINGS.en.introAdminOne,
        '',
        'Subject (as written by the sender): Q3 pricing sheet',
        'Sent: 20 Aug 2026, 14:02 UTC',
        'Original recipients: bob@fabrikam.example',
        'Released to: bob@fabrikam.example',
        'Released by: admin@contoso.com',
        'Released at: 21 Aug 2026, 09:15 UTC',
        'Held because: Mail flow rule: Quarantine outbound attachments to external',
        '',
        STRINGS.en.footer,
        '',
      ].join('\n'),
    );
  });

  it('is a small, self-contained HTML document: tables, inline styles, at most 600px, no links or images', () => {
    expect(email.html.startsWith('<!DOCTYPE html>\n<html lang="en"')).toBe(true);
    expect(email.html).toContain('<meta http-equiv="Content-Type" content="text/html; charset=utf-8">');
    expect(email.html).toContain('max-width:600px');
    expect(email.html).toContain(
      '<title>Your message &quot;Q3 pricing sheet&quot; was released from quarantine</title>',
    );
    expect(email.html).not.toMatch(/class=|<style|<script|<img|<a |href=|src=|https?:/i);
    expectOnlyOwnMarkup(email.html);
  });

  it('tags the email with the NetworkMessageId header', () => {
    expect(email.headers).toEqual([
      { name: NETWORK_MESSAGE_IDS_HEADER, value: ID_A },
      { name: 'x-qrn-event', value: 'released' },
    ]);
  });

  it('maps to the Graph sendMail message', () => {
    expect(toGraphMessage(email)).toEqual({
      subject: email.subject,
      body: { contentType: 'HTML', content: email.html },
      toRecipients: [{ emailAddress: { address: 'alice@contoso.com' } }],
      internetMessageHeaders: [
        { name: 'x-qrn-network-message-ids', value: ID_A },
        { name: 'x-qrn-event', value: 'released' },
      ],
    });
  });

  it('is pure: the job is not changed and the same job gives the same email', () => {
    const input = job([
      facts({ releasedAt: '2026-08-21T10:00:00Z' }),
      facts({ networkMessageId: ID_B, releasedAt: '2026-08-21T09:00:00Z' }),
    ]);
    const before = JSON.stringify(input);
    const first = composeNotification(input, template());
    expect(JSON.stringify(input)).toBe(before);
    expect(composeNotification(input, template())).toEqual(first);
  });
});

describe('composeNotification: releases by Microsoft 365 itself', () => {
  it('says the message was released automatically by Microsoft 365', () => {
    const email = compose([facts({ releasedBy: undefined })]);
    expect(email.html).toContain('Microsoft 365 (automatic release)');
    expect(email.text).toContain('Released by: Microsoft 365 (automatic release)');
    expect(email.text).toContain(STRINGS.en.introSystemOne);
    expect(email.text).not.toContain('An administrator');
  });

  it('treats a job that lost releasedBy on the queue (missing or null) as a system release', () => {
    const roundTripped = JSON.parse(JSON.stringify(job([facts({ releasedBy: undefined })]))) as NotificationJob;
    expect(roundTripped.releases[0]).not.toHaveProperty('releasedBy');
    expect(composeNotification(roundTripped, template()).text).toContain(
      'Released by: Microsoft 365 (automatic release)',
    );

    const withNull = JSON.parse(JSON.stringify(job()).replace('"admin@contoso.com"', 'null')) as NotificationJob;
    expect(composeNotification(withNull, template()).text).toContain('Released by: Microsoft 365 (automatic release)');
  });

  it('says both when some releases were by an admin and some automatic', () => {
    const email = compose([
      facts({ releasedTo: 'bob@fabrikam.example' }),
      facts({ releasedTo: 'carol@fabrikam.example', releasedBy: undefined, releasedAt: '2026-08-21T10:00:00Z' }),
    ]);
    expect(email.text).toContain(STRINGS.en.introMixedOne);
  });
});

describe('composeNotification: hostile values are text, never markup', () => {
  const IMG = '<img src=x onerror=alert(1)>';
  const SCRIPT = '"><script>alert(1)</script>';
  const both = `${IMG} ${SCRIPT}`;

  const email = composeNotification(
    job([
      facts({
        subject: both,
        policyName: both,
        quarantineType: SCRIPT,
        recipients: [IMG, SCRIPT, 'bob@fabrikam.example'],
        releasedTo: IMG,
        releasedBy: SCRIPT,
        receivedAt: IMG,
        releasedAt: SCRIPT,
      }),
    ]),
    template({ intro: `Hello ${IMG}\n${SCRIPT}`, footer: `Bye ${SCRIPT}` }),
  );

  it('contains only the tags and attributes the composer emits', () => {
    expectOnlyOwnMarkup(email.html);
  });

  it('shows the payloads escaped', () => {
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain(`Hello ${escapeHtml(IMG)}<br>${escapeHtml(SCRIPT)}`);
    expect(email.html).toContain(`Bye ${escapeHtml(SCRIPT)}`);
    // Unparseable dates are shown as given, escaped.
    expect(email.html).toContain(`>${escapeHtml(IMG)}</td>`);
  });

  it('escapes the subject in <title> too', () => {
    expect(email.html).toMatch(
      /<title>Your message &quot;&lt;img src=x onerror=alert\(1\)&gt; &quot;&gt;&lt;script&gt;/,
    );
  });

  it('keeps the plain-text part as plain text', () => {
    expect(email.text).toContain(`Subject (as written by the sender): ${both}`);
    expect(email.text).toContain(`Released to: ${IMG}`);
  });

  it('escapeHtml escapes the five HTML-special characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});

describe('composeNotification: the subject line', () => {
  it('turns CR/LF into spaces, so "Hello\\r\\nBcc: evil@x" stays on one line', () => {
    const email = compose([facts({ subject: 'Hello\r\nBcc: evil@x' })]);
    // The address-looking part is defanged too (issue 15).
    expect(email.subject).toBe('Your message "Hello Bcc: evil[@]x" was released from quarantine');
  });

  it('removes C0 and C1 control characters and collapses whitespace', () => {
    const email = compose([facts({ subject: '  A\u0000B\u0007C\u001bD\u0085E\u009bF\t\t  G\u000b\u000cH  ' })]);
    expect(quotedSubject(email.subject)).toBe('ABCD EF G H');
  });

  it('removes zero-width and bidi override characters', () => {
    const email = compose([
      facts({
        subject:
          'invoice\u202Egpj.exe \u200Bpay\u200Dpal\uFEFF \u2066x\u2067y\u2068z\u2069 \u200E\u200F\u202A\u202B\u202C\u202Dend',
      }),
    ]);
    // gpj.exe reads as a host name once the override is gone: defanged (issue 15).
    expect(quotedSubject(email.subject)).toBe('invoicegpj[.]exe paypal xyz end');
  });

  it('shortens a 500-character subject to 80 characters with an ellipsis', () => {
    const email = compose([facts({ subject: 'x'.repeat(500) })]);
    const inner = quotedSubject(email.subject);
    expect([...inner]).toHaveLength(80);
    expect(inner).toBe('x'.repeat(79) + '\u2026');
    expect(email.subject.length).toBeLessThanOrEqual(255);
  });

  it('never splits an emoji (surrogate pair) at the cut point', () => {
    // A naive slice(0, 79) would cut the emoji in half.
    const inner = quotedSubject(compose([facts({ subject: 'a'.repeat(78) + '😀😀😀😀' })]).subject);
    expect(inner).toBe('a'.repeat(78) + '😀\u2026');
    expect(inner).not.toMatch(LONE_SURROGATE);

    const shifted = quotedSubject(compose([facts({ subject: 'a'.repeat(79) + '😀😀' })]).subject);
    expect(shifted).toBe('a'.repeat(79) + '\u2026');
    expect(shifted).not.toMatch(LONE_SURROGATE);
  });

  it('never keeps half of a flag or of a joined emoji at the cut point', () => {
    expect(quotedSubject(compose([facts({ subject: 'a'.repeat(78) + '🇩🇪 and more' })]).subject)).toBe(
      'a'.repeat(78) + '\u2026',
    );
  });

  it('drops lone surrogates from the original subject', () => {
    const inner = quotedSubject(compose([facts({ subject: 'bad\ud800half\udc00' })]).subject);
    expect(inner).toBe('badhalf');
  });

  it('says "(no subject)" for an empty or invisible subject, in the job language', () => {
    expect(compose([facts({ subject: '' })]).subject).toBe('Your message "(no subject)" was released from quarantine');
    expect(compose([facts({ subject: ' \u200B\r\n\u202E ' })]).subject).toBe(
      'Your message "(no subject)" was released from quarantine',
    );
    expect(compose([facts({ subject: '' })], { language: 'de' }).subject).toBe(
      'Ihre Nachricht „(kein Betreff)“ wurde aus der Quarantäne freigegeben',
    );
  });

  it('uses the admin template with {subject} and {count}, leaving unknown placeholders as typed', () => {
    const email = compose([facts()], { subject: '[Released] {subject} ({count}) {sender} {Subject}' });
    expect(email.subject).toBe('[Released] Q3 pricing sheet (1) {sender} {Subject}');
  });

  it('does not expand placeholders that appear inside the original subject', () => {
    const email = compose([facts({ subject: 'Totals {count} and {subject}' })], { subject: 'Released: {subject}' });
    expect(email.subject).toBe('Released: Totals {count} and {subject}');
  });

  it('keeps an admin template on one line and within 255 characters', () => {
    const email = compose([facts({ subject: 'y'.repeat(300) })], {
      subject: `Line one\r\nBcc: x ${'z'.repeat(190)} {subject} {subject}`,
    });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject.startsWith('Line one Bcc: x ')).toBe(true);
    expect(email.subject.length).toBeLessThanOrEqual(255);
    expect(email.subject.endsWith('\u2026')).toBe(true);
  });

  it('falls back to the default when the admin template is blank', () => {
    expect(compose([facts()], { subject: ' \r\n ' }).subject).toBe(
      'Your message "Q3 pricing sheet" was released from quarantine',
    );
  });
});

describe('composeNotification: no header injection through any field', () => {
  const NASTY = [
    'Hello\r\nBcc: evil@x',
    'a\rb',
    'a\nb',
    '\u0085x\u2028y\u2029',
    'X-Evil: 1\r\n\r\n<html>',
    'z'.repeat(1000),
  ];

  it('keeps CR/LF out of the subject line and every header value, whatever field carries it', () => {
    const fields: Array<keyof ReleasedMessageFacts> = [
      'subject',
      'receivedAt',
      'releasedTo',
      'releasedBy',
      'releasedAt',
      'quarantineType',
      'policyName',
    ];
    for (const nasty of NASTY) {
      for (const field of fields) {
        for (const subjectTemplate of [undefined, `Re: ${nasty} {subject}`]) {
          const email = compose([facts({ [field]: nasty, recipients: [nasty] })], {
            subject: subjectTemplate,
            intro: nasty,
            footer: nasty,
          });
          expect(email.subject).not.toMatch(/[\r\n\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
          expect(email.subject.length).toBeLessThanOrEqual(255);
          expect(headerValues(email)).toEqual([`x-qrn-network-message-ids: ${ID_A}`, 'x-qrn-event: released']);
          const graph = toGraphMessage(email);
          expect(JSON.stringify(graph.internetMessageHeaders)).not.toMatch(/\\r|\\n/);
        }
      }
    }
  });

  it.each([
    ['not-a-guid'],
    [`${ID_A}\r\nX-Evil: 1`],
    [`${ID_A} `],
    [`{${ID_A}}`],
    [`${ID_A},${ID_B}`],
    [''],
    [`${ID_A}\\9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d`],
  ])('rejects the non-GUID NetworkMessageId %j', (bad) => {
    const call = (): ComposedEmail => compose([facts(), facts({ networkMessageId: bad })]);
    expect(call).toThrow(MalformedJobError);
    expect(call).toThrow(/not a GUID/);
  });

  it('rejects a job whose NetworkMessageId is not a string at all', () => {
    const broken = JSON.parse(JSON.stringify(job()).replace(`"${ID_A}"`, '42')) as NotificationJob;
    expect(() => composeNotification(broken, template())).toThrow(MalformedJobError);
  });

  it('lower-cases and de-duplicates the ids, in job order', () => {
    const email = compose([
      facts({ networkMessageId: ID_B.toUpperCase(), releasedAt: '2026-08-21T12:00:00Z' }),
      facts({ networkMessageId: ID_A, releasedAt: '2026-08-21T08:00:00Z' }),
      facts({ networkMessageId: ID_B, releasedTo: 'carol@fabrikam.example' }),
    ]);
    expect(email.headers).toEqual([
      { name: 'x-qrn-network-message-ids', value: `${ID_B},${ID_A}` },
      { name: 'x-qrn-event', value: 'released' },
    ]);
  });

  it('rejects a sender that is not a plain mailbox address', () => {
    for (const sender of ['alice@contoso.com\r\nBcc: evil@x', 'Alice <alice@contoso.com>', '', 'alice']) {
      expect(() => composeNotification(job([facts()], sender), template())).toThrow(MalformedJobError);
    }
  });

  it('rejects a job without releases', () => {
    expect(() => composeNotification(job([]), template())).toThrow(/no releases/);
  });

  it('toGraphMessage refuses a hand-built email that breaks the one-line rules', () => {
    const good = compose();
    expect(() => toGraphMessage({ ...good, subject: 'a\r\nBcc: x' })).toThrow(MalformedJobError);
    expect(() => toGraphMessage({ ...good, headers: [{ name: 'x-a', value: 'v\r\nBcc: x' }] })).toThrow(
      MalformedJobError,
    );
    expect(() => toGraphMessage({ ...good, headers: [{ name: 'Bcc', value: 'x@y.z' }] })).toThrow(MalformedJobError);
    expect(() => toGraphMessage({ ...good, to: 'x@y.z\r\nBcc: a@b.c' })).toThrow(MalformedJobError);
  });
});

describe('composeNotification: admin intro and footer', () => {
  it('uses them instead of the defaults, escaped, with line breaks kept', () => {
    const email = compose([facts()], {
      intro: 'Hi,\nyour mail is out & about.\r\n\r\nQuestions? Ask IT.',
      footer: 'Contoso IT\nRoom 1',
    });
    expect(email.html).toContain('Hi,<br>your mail is out &amp; about.</p>');
    expect(email.html).toContain('>Questions? Ask IT.</p>');
    expect(email.html).toContain('Contoso IT<br>Room 1');
    expect(email.html).not.toContain(STRINGS.en.introAdminOne);
    expect(email.html).not.toContain(STRINGS.en.footer);
    expect(email.text.startsWith('Hi,\nyour mail is out & about.\n\nQuestions? Ask IT.\n\n')).toBe(true);
    expect(email.text.endsWith('Contoso IT\nRoom 1\n')).toBe(true);
  });

  it('falls back to the defaults when they are blank', () => {
    const email = compose([facts()], { intro: '  \n ', footer: '' });
    expect(email.text).toContain(STRINGS.en.introAdminOne);
    expect(email.text).toContain(STRINGS.en.footer);
  });
});

describe('composeNotification: languages', () => {
  it.each(SUPPORTED_LANGUAGES.map((language) => [language]))('writes the whole email in %s', (language) => {
    const strings = STRINGS[language];
    const email = compose([facts({ releasedBy: undefined })], { language });
    expect(email.subject).toBe(strings.subjectOne.replace('{subject}', 'Q3 pricing sheet'));
    expect(email.html).toContain(`<html lang="${language}"`);
    for (const label of [
      strings.labelSubject,
      strings.labelSent,
      strings.labelRecipients,
      strings.labelReleasedTo,
      strings.labelReleasedBy,
      strings.labelReleasedAt,
      strings.labelHeldBecause,
    ]) {
      expect(email.html).toContain(`>${escapeHtml(label)}</th>`);
    }
    expect(email.text).toContain(strings.introSystemOne);
    expect(email.text).toContain(strings.releasedAutomatically);
    expect(email.text).toContain(strings.quarantineTypes.TransportRule);
    expect(email.text).toContain(strings.footer);
    expectOnlyOwnMarkup(email.html);
  });

  it('formats dates for the language', () => {
    expect(compose([facts()], { language: 'de' }).text).toContain('21. Aug. 2026, 09:15 UTC');
    expect(compose([facts()], { language: 'fr' }).text).toContain('21 août 2026');
    expect(compose([facts()], { language: 'nl' }).text).toContain('21 aug 2026');
  });

  it('reads a regional tag as its language and anything unknown as English', () => {
    expect(compose([facts()], { language: 'de-CH' }).subject).toBe(
      'Ihre Nachricht „Q3 pricing sheet“ wurde aus der Quarantäne freigegeben',
    );
    expect(compose([facts()], { language: 'xx' }).subject).toBe(
      'Your message "Q3 pricing sheet" was released from quarantine',
    );
  });

  it('has every string in every language, with the same placeholders as English', () => {
    const placeholders = (s: string): string[] => [...s.matchAll(/\{[a-z]+\}/gi)].map((m) => m[0]).sort();
    const en = STRINGS.en;
    for (const language of SUPPORTED_LANGUAGES) {
      const strings = STRINGS[language];
      expect(Object.keys(strings).sort()).toEqual(Object.keys(en).sort());
      expect(Object.keys(strings.quarantineTypes).sort()).toEqual([...KNOWN_QUARANTINE_TYPES].sort());
      for (const key of Object.keys(en) as Array<keyof typeof en>) {
        const value = strings[key];
        const reference = en[key];
        if (typeof value === 'string' && typeof reference === 'string') {
          expect(value.trim()).not.toBe('');
          expect({ language, key, placeholders: placeholders(value) }).toEqual({
            language,
            key,
            placeholders: placeholders(reference),
          });
        }
      }
      for (const type of KNOWN_QUARANTINE_TYPES) expect(strings.quarantineTypes[type].trim()).not.toBe('');
    }
    expect(Object.keys(STRINGS).sort()).toEqual([...SUPPORTED_LANGUAGES].sort());
  });
});

describe('composeNotification: dates', () => {
  it('shows dates in the requested time zone', () => {
    const email = composeNotification(job(), template(), { timeZone: 'Europe/Berlin' });
    expect(email.text).toContain('Released at: 21 Aug 2026, 11:15 CEST');
  });

  it('refuses an unknown time zone with a clear error', () => {
    expect(() => composeNotification(job(), template(), { timeZone: 'Mars/Olympus' })).toThrow(
      /Unknown time zone "Mars\/Olympus"/,
    );
  });

  it('shows an unparseable date as given instead of throwing', () => {
    const email = compose([facts({ receivedAt: 'yesterday <b>', releasedAt: '1' })]);
    expect(email.html).toContain('>yesterday &lt;b&gt;</td>');
    expect(email.text).toContain('Sent: yesterday <b>');
    expect(email.text).toContain('Released at: 1\n');
    expect(compose([facts({ receivedAt: '' })]).text).toContain('Sent: (unknown)');
  });
});

describe('composeNotification: several releases in one email', () => {
  const email = compose([
    facts({
      networkMessageId: ID_A,
      subject: 'Contract draft',
      releasedTo: 'bob@fabrikam.example',
      releasedAt: '2026-08-21T10:00:00Z',
    }),
    facts({
      networkMessageId: ID_B,
      subject: 'Pricing',
      recipients: ['dave@northwind.example'],
      releasedTo: 'dave@northwind.example',
      releasedAt: '2026-08-21T09:00:00Z',
    }),
    facts({
      networkMessageId: ID_A,
      subject: 'Contract draft',
      recipients: ['carol@fabrikam.example'],
      releasedTo: 'carol@fabrikam.example',
      releasedBy: undefined,
      releasedAt: '2026-08-21T11:00:00Z',
    }),
  ]);

  it('counts distinct messages in the subject line', () => {
    expect(email.subject).toBe('2 of your messages were released from quarantine');
  });

  it('reports each message once, ordered by release time, its releases summed up in one row each', () => {
    expect(email.text).toBe(
      [
        STRINGS.en.introMixedMany,
        '',
        'Message 1 of 2',
        'Subject (as written by the sender): Pricing',
        'Sent: 20 Aug 2026, 14:02 UTC',
        'Original recipients: dave@northwind.example',
        'Released to: dave@northwind.example',
        'Released by: admin@contoso.com',
        'Released at: 21 Aug 2026, 09:00 UTC',
        'Held because: Mail flow rule: Quarantine outbound attachments to external',
        '',
        'Message 2 of 2',
        'Subject (as written by the sender): Contract draft',
        'Sent: 20 Aug 2026, 14:02 UTC',
        'Original recipients: bob@fabrikam.example, carol@fabrikam.example',
        // One row each for released to/by/at, not one set per release (issues 10 and 12).
        'Released to: All 2 original recipients',
        'Released by: admin@contoso.com, Microsoft 365 (automatic release)',
        'Released at: 21 Aug 2026, 10:00 UTC – 11:00 UTC',
        'Held because: Mail flow rule: Quarantine outbound attachments to external',
        '',
        STRINGS.en.footer,
        '',
      ].join('\n'),
    );
    expect(email.html.indexOf('Pricing')).toBeLessThan(email.html.indexOf('Contract draft'));
    expect(email.html).toContain('<strong>Message 1 of 2</strong>');
  });

  it('keeps the header ids in job order', () => {
    expect(email.headers[0].value).toBe(`${ID_A},${ID_B}`);
  });

  it('treats one message released to several recipients as one message', () => {
    const one = compose([
      facts({ releasedTo: 'bob@fabrikam.example' }),
      facts({ releasedTo: 'carol@fabrikam.example', releasedAt: '2026-08-21T09:20:00Z' }),
    ]);
    expect(one.subject).toBe('Your message "Q3 pricing sheet" was released from quarantine');
    expect(one.text).toContain(STRINGS.en.introAdminOne);
    expect(one.text).not.toContain('Message 1 of');
  });

  it('reports an exact duplicate release once', () => {
    const duplicated = compose([facts(), facts()]);
    expect(duplicated.text.match(/Released to:/g)).toHaveLength(1);
  });

  it('puts the first subject and the rest count into an admin template', () => {
    const three = compose(
      [
        facts({ subject: 'First' }),
        facts({ networkMessageId: ID_B, subject: 'Second', releasedAt: '2026-08-22T00:00:00Z' }),
        facts({ networkMessageId: ID_C, subject: 'Third', releasedAt: '2026-08-23T00:00:00Z' }),
      ],
      { subject: 'Released ({count}): {subject}' },
    );
    expect(three.subject).toBe('Released (3): First (and 2 more)');
  });

  it('sorts releases with an unreadable time last, in job order', () => {
    const sorted = compose([
      facts({ networkMessageId: ID_A, subject: 'Unknown time', releasedAt: 'soon' }),
      facts({ networkMessageId: ID_B, subject: 'Later', releasedAt: '2026-08-22T00:00:00Z' }),
      facts({ networkMessageId: ID_C, subject: 'Earlier', releasedAt: '2026-08-21T00:00:00+02:00' }),
    ]);
    const order = ['Earlier', 'Later', 'Unknown time'].map((s) =>
      sorted.text.indexOf(`Subject (as written by the sender): ${s}`),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('composeNotification: original recipients', () => {
  const many = (n: number): string[] => Array.from({ length: n }, (_, i) => `user${i + 1}@fabrikam.example`);

  it('shows at most 20 recipients, then "and N more"', () => {
    const email = compose([facts({ recipients: many(25) })]);
    expect(email.html).toContain('user20@<wbr>fabrikam.<wbr>example<br>and 5 more</td>');
    expect(email.html).not.toContain('user21@');
    expect(email.text).toContain('user19@fabrikam.example, user20@fabrikam.example and 5 more\n');
  });

  it('shows exactly 20 recipients without a "more"', () => {
    const email = compose([facts({ recipients: many(20) })]);
    expect(email.text).toContain('user20@fabrikam.example\n');
    expect(email.text).not.toContain('more');
  });

  it('counts a recipient once whatever its case, and says "(unknown)" for none', () => {
    expect(compose([facts({ recipients: ['Bob@Fabrikam.example', 'bob@fabrikam.example'] })]).text).toContain(
      'Original recipients: Bob@Fabrikam.example\n',
    );
    expect(compose([facts({ recipients: [] })]).text).toContain('Original recipients: (unknown)\n');
  });

  it('localises "and N more"', () => {
    expect(compose([facts({ recipients: many(22) })], { language: 'de' }).text).toContain('und 2 weitere');
  });
});

describe('composeNotification: why the message was held', () => {
  const held = (quarantineType: string, policyName: string, language = 'en'): string => {
    const line = compose([facts({ quarantineType, policyName })], { language })
      .text.split('\n')
      .find((l) => /^(Held because|Grund der Quarantäne):/.test(l));
    return line?.replace(/^[^:]+: /, '') ?? '';
  };

  it('names known quarantine types readably, with the policy', () => {
    expect(held('TransportRule', 'Quarantine outbound attachments to external')).toBe(
      'Mail flow rule: Quarantine outbound attachments to external',
    );
    expect(held('DataLossPrevention', 'Credit cards')).toBe('Data loss prevention (DLP) policy: Credit cards');
    expect(held('DLP', 'Credit cards')).toBe('Data loss prevention (DLP) policy: Credit cards');
    expect(held('outboundspam', '')).toBe('Outbound spam policy');
    expect(held('HighConfPhish', '')).toBe('High confidence phishing');
    expect(held('SPOMalware', '')).toBe('Malware in SharePoint, OneDrive or Teams');
    expect(held('TransportRule', 'Regel', 'de')).toBe('Nachrichtenflussregel: Regel');
  });

  it('shows an unknown type as given, and "(unknown)" when nothing is known', () => {
    expect(held('FileTypeBlock', 'Attachments')).toBe('FileTypeBlock: Attachments');
    expect(held('Spam, Bulk', '')).toBe('Spam, Bulk email');
    expect(held('', '')).toBe('(unknown)');
    expect(held('', 'Only a policy')).toBe('Only a policy');
  });
});
