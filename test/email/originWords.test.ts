import { parseMessageHeader } from '../../shared/detect/messageHeader';
import { decideOrigin } from '../../shared/detect/origin';
import { describeOrigin } from '../../shared/email/originWords';
import { formatTold } from '../../shared/cli/toldReport';
import { quarantined } from '../support/mothers';
import { CORPUS, TENANT_DOMAINS } from '../detect/corpus';

const facts = (sender: string) => ({ sender, acceptedDomains: TENANT_DOMAINS });
const fromCorpus = (name: RegExp) => {
  const entry = CORPUS.find((e) => name.test(e.name));
  if (!entry) throw new Error(`no corpus entry ${name}`);
  const rows = [
    quarantined({
      networkMessageId: '00000000-0000-4000-8000-000000000001',
      copyId: 'c1',
      senderAddress: entry.row.sender,
      recipients: entry.row.recipients,
      quarantineType: entry.row.quarantineType,
    }),
  ];
  const origin = decideOrigin(
    { status: 'read', parsed: parseMessageHeader(entry.text) },
    rows,
    entry.row.sender,
    TENANT_DOMAINS,
  );
  return describeOrigin(origin, facts(entry.row.sender));
};

describe('where a message came from, in words a person reads', () => {
  it('says a spoof of the own domain came from the internet, pretending to be that domain', () => {
    expect(fromCorpus(/intra-org spoof/)).toBe('came from the internet, pretending to be contoso.com');
  });

  it('names hybrid and connector-routed senders as users of the organisation, and how their mail came', () => {
    expect(fromCorpus(/hybrid connector, DIR:INB/)).toBe('sent by a user of your organisation (on-premises, hybrid)');
    expect(fromCorpus(/amd-gfx 2021/)).toBe(
      'sent by a user of your organisation (through your own outbound connector)',
    );
    expect(fromCorpus(/cloud mailbox outbound/)).toBe('sent by a user of your organisation');
  });

  it('says when only the quarantine record decided, and never shows rule codes', () => {
    const words = fromCorpus(/DLP gateway/);
    expect(words).toMatch(/judging by the quarantine record/);
    for (const entry of CORPUS) {
      const text = fromCorpus(new RegExp(entry.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      expect(text).not.toMatch(/DIR:|AuthAs|Originating|HybridOnPrem|policy-hold|recipient-outside|compauth/);
    }
  });

  it('speaks of the sender domain when nothing was checked, and of outside domains plainly', () => {
    expect(describeOrigin(undefined, facts('alice@contoso.com'))).toBe(
      'not checked (the sender claims one of your domains, contoso.com)',
    );
    expect(
      describeOrigin({ verdict: 'external', source: 'header', rule: 'DIR:INB' }, facts('x@fabrikam.example')),
    ).toBe('came from outside your organisation (fabrikam.example)');
  });

  it('speaks German when asked, English for a language it does not have', () => {
    const hybrid = { verdict: 'internal', source: 'header', rule: 'hybrid:Originating' } as const;
    expect(describeOrigin(hybrid, facts('alice@contoso.com'), 'de')).toBe(
      'von einem Benutzer Ihrer Organisation gesendet (lokal, Hybrid)',
    );
    expect(describeOrigin(hybrid, facts('alice@contoso.com'), 'nl')).toBe(
      'sent by a user of your organisation (on-premises, hybrid)',
    );
  });

  it('is what npm run told shows, cleaned for the terminal', () => {
    const [line] = formatTold([
      {
        networkMessageId: '00000000-0000-4000-8000-000000000001',
        releasedTo: 'bob@fabrikam.example',
        toldAt: new Date('2026-11-20T10:00:00Z'),
        toldBy: 'accepted',
        dryRun: false,
        sender: 'alice@contoso.com',
        subject: 'Q3',
        origin: describeOrigin({ verdict: 'internal', source: 'header', rule: 'hybrid:x' }, facts('alice@contoso.com')),
      },
    ]);
    expect(line).toMatch(
      /released to bob@fabrikam\.example; sent by a user of your organisation \(on-premises, hybrid\)$/,
    );
  });
});
