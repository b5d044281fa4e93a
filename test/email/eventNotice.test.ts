import { composeNotification } from '../../shared/email/compose';
import { EVENT_STRINGS, STRINGS } from '../../shared/email/strings';
import { SUPPORTED_LANGUAGES } from '../../shared/config/settings';
import { makeJob } from '../../shared/jobs/notificationJob';
import type { ReleasedMessageFacts } from '../../shared/domain/types';

/** Held, deleted and expired notices (issue 22): their own subject, first sentence, header and advice. */
const ID = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const facts = (over: Partial<ReleasedMessageFacts> = {}): ReleasedMessageFacts => ({
  networkMessageId: ID,
  subject: 'Card numbers',
  receivedAt: '2026-08-20T14:02:11Z',
  recipients: ['bob@fabrikam.example'],
  releasedTo: 'bob@fabrikam.example',
  releasedBy: undefined,
  releasedAt: '2026-08-20T14:02:11Z',
  quarantineType: 'DataLossPrevention',
  policyName: 'Block card numbers',
  ...over,
});
const template = (language: string, reviewContact?: string) => ({
  subject: undefined,
  intro: undefined,
  footer: undefined,
  language,
  reviewContact,
});

describe('held, deleted and expired notices', () => {
  it.each(SUPPORTED_LANGUAGES.flatMap((l) => (['held', 'deleted', 'expired'] as const).map((e) => [l, e] as const)))(
    '%s %s: its own subject and first sentence, the x-qrn-event header',
    (language, event) => {
      const email = composeNotification(
        makeJob('alice@contoso.com', [facts({ event, expiresAt: '2026-09-19T14:02:11Z' })]),
        template(language),
      );
      const words = EVENT_STRINGS[language][event];
      expect(email.subject).toBe(words.subjectOne.replace('{subject}', 'Card numbers'));
      expect(email.subject).not.toBe(STRINGS[language].subjectOne.replace('{subject}', 'Card numbers'));
      expect(email.text.startsWith(words.introOne.split('{until}')[0])).toBe(true);
      expect(email.text).toContain(words.whatNow);
      expect(email.headers).toContainEqual({ name: 'x-qrn-event', value: event });
      expect(email.headers).toContainEqual({ name: 'x-qrn-network-message-ids', value: ID });
    },
  );

  it('a hold notice says until when it is kept, and shows the review contact as written, escaped, never a link', () => {
    const email = composeNotification(
      makeJob('alice@contoso.com', [facts({ event: 'held', expiresAt: '2026-09-19T14:02:11Z' })]),
      template('en', 'https://review.contoso.com/ask?a=1&b=<x>'),
    );
    expect(email.text).toContain('19 Sept 2026');
    expect(email.text).toContain('Ask for a review: https://review.contoso.com/ask?a=1&b=<x>');
    expect(email.html).toContain('https://review.contoso.com/ask?a=1&amp;b=&lt;x&gt;');
    expect(email.html).not.toContain('href=');
  });

  it('a deletion by an unnamed account reads "An administrator"; a release keeps its own words', () => {
    const deleted = composeNotification(
      makeJob('alice@contoso.com', [facts({ event: 'deleted', releasedBy: '' })]),
      template('en'),
    );
    expect(deleted.text).toContain('Deleted by: An administrator');
    const released = composeNotification(makeJob('alice@contoso.com', [facts({ releasedBy: '' })]), template('en'));
    expect(released.subject).toBe('Your message "Card numbers" was released from quarantine');
    expect(released.text).toContain('Released by: An administrator');
    expect(released.headers).toContainEqual({ name: 'x-qrn-event', value: 'released' });
  });
});
