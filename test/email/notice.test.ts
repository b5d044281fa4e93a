/**
 * What an end user reads (issues 12, 10): times in the configured zone across daylight-saving changes,
 * wording that claims no delivery, one row per message listing every recipient it was released to,
 * and the releaser and policy hidden when the organisation asks.
 */
import {
  loadSettings,
  type NotifyTemplateSettings,
  SettingsError,
  SUPPORTED_LANGUAGES,
} from '../../shared/config/settings';
import type { ReleasedMessageFacts } from '../../shared/domain/types';
import { ID_B, noticeJobAsGiven, releasedFacts } from '../support/mothers';
import { type ComposedEmail, composeNotification } from '../../shared/email/compose';
import { STRINGS } from '../../shared/email/strings';

function facts(overrides: Partial<ReleasedMessageFacts> = {}): ReleasedMessageFacts {
  return releasedFacts({ policyName: 'Outbound payment review', ...overrides });
}

function compose(releases: ReleasedMessageFacts[], template: Partial<NotifyTemplateSettings> = {}): ComposedEmail {
  return composeNotification(noticeJobAsGiven(releases), {
    subject: undefined,
    intro: undefined,
    footer: undefined,
    language: 'en',
    ...template,
  });
}

/** The value of one "Label: value" line of the plain-text part. */
function line(email: ComposedEmail, label: string): string | undefined {
  return email.text
    .split('\n')
    .find((l) => l.startsWith(`${label}: `) || l.startsWith(`${label} : `))
    ?.replace(/^[^:]+ ?: /, '');
}

const users = (n: number, domain = 'fabrikam.example'): string[] =>
  Array.from({ length: n }, (_, i) => `user${i + 1}@${domain}`);

describe("NOTIFY_TIME_ZONE: every time in the reader's zone, the zone named", () => {
  const at = (receivedAt: string, releasedAt: string, timeZone: string, language = 'en'): ComposedEmail =>
    compose([facts({ receivedAt, releasedAt })], { timeZone, language });

  it("shows a late-evening UTC send on the next day in Berlin (the issue's example)", () => {
    const email = at('2026-12-01T23:05:00Z', '2026-12-02T08:00:00Z', 'Europe/Berlin');
    expect(line(email, 'Sent')).toBe('2 Dec 2026, 00:05 CET');
    expect(line(email, 'Released at')).toBe('2 Dec 2026, 09:00 CET');
    expect(line(at('2026-12-01T23:05:00Z', '2026-12-02T08:00:00Z', 'UTC'), 'Sent')).toBe('1 Dec 2026, 23:05 UTC');
  });

  it('crosses the spring change in Europe/Berlin (29 Mar 2026): CET before, CEST after', () => {
    const email = at('2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', 'Europe/Berlin');
    expect(line(email, 'Sent')).toBe('29 Mar 2026, 01:30 CET');
    expect(line(email, 'Released at')).toBe('29 Mar 2026, 03:30 CEST');
  });

  it('crosses the autumn change in Europe/Berlin (25 Oct 2026): the repeated hour is told apart by its zone', () => {
    const email = at('2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', 'Europe/Berlin');
    expect(line(email, 'Sent')).toBe('25 Oct 2026, 02:30 CEST');
    expect(line(email, 'Released at')).toBe('25 Oct 2026, 02:30 CET');
  });

  it('keeps both ends of a release span that straddles the autumn change (Intl.formatRange would drop one)', () => {
    const email = compose(
      [
        facts({ releasedAt: '2026-10-25T00:30:00Z' }),
        facts({
          releasedTo: 'carol@fabrikam.example',
          recipients: ['bob@fabrikam.example', 'carol@fabrikam.example'],
          releasedAt: '2026-10-25T01:30:00Z',
        }),
      ],
      { timeZone: 'Europe/Berlin' },
    );
    expect(line(email, 'Released at')).toBe('25 Oct 2026, 02:30 CEST – 02:30 CET');
  });

  it('crosses the US spring change in America/New_York (8 Mar 2026)', () => {
    const email = at('2026-03-08T06:30:00Z', '2026-03-08T07:30:00Z', 'America/New_York');
    expect(line(email, 'Sent')).toBe('8 Mar 2026, 01:30 GMT-5');
    expect(line(email, 'Released at')).toBe('8 Mar 2026, 03:30 GMT-4');
  });

  it('names the zone in the language of the email', () => {
    const email = at('2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', 'Europe/Berlin', 'de');
    expect(email.text).toContain('29. März 2026, 01:30 MEZ');
    expect(email.text).toContain('29. März 2026, 03:30 MESZ');
  });

  it('is read from settings: validated, canonical, default UTC', () => {
    const base = {
      M365_TENANT_ID: '00000000-0000-0000-0000-000000000001',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    };
    expect(loadSettings(base).template.timeZone).toBe('UTC');
    expect(loadSettings({ ...base, NOTIFY_TIME_ZONE: 'europe/berlin' }).template.timeZone).toBe('Europe/Berlin');
    expect(loadSettings({ ...base, NOTIFY_TIME_ZONE: ' ' }).template.timeZone).toBe('UTC');
    for (const bad of ['Mars/Olympus', 'CET+1', 'Europe/Berlin\nINFO forged', 'x'.repeat(100)]) {
      const load = (): unknown => loadSettings({ ...base, NOTIFY_TIME_ZONE: bad });
      expect(load).toThrow(SettingsError);
      expect(load).toThrow(
        /^Setting NOTIFY_TIME_ZONE is invalid \(got "[^\n]*"\): expected an IANA time zone name such as Europe\/Berlin/,
      );
      try {
        load();
      } catch (error) {
        expect(String((error as Error).message)).not.toMatch(/\n/);
      }
    }
  });

  it("the settings' zone reaches the email without the caller passing it", () => {
    const base = {
      M365_TENANT_ID: '00000000-0000-0000-0000-000000000001',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    };
    const template = loadSettings({ ...base, NOTIFY_TIME_ZONE: 'Asia/Tokyo' }).template;
    const email = composeNotification({ jobId: 'j', sender: 'alice@contoso.com', releases: [facts()] }, template);
    expect(line(email, 'Released at')).toBe('21 Aug 2026, 18:15 GMT+9');
  });
});

