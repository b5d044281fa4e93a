import { listingReleases, listingRecordId } from '../../shared/story/listingReleases';
import { sortReleaseSources } from '../../shared/detect/releaseSources';
import { deletionEvent, expiryEvents, holdEvents } from '../../shared/story/storyEvents';
import {
  parseHoldPolicies,
  parseNotifyOn,
  parseReleaseAuditWait,
  parseReviewContact,
} from '../../shared/config/storySettings';
import { encodeJob, jobsFor, ledgerKey, parseJob } from '../../shared/jobs/notificationJob';
import { noticeKey } from '../../shared/notify/sendNotification';
import type { QuarantinedMessage, ReleasedMessageFacts } from '../../shared/domain/types';
import type { StoredRelease } from '../../shared/detect/ports';

const ID = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const MINUTE = 60_000;
const now = new Date('2026-12-04T12:00:00Z');

const row = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  Identity: `${ID}\\9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d`,
  ReceivedTime: '2026-12-01T10:00:00Z',
  SenderAddress: 'alice@contoso.com',
  RecipientAddress: ['bob@fabrikam.example'],
  Released: true,
  ReleaseStatus: 'RELEASED',
  ReleasedUser: ['bob@fabrikam.example'],
  ReleasedBy: [],
  ...over,
});

describe('the listing as a source of releases', () => {
  it('makes one release per released-to mailbox, keyed like the audit record of the same release', () => {
    const [release] = listingReleases(row(), now);
    expect(release).toMatchObject({
      networkMessageId: ID,
      releasedTo: 'bob@fabrikam.example',
      releasedBy: '',
      source: 'listing',
    });
    expect(release.recordId).toBe(listingRecordId(ID, 'BOB@fabrikam.example'));
    const audit = { networkMessageId: ID.toUpperCase(), releasedTo: 'Bob@Fabrikam.example' };
    expect(ledgerKey(release)).toBe(ledgerKey(audit));
    expect(noticeKey(release)).toEqual(noticeKey(audit));
  });

  it('reads the account only when ReleasedBy names one mailbox; a system release is Microsoft 365', () => {
    expect(listingReleases(row({ ReleasedBy: ['secadmin@contoso.com'] }), now)[0].releasedBy).toBe(
      'secadmin@contoso.com',
    );
    expect(listingReleases(row({ ReleasedBy: ['a@contoso.com', 'b@contoso.com'] }), now)[0].releasedBy).toBe('');
    expect(listingReleases(row({ SystemReleased: true }), now)[0].releasedBy).toBeUndefined();
  });

  it('ignores unreleased rows, and ReleasedUser values that are no mailbox (hostile input)', () => {
    expect(listingReleases(row({ Released: false, ReleaseStatus: 'NOTRELEASED' }), now)).toEqual([]);
    expect(listingReleases(row({ ReleasedUser: ['x@fabrikam.example\r\nX-Evil: 1', 42] }), now)).toEqual([]);
    expect(listingReleases('not a row', now)).toEqual([]);
    // Released with nobody named: its own recipients.
    expect(listingReleases(row({ ReleasedUser: [] }), now).map((r) => r.releasedTo)).toEqual(['bob@fabrikam.example']);
  });

  it('lets a listing release wait for its audit record, and gives way to one that is pending', () => {
    const stored = (over: Partial<StoredRelease>): StoredRelease => ({
      recordId: 'r',
      networkMessageId: ID,
      releasedTo: 'bob@fabrikam.example',
      releasedBy: '',
      releasedAt: new Date(now.getTime() - 10 * MINUTE),
      status: 'pending',
      reason: '',
      ...over,
    });
    const listing = stored({ recordId: 'l', source: 'listing' });
    expect(sortReleaseSources([listing], now, 90 * MINUTE)).toMatchObject({ ready: [], waiting: [listing] });
    expect(sortReleaseSources([listing], now, 5 * MINUTE)).toMatchObject({ ready: [listing], waiting: [] });
    expect(sortReleaseSources([listing], now, 0)).toMatchObject({ ready: [listing] });
    const audit = stored({ recordId: 'a', releasedBy: 'secadmin@contoso.com' });
    expect(sortReleaseSources([listing, audit], now, 0)).toEqual({
      ready: [audit],
      waiting: [],
      covered: [listing],
      off: [],
    });
    const held = stored({ recordId: 'h', event: 'held' });
    expect(sortReleaseSources([held], now, 0, ['released']).off).toEqual([held]);
    expect(sortReleaseSources([held], now, 0, ['released', 'held']).ready).toEqual([held]);
    const toAll = stored({ recordId: 'all', releasedTo: '' });
    expect(sortReleaseSources([listing, toAll], now, 0).covered).toEqual([listing]);
  });
});

