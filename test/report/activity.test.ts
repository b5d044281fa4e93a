import { auditDay, classifyQuarantineRecord, ownIdentitySet } from '../../shared/report/activity';
import { reportWindow } from '../../shared/report/days';

/** The reference's synthetic admin release, as the feed carries it. */
const release = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  CreationTime: '2026-08-21T09:15:42',
  Id: '2f6c1d3e-8b7a-4c5d-9e0f-08de0b1c2d3e',
  Operation: 'QuarantineReleaseMessage',
  OrganizationId: '00000000-0000-0000-0000-000000000001',
  RecordType: 65,
  ResultStatus: 'Successful',
  UserKey: '10032001A2B3C4D5',
  UserType: 2,
  Version: 1,
  Workload: 'Quarantine',
  UserId: 'secadmin@contoso.com',
  NetworkMessageId: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d',
  ReleaseTo: 'bob@fabrikam.example',
  RequestType: 2,
  RequestSource: 0,
  ...over,
});

describe('classifying quarantine audit records', () => {
  it('reads an admin release: Id lower-cased, UTC day, kind, success, account', () => {
    expect(classifyQuarantineRecord(release({ Id: '2F6C1D3E-8B7A-4C5D-9E0F-08DE0B1C2D3E' }))).toEqual({
      id: '2f6c1d3e-8b7a-4c5d-9e0f-08de0b1c2d3e',
      day: '2026-08-21',
      kind: 'release',
      failed: false,
      actor: { kind: 'user', account: 'secadmin@contoso.com' },
      appOwn: false,
    });
  });

  it.each([
    [0, 'preview'], [1, 'delete'], [2, 'release'], [3, 'export'], [4, 'viewHeader'], [5, 'releaseRequest'], [7, 'denyRelease'],
    [6, 'other'], [99, 'other'], ['2', 'release'], [undefined, 'other'], [null, 'other'], ['2; drop', 'other'], [2.5, 'other'],
  ])('RequestType %p is %s, whatever the Operation label says', (requestType, kind) => {
    expect(classifyQuarantineRecord(release({ RequestType: requestType, Operation: 'QuarantineDeleteMessage' }))?.kind).toBe(kind);
  });

  it('treats only known success spellings as success, in any case', () => {
    for (const ok of ['Successful', 'succeeded', 'SUCCESS', 'True', ' Successful ', true]) expect(classifyQuarantineRecord(release({ ResultStatus: ok }))?.failed).toBe(false);
    for (const bad of ['Failed', 'PartiallySucceeded', '', 'Successfully failed', undefined, null, 0, 'false', false]) expect(classifyQuarantineRecord(release({ ResultStatus: bad }))?.failed).toBe(true);
  });

  it('takes the UTC day of CreationTime, which has no zone suffix, and honours a suffix when present', () => {
    expect(classifyQuarantineRecord(release({ CreationTime: '2026-08-21T23:59:59' }))?.day).toBe('2026-08-21');
    expect(classifyQuarantineRecord(release({ CreationTime: '2026-08-22T00:00:00' }))?.day).toBe('2026-08-22');
    expect(classifyQuarantineRecord(release({ CreationTime: '2026-08-21T23:30:00-02:00' }))?.day).toBe('2026-08-22');
    expect(auditDay('2026-08-21T09:15:42.1234567')).toBe('2026-08-21');
    for (const bad of ['2026-02-30T10:00:00', '21/08/2026', '', 20260821, '2026-08-21', `2026-08-21T09:15:42${' '.repeat(100)}`]) expect(auditDay(bad)).toBeUndefined();
  });

  it('marks an automatic release as the system, and only with UserType 4', () => {
    expect(classifyQuarantineRecord(release({ UserId: 'System release', UserKey: 'Quarantine', UserType: 4, RequestSource: undefined }))?.actor).toEqual({ kind: 'system' });
    expect(classifyQuarantineRecord(release({ UserId: 'System release', UserType: 2 }))?.actor).toEqual({ kind: 'user', account: 'System release' });
    expect(classifyQuarantineRecord(release({ UserId: '' }))?.actor).toEqual({ kind: 'user', account: '(unknown)' });
    expect(classifyQuarantineRecord(release({ UserId: 'x'.repeat(5000) }))?.actor).toEqual({ kind: 'user', account: 'x'.repeat(256) });
  });

  it("flags the product's own header reads by any of its identities, case-insensitively", () => {
    const own = ownIdentitySet(['  11111111-2222-3333-4444-555555555555 ', 'Quarantine Release Notifier', '']);
    expect(classifyQuarantineRecord(release({ RequestType: 4, UserId: '11111111-2222-3333-4444-555555555555' }), own)?.appOwn).toBe(true);
    expect(classifyQuarantineRecord(release({ RequestType: 4, UserId: 'ServicePrincipal_x', AppId: '11111111-2222-3333-4444-555555555555'.toUpperCase() }), own)?.appOwn).toBe(true);
    expect(classifyQuarantineRecord(release({ RequestType: 4, UserId: 'quarantine release notifier' }), own)?.appOwn).toBe(true);
    expect(classifyQuarantineRecord(release({ RequestType: 4 }), own)?.appOwn).toBe(false);
    // No identities configured: nothing is the app's.
    expect(classifyQuarantineRecord(release({ RequestType: 4, UserId: '' }))?.appOwn).toBe(false);
  });

  it('recognises a quarantine record by RecordType 65 or by Workload, and nothing else', () => {
    expect(classifyQuarantineRecord(release({ Workload: 'Exchange' }))).toBeDefined();
    expect(classifyQuarantineRecord(release({ RecordType: 1, Workload: 'quarantine' }))).toBeDefined();
    expect(classifyQuarantineRecord(release({ RecordType: 1, Workload: 'Exchange' }))).toBeUndefined();
    expect(classifyQuarantineRecord(release({ RecordType: 15, Workload: 'AzureActiveDirectory', Operation: 'UserLoggedIn' }))).toBeUndefined();
  });

  it('never throws on hostile input and refuses records it cannot count once', () => {
    const hostile: unknown[] = [
      null, undefined, 42, 'text', [], [release()], { RecordType: 65 },
      release({ Id: undefined }), release({ Id: '' }), release({ Id: 'short' }), release({ Id: 'a'.repeat(101) }), release({ Id: 'id with spaces!' }),
      release({ Id: { toString: () => 'x' } }), release({ CreationTime: undefined }), release({ CreationTime: 'yesterday' }),
      JSON.parse('{"__proto__":{"RecordType":65},"Id":"2f6c1d3e-8b7a-4c5d-9e0f-08de0b1c2d3e"}'),
      Object.create(null),
    ];
    for (const raw of hostile) expect(() => classifyQuarantineRecord(raw)).not.toThrow();
    for (const raw of hostile) expect(classifyQuarantineRecord(raw)).toBeUndefined();
  });
});

describe('the report window', () => {
  it('is N UTC days ending today, bounded to 1..90', () => {
    const now = new Date('2026-03-01T23:30:00-05:00'); // already 2 March in UTC
    expect(reportWindow(now, 7)).toEqual({ from: '2026-02-24', to: '2026-03-02', dates: ['2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'] });
    expect(reportWindow(now).dates).toHaveLength(30);
    expect(reportWindow(now, 0).dates).toHaveLength(1);
    expect(reportWindow(now, 100000).dates).toHaveLength(90);
    expect(reportWindow(now, Number.NaN).dates).toHaveLength(30);
  });
});
