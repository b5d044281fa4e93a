import { decideRelease, type DecisionContext } from '../../shared/detect/decide';
import { parseMessageHeader } from '../../shared/detect/messageHeader';
import { decideOrigin, fallbackOrigin } from '../../shared/detect/origin';
import type { QuarantinedMessage, ReleaseEvent } from '../../shared/domain/types';
import { INTERNAL_OUTBOUND, INTERNET_SPOOF, INTRA_ORG } from './headerFixtures';
import { quarantined } from '../support/mothers';

const nmid = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const accepted = ['contoso.com'];
const ctx: DecisionContext = {
  now: new Date('2026-11-20T12:00:00Z'),
  notifySince: new Date('2026-11-01T00:00:00Z'),
  acceptedDomains: accepted,
  snapshotWatermark: new Date('2026-11-20T11:45:00Z'),
  senderMailbox: 'quarantine-notices@contoso.com',
};
const row = (over: Partial<QuarantinedMessage>): QuarantinedMessage =>
  quarantined({
    networkMessageId: nmid,
    copyId: 'c1',
    expiresAt: undefined,
    policyName: 'Hold outbound attachments',
    ...over,
  });
const release = (releasedTo: string): ReleaseEvent => ({
  recordId: 'r1',
  networkMessageId: nmid,
  releasedTo,
  releasedBy: 'secadmin@contoso.com',
  releasedAt: new Date('2026-11-20T10:00:00Z'),
});

type HeaderMode = 'readable' | 'refused (403)';

/** Decides as detection does: first without origin, then with the header's (or the fallback's) answer. */
function decide(rows: QuarantinedMessage[], releasedTo: string, header: string, mode: HeaderMode) {
  const first = decideRelease(release(releasedTo), rows, ctx);
  if (first.kind !== 'need-origin') return { decision: first, origin: undefined };
  const origin = decideOrigin(
    mode === 'readable' ? { status: 'read', parsed: parseMessageHeader(header) } : { status: 'forbidden' },
    rows,
    first.sender,
    accepted,
  );
  return { decision: decideRelease(release(releasedTo), rows, ctx, origin), origin };
}

const modes: HeaderMode[] = ['readable', 'refused (403)'];