describe('held, deleted and expired events', () => {
  const copy = (over: Partial<QuarantinedMessage> = {}): QuarantinedMessage => ({
    networkMessageId: ID,
    copyId: 'c1',
    senderAddress: 'alice@contoso.com',
    recipients: ['bob@fabrikam.example'],
    subject: 'Card numbers',
    receivedAt: new Date('2026-12-04T11:00:00Z'),
    expiresAt: new Date('2027-01-03T11:00:00Z'),
    quarantineType: 'DataLossPrevention',
    policyType: 'DataLossPrevention',
    policyName: 'Block card numbers',
    direction: 'Outbound',
    releaseStatus: 'NOTRELEASED',
    internetMessageId: '',
    size: undefined,
    ...over,
  });
  const since = new Date('2026-12-04T10:00:00Z');

  it('holds: listed policies only, unreleased, received after the switch-on', () => {
    const policies = { holdPolicies: ['datalossprevention'] };
    expect(holdEvents([copy()], policies, since)).toEqual([
      expect.objectContaining({
        event: 'held',
        releasedTo: 'bob@fabrikam.example',
        recordId: `held|${ID}|bob@fabrikam.example`,
      }),
    ]);
    expect(holdEvents([copy({ receivedAt: new Date('2026-12-04T09:59:59Z') })], policies, since)).toEqual([]);
    expect(holdEvents([copy({ releaseStatus: 'RELEASED' })], policies, since)).toEqual([]);
    expect(
      holdEvents([copy({ quarantineType: 'TransportRule', policyType: 'x', policyName: 'y' })], policies, since),
    ).toEqual([]);
    expect(
      holdEvents([copy({ quarantineType: 'TransportRule' })], { holdPolicies: ['block card numbers'] }, since),
    ).toHaveLength(1);
  });

  it('expiries: passed, unreleased, after the switch-on', () => {
    const expired = copy({ expiresAt: new Date('2026-12-04T11:30:00Z') });
    expect(expiryEvents([expired], since, now)).toEqual([expect.objectContaining({ event: 'expired' })]);
    expect(expiryEvents([copy()], since, now)).toEqual([]);
    expect(expiryEvents([{ ...expired, releaseStatus: 'RELEASED' }], since, now)).toEqual([]);
    expect(expiryEvents([expired], new Date('2026-12-04T11:45:00Z'), now)).toEqual([]);
  });

  it('deletions: successful QuarantineDeleteMessage records after the switch-on', () => {
    const record = {
      Id: '2f6c1d3e-8b7a-4c5d-9e0f-08de0b1c2d3e',
      Operation: 'QuarantineDeleteMessage',
      RequestType: 1,
      ResultStatus: 'Successful',
      NetworkMessageId: ID,
      CreationTime: '2026-12-04T11:00:00',
      UserId: 'secadmin@contoso.com',
    };
    expect(deletionEvent(record, since)).toMatchObject({
      event: 'deleted',
      releasedTo: '',
      releasedBy: 'secadmin@contoso.com',
    });
    expect(deletionEvent({ ...record, ResultStatus: 'Failed' }, since)).toBeUndefined();
    expect(deletionEvent({ ...record, Operation: 'QuarantineReleaseMessage', RequestType: 2 }, since)).toBeUndefined();
    expect(deletionEvent({ ...record, CreationTime: '2026-12-04T09:00:00' }, since)).toBeUndefined();
    expect(deletionEvent({ ...record, UserId: 'System\r\nBcc: x' }, since)?.releasedBy).toBe('');
  });

  it('a job carries its event through the queue; a hold and a release of one message are two jobs and two ledger items', () => {
    const facts = (over: Partial<ReleasedMessageFacts>): ReleasedMessageFacts => ({
      networkMessageId: ID,
      subject: 's',
      receivedAt: '2026-12-04T11:00:00Z',
      recipients: ['bob@fabrikam.example'],
      releasedTo: 'bob@fabrikam.example',
      releasedBy: undefined,
      releasedAt: '2026-12-04T11:00:00Z',
      quarantineType: 'DataLossPrevention',
      policyName: 'p',
      ...over,
    });
    const jobs = jobsFor('alice@contoso.com', [facts({ event: 'held', expiresAt: '2027-01-03T11:00:00Z' }), facts({})]);
    expect(jobs).toHaveLength(2);
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(2);
    const back = jobs.map((j) => parseJob(encodeJob(j)));
    expect(back.map((j) => j.releases[0].event)).toEqual(jobs.map((j) => j.releases[0].event));
    expect(back.find((j) => j.releases[0].event === 'held')?.releases[0].expiresAt).toBe('2027-01-03T11:00:00Z');
    expect(back.flatMap((j) => j.releases.map((r) => noticeKey(r).item)).sort()).toEqual([
      'bob@fabrikam.example',
      'held:bob@fabrikam.example',
    ]);
    expect(() => parseJob(encodeJob(jobs[0]).replace('"held"', '"exploded"'))).toThrow('event');
  });
});

describe('the story settings', () => {
  it('parses NOTIFY_ON, NOTIFY_HOLD_POLICIES, NOTIFY_REVIEW_CONTACT and RELEASE_AUDIT_WAIT_MINUTES, refusing what cannot be right', () => {
    expect(parseNotifyOn(undefined)).toEqual({ ok: true, value: ['released'] });
    expect(parseNotifyOn('Released, held;deleted')).toEqual({ ok: true, value: ['released', 'held', 'deleted'] });
    expect(parseNotifyOn('released,rejected').ok).toBe(false);
    expect(parseHoldPolicies('DataLossPrevention, Block card numbers')).toEqual({
      ok: true,
      value: ['datalossprevention', 'block card numbers'],
    });
    expect(parseHoldPolicies('<script>').ok).toBe(false);
    expect(parseReviewContact('mailto:dlp-review@contoso.com')).toEqual({
      ok: true,
      value: 'mailto:dlp-review@contoso.com',
    });
    expect(parseReviewContact('https://review.contoso.com/ask')).toMatchObject({ ok: true });
    expect(parseReviewContact('javascript:alert(1)').ok).toBe(false);
    expect(parseReviewContact('http://review.contoso.com').ok).toBe(false);
    expect(parseReviewContact('mailto:a@b.c\r\nBcc: x').ok).toBe(false);
    expect(parseReleaseAuditWait(undefined)).toEqual({ ok: true, value: 90 });
    expect(parseReleaseAuditWait('0')).toEqual({ ok: true, value: 0 });
    expect(parseReleaseAuditWait('-1').ok).toBe(false);
    expect(parseReleaseAuditWait('99999').ok).toBe(false);
  });
});