describe('wording: says what is known, claims no delivery', () => {
  const DELIVERY = { en: /deliver/i, de: /zugestellt/i, fr: /remis/i, es: /entregad/i, nl: /bezorgd/i } as const;

  it.each(SUPPORTED_LANGUAGES.map((l) => [l]))(
    '%s: no intro claims delivery; each points at the "Released to" row',
    (language) => {
      const strings = STRINGS[language];
      const intros = [
        strings.introAdminOne,
        strings.introAdminMany,
        strings.introSystemOne,
        strings.introSystemMany,
        strings.introMixedOne,
        strings.introMixedMany,
      ];
      for (const intro of intros) {
        expect(intro).not.toMatch(DELIVERY[language]);
        expect(intro).toContain(strings.labelReleasedTo);
      }
      // The subject is labelled as the sender's words, not the product's.
      expect(strings.labelSubject).toMatch(/\(.+\)$/);
      expect(strings.releasedAutomatically).toMatch(/^Microsoft 365 \(.+\)$/);
    },
  );

  it('reads "Released by: Microsoft 365 (automatic release)" for an automatic release', () => {
    expect(line(compose([facts({ releasedBy: undefined })]), 'Released by')).toBe('Microsoft 365 (automatic release)');
  });

  it('a partial release lists only whom it went to, next to all original recipients', () => {
    const email = compose([
      facts({ recipients: ['bob@fabrikam.example', 'carol@fabrikam.example', 'dave@fabrikam.example'] }),
    ]);
    expect(line(email, 'Original recipients')).toBe(
      'bob@fabrikam.example, carol@fabrikam.example, dave@fabrikam.example',
    );
    expect(line(email, 'Released to')).toBe('bob@fabrikam.example');
    expect(email.text).not.toMatch(/deliver/i);
  });
});

