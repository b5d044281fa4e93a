import { decideRelease, isAcceptedDomain, type DecisionContext } from '../../shared/detect/decide';
import type { MessageOrigin } from '../../shared/detect/origin';
import type { QuarantinedMessage, ReleaseEvent } from '../../shared/domain/types';
import { ID_A, quarantined, releaseEvent } from '../support/mothers';

const internal: MessageOrigin = {
  verdict: 'internal',
  source: 'header',
  rule: 'Originating+AuthAs:Internal+DIR:OUT',
  header: 'read',
  ownNotice: false,
};

const nmid = ID_A;
const release: ReleaseEvent = releaseEvent();
const row = (over: Partial<QuarantinedMessage> = {}): QuarantinedMessage =>
  quarantined({ networkMessageId: nmid, copyId: 'c1', ...over });
const ctx: DecisionContext = {
  now: new Date('2026-11-20T12:00:00Z'),
  notifySince: new Date('2026-11-01T00:00:00Z'),
  acceptedDomains: ['contoso.com', '*.contoso.net'],
  snapshotWatermark: new Date('2026-11-20T11:45:00Z'),
  senderMailbox: 'quarantine-notices@contoso.com',
};

describe('deciding whom to tell about a release', () => {
  it('tells an internal sender what was released, to whom, by whom and when', () => {
    expect(decideRelease(release, [row()], ctx, internal)).toEqual({
      kind: 'notify',
      sender: 'alice@contoso.com',
      facts: [
        {
          networkMessageId: nmid,
          subject: 'Q3 pricing sheet',
          receivedAt: '2026-11-20T09:00:00.000Z',
          recipients: ['bob@fabrikam.example'],
          releasedTo: 'bob@fabrikam.example',
          releasedBy: 'secadmin@contoso.com',
          releasedAt: '2026-11-20T10:00:00.000Z',
          quarantineType: 'TransportRule',
          policyName: 'Quarantine outbound attachments',
        },
      ],
    });
  });

  it('lists the original recipients of every copy', () => {
    const decision = decideRelease(
      release,
      [row(), row({ copyId: 'c2', recipients: ['Carol@Fabrikam.example'] })],
      ctx,
      internal,
    );
    expect(decision).toMatchObject({
      kind: 'notify',
      facts: [{ recipients: ['bob@fabrikam.example', 'carol@fabrikam.example'] }],
    });
  });

  it('reads a release without ReleaseTo as released to every original recipient, one fact each', () => {
    const rows = [row(), row({ copyId: 'c2', recipients: ['Carol@Fabrikam.example'] })];
    const decision = decideRelease({ ...release, releasedTo: '' }, rows, ctx, internal);
    expect(decision).toMatchObject({
      kind: 'notify',
      facts: [{ releasedTo: 'bob@fabrikam.example' }, { releasedTo: 'carol@fabrikam.example' }],
    });
  });

  it('asks for the origin only once nothing else rules the release out', () => {
    expect(decideRelease(release, [row()], ctx)).toEqual({ kind: 'need-origin', sender: 'alice@contoso.com' });
    expect(decideRelease({ ...release, releasedTo: 'secadmin@contoso.com' }, [row()], ctx)).toEqual({
      kind: 'skip',
      reason: 'released-to-non-recipient',
    });
    expect(decideRelease(release, [row({ recipients: [] })], ctx)).toEqual({
      kind: 'skip',
      reason: 'released-to-non-recipient',
    });
  });

  it("never reports the notices mailbox's own messages, by sender or by its x-qrn- headers", () => {
    expect(decideRelease(release, [row({ senderAddress: 'Quarantine-Notices@contoso.com' })], ctx)).toEqual({
      kind: 'skip',
      reason: 'own-notice',
    });
    expect(decideRelease(release, [row()], ctx, { ...internal, ownNotice: true })).toEqual({
      kind: 'skip',
      reason: 'own-notice',
    });
  });

  it('does not tell an internal-looking sender when the origin says the mail came from outside', () => {
    const external: MessageOrigin = {
      verdict: 'external',
      source: 'header',
      rule: 'Incoming+AuthAs:Anonymous+DIR:INB',
      header: 'read',
      ownNotice: false,
    };
    expect(decideRelease(release, [row()], ctx, external)).toEqual({ kind: 'skip', reason: 'external-origin' });
  });

  it('never tells anyone about releases before NOTIFY_RELEASES_SINCE', () => {
    expect(decideRelease(release, [row()], { ...ctx, notifySince: new Date('2026-11-21T00:00:00Z') })).toEqual({
      kind: 'skip',
      reason: 'before-cutoff',
    });
  });

  it('does not tell external senders, whatever Direction or the origin say', () => {
    expect(
      decideRelease(
        release,
        [row({ senderAddress: 'mallory@fabrikam.example', direction: 'Outbound' })],
        ctx,
        internal,
      ),
    ).toEqual({ kind: 'skip', reason: 'external-sender' });
  });

  it('lets the origin decide instead of Direction', () => {
    expect(decideRelease(release, [row({ direction: 'Inbound' })], ctx, internal)).toMatchObject({ kind: 'notify' });
  });

  it.each(['', 'not an address', 'alice@contoso.com\r\nBcc: x@y.z'])(
    'skips a sender address like %j',
    (senderAddress) => {
      expect(decideRelease(release, [row({ senderAddress })], ctx)).toEqual({ kind: 'skip', reason: 'invalid-sender' });
    },
  );

  it('waits for the snapshot while the message may still arrive in it', () => {
    expect(decideRelease(release, [], ctx)).toEqual({ kind: 'wait' });
    expect(
      decideRelease(release, [], {
        ...ctx,
        now: new Date('2026-11-25T00:00:00Z'),
        snapshotWatermark: new Date('2026-11-20T11:00:00Z'),
      }),
    ).toEqual({ kind: 'wait' });
  });

  it('gives up with a reason once a current snapshot has not had it for two days', () => {
    const later = {
      ...ctx,
      now: new Date('2026-11-23T00:00:00Z'),
      snapshotWatermark: new Date('2026-11-22T23:50:00Z'),
    };
    expect(decideRelease(release, [], later)).toMatchObject({ kind: 'unmatched' });
  });

  it('matches accepted domains exactly, and subdomains only for wildcard entries', () => {
    expect(isAcceptedDomain('a@contoso.com', ctx.acceptedDomains)).toBe(true);
    expect(isAcceptedDomain('a@sales.contoso.com', ctx.acceptedDomains)).toBe(false);
    expect(isAcceptedDomain('a@sales.contoso.net', ctx.acceptedDomains)).toBe(true);
    expect(isAcceptedDomain('a@evilcontoso.com', ctx.acceptedDomains)).toBe(false);
  });
});
