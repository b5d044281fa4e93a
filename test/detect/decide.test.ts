import { decideRelease, isAcceptedDomain, type DecisionContext } from '../../shared/detect/decide';
import type { QuarantinedMessage, ReleaseEvent } from '../../shared/domain/types';

const nmid = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const release: ReleaseEvent = { recordId: 'r1', networkMessageId: nmid, releasedTo: 'bob@fabrikam.example', releasedBy: 'secadmin@contoso.com', releasedAt: new Date('2026-11-20T10:00:00Z') };
const row = (over: Partial<QuarantinedMessage> = {}): QuarantinedMessage => ({
  networkMessageId: nmid,
  copyId: 'c1',
  senderAddress: 'alice@contoso.com',
  recipients: ['bob@fabrikam.example'],
  subject: 'Q3 pricing sheet',
  receivedAt: new Date('2026-11-20T09:00:00Z'),
  expiresAt: new Date('2026-12-20T09:00:00Z'),
  quarantineType: 'TransportRule',
  policyType: 'ExchangeTransportRule',
  policyName: 'Quarantine outbound attachments',
  direction: 'Outbound',
  releaseStatus: 'RELEASED',
  internetMessageId: '<a@contoso.com>',
  size: 100,
  ...over,
});
const ctx: DecisionContext = {
  now: new Date('2026-11-20T12:00:00Z'),
  notifySince: new Date('2026-11-01T00:00:00Z'),
  acceptedDomains: ['contoso.com', '*.contoso.net'],
  snapshotWatermark: new Date('2026-11-20T11:45:00Z'),
};

describe('deciding whom to tell about a release', () => {
  it('tells an internal sender what was released, to whom, by whom and when', () => {
    expect(decideRelease(release, [row()], ctx)).toEqual({
      kind: 'notify',
      sender: 'alice@contoso.com',
      facts: {
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
    });
  });

  it('lists the original recipients of every copy', () => {
    const decision = decideRelease(release, [row(), row({ copyId: 'c2', recipients: ['Carol@Fabrikam.example'] })], ctx);
    expect(decision).toMatchObject({ kind: 'notify', facts: { recipients: ['bob@fabrikam.example', 'carol@fabrikam.example'] } });
  });

  it('never tells anyone about releases before NOTIFY_RELEASES_SINCE', () => {
    expect(decideRelease(release, [row()], { ...ctx, notifySince: new Date('2026-11-21T00:00:00Z') })).toEqual({ kind: 'skip', reason: 'before-cutoff' });
  });

  it('does not tell external senders, whatever Direction says', () => {
    expect(decideRelease(release, [row({ senderAddress: 'mallory@fabrikam.example', direction: 'Outbound' })], ctx)).toEqual({ kind: 'skip', reason: 'external-sender' });
  });

  it('does not tell an internal address on mail Exchange marked inbound (a spoofed sender)', () => {
    expect(decideRelease(release, [row({ direction: 'Inbound' })], ctx)).toEqual({ kind: 'skip', reason: 'inbound' });
  });

  it.each(['', 'not an address', 'alice@contoso.com\r\nBcc: x@y.z'])('skips a sender address like %j', (senderAddress) => {
    expect(decideRelease(release, [row({ senderAddress })], ctx)).toEqual({ kind: 'skip', reason: 'invalid-sender' });
  });

  it('waits for the snapshot while the message may still arrive in it', () => {
    expect(decideRelease(release, [], ctx)).toEqual({ kind: 'wait' });
    expect(decideRelease(release, [], { ...ctx, now: new Date('2026-11-25T00:00:00Z'), snapshotWatermark: new Date('2026-11-20T11:00:00Z') })).toEqual({ kind: 'wait' });
  });

  it('gives up with a reason once a current snapshot has not had it for two days', () => {
    const later = { ...ctx, now: new Date('2026-11-23T00:00:00Z'), snapshotWatermark: new Date('2026-11-22T23:50:00Z') };
    expect(decideRelease(release, [], later)).toMatchObject({ kind: 'unmatched' });
  });

  it('matches accepted domains exactly, and subdomains only for wildcard entries', () => {
    expect(isAcceptedDomain('a@contoso.com', ctx.acceptedDomains)).toBe(true);
    expect(isAcceptedDomain('a@sales.contoso.com', ctx.acceptedDomains)).toBe(false);
    expect(isAcceptedDomain('a@sales.contoso.net', ctx.acceptedDomains)).toBe(true);
    expect(isAcceptedDomain('a@evilcontoso.com', ctx.acceptedDomains)).toBe(false);
  });
});