describe('one row per message listing every recipient it was released to', () => {
  it('a 120-recipient message released to all reads as one message, one row: "All 120 original recipients"', () => {
    const recipients = users(120);
    const email = compose(
      recipients.map((r, i) =>
        facts({ recipients, releasedTo: r, releasedAt: `2026-08-21T09:${String(i % 60).padStart(2, '0')}:00Z` }),
      ),
    );
    expect(email.subject).toBe('Your message "Q3 pricing sheet" was released from quarantine');
    expect(email.text.match(/^Released to:/gm)).toHaveLength(1);
    expect(email.text.match(/^Released by:/gm)).toHaveLength(1);
    expect(email.text.match(/^Released at:/gm)).toHaveLength(1);
    expect(line(email, 'Released to')).toBe('All 120 original recipients');
    expect(line(email, 'Released by')).toBe('admin@contoso.com');
    expect(line(email, 'Released at')).toBe('21 Aug 2026, 09:00 UTC – 09:59 UTC');
    expect(Buffer.byteLength(email.html)).toBeLessThan(40_000);
  });

  it('released to 30 of 120: the first 20 and "and 10 more"', () => {
    const recipients = users(120);
    const email = compose(recipients.slice(0, 30).map((r) => facts({ recipients, releasedTo: r })));
    expect(line(email, 'Released to')).toBe(`${users(20).join(', ')} and 10 more`);
    expect(email.html).toContain('user20@<wbr>fabrikam.<wbr>example<br>and 10 more</td>');
    expect(email.html).not.toContain('user21@');
  });

  it('names every releaser once, in release order, and the span of times', () => {
    const recipients = ['bob@fabrikam.example', 'carol@fabrikam.example', 'dave@fabrikam.example'];
    const email = compose([
      facts({
        recipients,
        releasedTo: 'carol@fabrikam.example',
        releasedBy: 'bob.admin@contoso.com',
        releasedAt: '2026-08-22T07:00:00Z',
      }),
      facts({
        recipients,
        releasedTo: 'bob@fabrikam.example',
        releasedBy: 'alice.admin@contoso.com',
        releasedAt: '2026-08-21T09:15:00Z',
      }),
      facts({
        recipients,
        releasedTo: 'dave@fabrikam.example',
        releasedBy: 'Alice.Admin@contoso.com',
        releasedAt: '2026-08-21T10:00:00Z',
      }),
    ]);
    expect(line(email, 'Released to')).toBe('All 3 original recipients');
    expect(line(email, 'Released by')).toBe('alice.admin@contoso.com, bob.admin@contoso.com');
    expect(line(email, 'Released at')).toBe('21 Aug 2026, 09:15 UTC – 22 Aug 2026, 07:00 UTC');
  });

  it('counts a release without a recipient as a release to all original recipients', () => {
    const recipients = ['bob@fabrikam.example', 'carol@fabrikam.example'];
    expect(line(compose([facts({ recipients, releasedTo: '' })]), 'Released to')).toBe('All 2 original recipients');
  });

  it('keeps messages apart: each has its own rows', () => {
    const email = compose([
      facts(),
      facts({
        networkMessageId: ID_B,
        subject: 'Other',
        releasedTo: 'eve@northwind.example',
        recipients: ['eve@northwind.example'],
      }),
    ]);
    expect(email.text.match(/^Released to:/gm)).toHaveLength(2);
    expect(email.text).toContain('Released to: eve@northwind.example\n');
  });

  it.each(SUPPORTED_LANGUAGES.map((l) => [l]))('%s: "all N original recipients" is localised', (language) => {
    const recipients = users(4);
    const email = compose(
      recipients.map((r) => facts({ recipients, releasedTo: r })),
      { language },
    );
    expect(email.text).toContain(STRINGS[language].releasedToAll.replace('{count}', '4'));
  });
});

describe('NOTIFY_SHOW_RELEASER and NOTIFY_SHOW_POLICY', () => {
  const ADMIN = 'secret.admin@contoso.com';
  const POLICY = 'Board merger review hold';
  const release = facts({ releasedBy: ADMIN, policyName: POLICY, quarantineType: 'DataLossPrevention' });

  it('shows both by default', () => {
    const email = compose([release]);
    expect(email.text).toContain(`Released by: ${ADMIN}`);
    expect(email.text).toContain(`Held because: Data loss prevention (DLP) policy: ${POLICY}`);
  });

  it('false: the admin\'s address never appears (subject, HTML, text); "An administrator" instead', () => {
    const email = compose(
      [
        release,
        facts({ releasedBy: undefined, releasedTo: 'bob@fabrikam.example', releasedAt: '2026-08-21T10:00:00Z' }),
      ],
      {
        showReleaser: false,
        subject: 'Released: {subject}',
      },
    );
    for (const part of [email.subject, email.html, email.text]) {
      expect(part).not.toContain('secret.admin');
      expect(part).not.toContain('secret.<wbr>admin');
    }
    expect(line(email, 'Released by')).toBe('An administrator, Microsoft 365 (automatic release)');
  });

  it('false: the policy name never appears; the kind of hold still does', () => {
    const email = compose([release], { showPolicy: false });
    for (const part of [email.subject, email.html, email.text]) expect(part).not.toContain('merger');
    expect(line(email, 'Held because')).toBe('Data loss prevention (DLP) policy');
  });

  it('false with only a policy known: "(unknown)", not the policy', () => {
    expect(
      line(compose([facts({ quarantineType: '', policyName: POLICY })], { showPolicy: false }), 'Held because'),
    ).toBe('(unknown)');
  });

  it('are read from settings, default true, validated as booleans', () => {
    const base = {
      M365_TENANT_ID: '00000000-0000-0000-0000-000000000001',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    };
    expect(loadSettings(base).template).toMatchObject({ showReleaser: true, showPolicy: true });
    expect(loadSettings({ ...base, NOTIFY_SHOW_RELEASER: 'false', NOTIFY_SHOW_POLICY: 'no' }).template).toMatchObject({
      showReleaser: false,
      showPolicy: false,
    });
    expect(() => loadSettings({ ...base, NOTIFY_SHOW_POLICY: 'hide' })).toThrow(
      /^Setting NOTIFY_SHOW_POLICY is invalid \(got "hide"\): expected true or false\.$/,
    );
  });
});
