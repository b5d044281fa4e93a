import { describeHeaderRead, formatResults, runDoctor, type CheckResult } from '../../shared/doctor/doctor';
import { quarantineRow } from '../../simulator/fixtures';
import { INTERNAL_OUTBOUND } from '../detect/headerFixtures';
import { World } from '../support/world';

const world = World.forSuite();

const failed = (results: CheckResult[]): Record<string, string> => Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.name, r.detail]));

describe('npm run doctor', () => {
  it('passes every check when every grant is in place', async () => {
    const results = await runDoctor(world.env(), world.log);
    expect(failed(results)).toEqual({});
    expect(results.map((r) => r.name)).toEqual([
      'settings',
      'storage',
      'token for Exchange Online',
      'token for Office 365 Management APIs',
      'token for Microsoft Graph',
      'read quarantine (Get-QuarantineMessage)',
      'message headers (Get-QuarantineMessageHeader)',
      'accepted domains (Get-AcceptedDomain)',
      'audit feed (Audit.General subscription)',
      'sender mailbox',
      'sent items (exactly once after a lost answer)',
    ]);
    expect(formatResults(results)).toMatch(/^ok {4}settings/);
  });

  it.each([
    ['Exchange.ManageAsApp', { exchangeManageAsApp: false }, 'read quarantine (Get-QuarantineMessage)', /Exchange\.ManageAsApp.*grant-permissions\.ps1/],
    ['the Security Reader role', { exchangeDirectoryRole: false }, 'read quarantine (Get-QuarantineMessage)', /Security Reader/],
    ['ActivityFeed.Read', { activityFeedRead: false }, 'audit feed (Audit.General subscription)', /ActivityFeed\.Read/],
  ])('names the fix when %s is withheld', async (_what, grants, check, fix) => {
    Object.assign(world.sim.grants, grants);
    const problems = failed(await runDoctor(world.env(), world.log));
    expect(problems[check]).toMatch(fix);
  });

  it('names the Mail.Send scope when a test notification is refused, and sends one when it is granted', async () => {
    world.sim.grants.mailSend = ['someone-else@contoso.com'];
    const refused = failed(await runDoctor(world.env(), world.log, { sendTestTo: 'alice@contoso.com' }));
    expect(refused['sender mailbox']).toMatch(/Mail\.Send.*quarantine-notices@contoso\.com/);

    world.sim.grants.mailSend = ['quarantine-notices@contoso.com'];
    expect(failed(await runDoctor(world.env(), world.log, { sendTestTo: 'alice@contoso.com' }))).toEqual({});
    expect(world.sim.sentMail.map((m) => m.message.toRecipients?.[0].emailAddress.address)).toEqual(['alice@contoso.com']);
  });

  it('warns, never fails, when message headers cannot be read, and says which roles may allow them', async () => {
    world.sim.tenant.quarantine.add(quarantineRow({ receivedAt: new Date(Date.now() - 3_600_000) }));
    const results = await runDoctor(world.env(), world.log);
    const headers = results.find((r) => r.name === 'message headers (Get-QuarantineMessageHeader)');
    // Whether the simulator serves the cmdlet yet or not, the check never fails the doctor run.
    expect(headers).toMatchObject({ ok: true, detail: expect.stringMatching(/headers are readable|fallback decides origin/) });
    expect(formatResults(results)).toMatch(headers?.warning ? /^warn {2}message headers/m : /^ok {4}message headers/m);
    expect(failed(results)).toEqual({});

    // With the directory role withheld every Exchange call is a 403: a warning here, the FAIL is read quarantine's.
    world.sim.grants.exchangeDirectoryRole = false;
    const withheld = await runDoctor(world.env(), world.log);
    expect(withheld.find((r) => r.name === 'message headers (Get-QuarantineMessageHeader)')).toMatchObject({ ok: true, warning: true });
    expect(Object.keys(failed(withheld))).not.toContain('message headers (Get-QuarantineMessageHeader)');

    const refused = describeHeaderRead({ kind: 'forbidden' });
    expect(refused.warning).toBe(true);
    expect(refused.detail).toMatch(/Microsoft does not document which role.*Security Reader, Security Administrator.*Quarantine Administrator.*fallback/);
    expect(describeHeaderRead({ kind: 'header', text: INTERNAL_OUTBOUND })).toEqual({ warning: false, detail: expect.stringMatching(/headers are readable.*internal, Originating\+AuthAs:Internal\+DIR:OUT/) });
  });

  it('says when auditing is off for the tenant', async () => {
    world.sim.audit.auditingEnabled = false;
    expect(failed(await runDoctor(world.env(), world.log))['audit feed (Audit.General subscription)']).toMatch(/audit logging may be turned off/);
  });

  it('fails sign-in with the credential settings to check when the secret is wrong', async () => {
    process.env.AZURE_CLIENT_SECRET = 'wrong';
    try {
      const problems = failed(await runDoctor(world.env(), world.log));
      expect(problems['token for Exchange Online']).toMatch(/Could not get a token for https:\/\/127\.0\.0\.1:\d+\/\.default.*AZURE_CLIENT_SECRET/);
    } finally {
      process.env.AZURE_CLIENT_SECRET = world.sim.clientSecret;
    }
  });

  it('stops at settings with one line naming the setting', async () => {
    const results = await runDoctor({ ...world.env(), NOTIFY_SENDER_MAILBOX: 'not-an-address' }, world.log);
    expect(results).toEqual([{ name: 'settings', ok: false, detail: expect.stringMatching(/^Setting NOTIFY_SENDER_MAILBOX is invalid/) }]);
  });
});
