import { classifyAuditRecord, parseAuditTime, RELEASED_TO_ALL } from '../../shared/detect/releaseRecords';

const release = {
  CreationTime: '2026-08-21T09:15:42',
  Id: '2F6C1D3E-8B7A-4C5D-9E0F-08DE0B1C2D3E',
  Operation: 'QuarantineReleaseMessage',
  RecordType: 65,
  ResultStatus: 'Successful',
  UserType: 2,
  Workload: 'Quarantine',
  UserId: 'secadmin@contoso.com',
  NetworkMessageId: '5B0F7C1E-3C1A-4E22-9D3C-08DE0A1B2C3D',
  ReleaseTo: 'Bob@Fabrikam.example',
  RequestType: 2,
  RequestSource: 0,
};

describe('an Audit.General record', () => {
  it('is a release when an admin released the message, with ids lower-cased and the time read as UTC', () => {
    expect(classifyAuditRecord(release)).toEqual({
      kind: 'release',
      event: {
        recordId: '2f6c1d3e-8b7a-4c5d-9e0f-08de0b1c2d3e',
        networkMessageId: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d',
        releasedTo: 'bob@fabrikam.example',
        releasedBy: 'secadmin@contoso.com',
        releasedAt: new Date('2026-08-21T09:15:42Z'),
        // Kept for the alerts: 0 is the Defender portal, 2 a link in a quarantine notification.
        requestSource: 0,
      },
    });
  });

  it('names no releaser for a release by Microsoft 365 itself', () => {
    const verdict = classifyAuditRecord({ ...release, UserId: 'System release', UserType: 4 });
    expect(verdict).toMatchObject({ kind: 'release', event: { releasedBy: undefined } });
  });

  it.each([
    ['a preview', { RequestType: 0 }, 'not-release-request'],
    ['a delete', { RequestType: 1 }, 'not-release-request'],
    ['a release request by a user', { RequestType: 5 }, 'not-release-request'],
    ['a failed release', { ResultStatus: 'Failed' }, 'failed'],
    ['another workload', { Operation: 'UserLoggedIn', Workload: 'AzureActiveDirectory' }, 'not-a-release'],
    ['a release without NetworkMessageId', { NetworkMessageId: '' }, 'malformed'],
    ['a release with a hostile NetworkMessageId', { NetworkMessageId: "x' or 1 eq 1" }, 'malformed'],
    ['a release without a time', { CreationTime: 'tomorrow' }, 'malformed'],
    ['a release to a value that is not an address', { ReleaseTo: 'bob@fabrikam.example\r\nINFO forged' }, 'malformed'],
    ['a release with ReleaseTo of the wrong type', { ReleaseTo: ['bob@fabrikam.example'] }, 'malformed'],
  ])('is ignored when it is %s', (_what, change, reason) => {
    expect(classifyAuditRecord({ ...release, ...change })).toMatchObject({ kind: 'ignored', reason });
  });

  it.each(['Successful', 'Succeeded', 'Success', 'successful', ' SUCCEEDED ', 'True'])(
    'counts ResultStatus %j as a release',
    (ResultStatus) => {
      expect(classifyAuditRecord({ ...release, ResultStatus }).kind).toBe('release');
    },
  );

  it.each([
    'Failed',
    'Denied',
    'Unauthorized',
    'Cancelled',
    'PartiallySucceeded',
    'False',
    'Successful but not really',
    '',
    undefined,
    1,
  ])('does not count ResultStatus %j as a release (success is an allow-list)', (ResultStatus) => {
    expect(classifyAuditRecord({ ...release, ResultStatus })).toMatchObject({ kind: 'ignored', reason: 'failed' });
  });

  it('reads a record without ReleaseTo (or an empty one) as released to every original recipient', () => {
    for (const ReleaseTo of [undefined, null, '', '  ']) {
      expect(classifyAuditRecord({ ...release, ReleaseTo })).toMatchObject({
        kind: 'release',
        event: { releasedTo: RELEASED_TO_ALL },
      });
    }
  });

  it('reads zone-less audit times as UTC and keeps explicit zones', () => {
    expect(parseAuditTime('2026-08-21T09:15:42')?.toISOString()).toBe('2026-08-21T09:15:42.000Z');
    expect(parseAuditTime('2026-08-21T09:15:42+02:00')?.toISOString()).toBe('2026-08-21T07:15:42.000Z');
    expect(parseAuditTime('21/08/2026')).toBeUndefined();
  });
});