describe('who is told, with the header readable and refused', () => {
  it.each(modes)('tells an internal sender whose message Exchange labelled Inbound (header %s)', (mode) => {
    const rows = [row({ direction: 'Inbound' })];
    const { decision, origin } = decide(rows, 'bob@fabrikam.example', INTERNAL_OUTBOUND, mode);
    expect(decision).toMatchObject({
      kind: 'notify',
      sender: 'alice@contoso.com',
      facts: [{ releasedTo: 'bob@fabrikam.example' }],
    });
    expect(origin).toMatchObject(
      mode === 'readable'
        ? { source: 'header', rule: 'Originating+AuthAs:Internal+DIR:OUT' }
        : { source: 'fallback', rule: 'recipient-outside', header: 'forbidden' },
    );
  });

  it.each(modes)(
    'does not tell a spoofed internal sender on inbound HighConfPhish labelled Outbound (header %s)',
    (mode) => {
      const rows = [
        row({
          senderAddress: 'helpdesk@contoso.com',
          recipients: ['alice@contoso.com'],
          quarantineType: 'HighConfPhish',
          policyType: 'AntiPhishPolicy',
          direction: 'Outbound',
        }),
      ];
      const { decision, origin } = decide(rows, 'alice@contoso.com', INTERNET_SPOOF, mode);
      expect(decision).toEqual({ kind: 'skip', reason: 'external-origin' });
      expect(origin).toMatchObject(
        mode === 'readable'
          ? { source: 'header', verdict: 'external' }
          : { source: 'fallback', rule: 'filtering-verdict-inside-only' },
      );
    },
  );

  it.each(modes)('does not tell the sender about a copy an admin released to their own mailbox (header %s)', (mode) => {
    const { decision } = decide([row({})], 'secadmin@contoso.com', INTERNAL_OUTBOUND, mode);
    expect(decision).toEqual({ kind: 'skip', reason: 'released-to-non-recipient' });
  });

  it.each(modes)('tells the sender of intra-organisation mail held by a policy (header %s)', (mode) => {
    const rows = [
      row({
        senderAddress: 'carol@contoso.com',
        recipients: ['dan@contoso.com'],
        quarantineType: 'DataLossPrevention',
        direction: 'Inbound',
      }),
    ];
    const { decision, origin } = decide(rows, 'dan@contoso.com', INTRA_ORG, mode);
    expect(decision).toMatchObject({
      kind: 'notify',
      sender: 'carol@contoso.com',
      facts: [{ releasedTo: 'dan@contoso.com' }],
    });
    expect(origin).toMatchObject(
      mode === 'readable'
        ? { source: 'header', rule: 'Originating+AuthAs:Internal+DIR:INT' }
        : { source: 'fallback', rule: 'policy-hold' },
    );
  });

  it('follows the header over the fallback: spam from a real internal user to an inside colleague is told when the header says so', () => {
    const rows = [row({ recipients: ['dan@contoso.com'], quarantineType: 'Spam' })];
    expect(decide(rows, 'dan@contoso.com', INTRA_ORG, 'readable').decision).toMatchObject({ kind: 'notify' });
    expect(decide(rows, 'dan@contoso.com', INTRA_ORG, 'refused (403)').decision).toEqual({
      kind: 'skip',
      reason: 'external-origin',
    });
  });

  it('uses the fallback when the header decides nothing, and says so', () => {
    const origin = decideOrigin(
      { status: 'read', parsed: parseMessageHeader('From: alice@contoso.com\r\n') },
      [row({})],
      'alice@contoso.com',
      accepted,
    );
    expect(origin).toEqual({
      verdict: 'internal',
      source: 'fallback',
      rule: 'recipient-outside',
      header: 'undecided',
      ownNotice: false,
    });
    const garbage = decideOrigin(
      { status: 'read', parsed: parseMessageHeader('\u0000\u0000\u0000') },
      [row({})],
      'alice@contoso.com',
      accepted,
    );
    expect(garbage).toMatchObject({ source: 'fallback', header: 'unparseable' });
  });
});

describe('the fallback', () => {
  it.each([
    [
      'a recipient outside the accepted domains',
      { recipients: ['dan@contoso.com', 'bob@fabrikam.example'], quarantineType: 'Spam' },
      'internal',
      'recipient-outside',
    ],
    [
      'a policy hold on mail addressed only inside',
      { recipients: ['dan@contoso.com'], quarantineType: 'FileTypeBlock' },
      'internal',
      'policy-hold',
    ],
    [
      'a filtering verdict on mail addressed only inside',
      { recipients: ['dan@contoso.com'], quarantineType: 'Phish' },
      'external',
      'filtering-verdict-inside-only',
    ],
    [
      'a filtering verdict next to a policy hold, addressed only inside',
      { recipients: ['dan@contoso.com'], quarantineType: 'Malware, TransportRule' },
      'external',
      'filtering-verdict-inside-only',
    ],
    [
      'neither a recipient outside nor a policy hold',
      { recipients: ['dan@contoso.com'], quarantineType: 'AdminTriggered' },
      'external',
      'inside-only-not-policy-hold',
    ],
    [
      'a sender outside the accepted domains',
      { senderAddress: 'mallory@fabrikam.example' },
      'external',
      'sender-domain-not-accepted',
    ],
  ])('decides on %s', (_what, over, verdict, rule) => {
    const rows = [row(over as Partial<QuarantinedMessage>)];
    expect(fallbackOrigin(rows, rows[0].senderAddress, accepted)).toEqual({ verdict, rule });
  });

  it('never lets Direction decide', () => {
    for (const direction of ['Inbound', 'Outbound', '']) {
      expect(
        fallbackOrigin(
          [row({ direction, recipients: ['dan@contoso.com'], quarantineType: 'HighConfPhish' })],
          'alice@contoso.com',
          accepted,
        ).verdict,
      ).toBe('external');
      expect(fallbackOrigin([row({ direction })], 'alice@contoso.com', accepted).verdict).toBe('internal');
    }
  });
});
