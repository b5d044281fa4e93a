import { describeHeaderRead, formatResults, runDoctor, type CheckResult } from '../../shared/doctor/doctor';
import { quarantineRow } from '../../simulator/fixtures';
import { INTERNAL_OUTBOUND } from '../detect/headerFixtures';
import { World } from '../support/world';

const world = World.forSuite();

const failed = (results: CheckResult[]): Record<string, string> =>
  Object.fromEntries(results.filter((r) => !r.ok && !r.skipped).map((r) => [r.name, r.detail]));
const skipped = (results: CheckResult[]): Record<string, string> =>
  Object.fromEntries(results.filter((r) => r.skipped).map((r) => [r.name, r.detail]));
const lines = (results: CheckResult[]): string[] => formatResults(results).split('\n');

describe('npm run doctor', () => {
  it('passes every check when every grant is in place', async () => {
    const results = await runDoctor(world.env(), world.log);
    expect(failed(results)).toEqual({});
    expect(results.find((r) => r.name === 'events told')?.detail).toContain('senders are told: released');
    expect(results.map((r) => r.name)).toEqual([
      'settings',
      'settings: connection',
      'settings: notices',
      'settings: email',
      'settings: limits',
      'settings: alerts',
      'settings: health',
      'settings: report',
      'settings: story',
      'events told',
      'storage',
      'credentials',
      'token for Exchange Online',
      'token for Office 365 Management APIs',
      'token for Microsoft Graph',
      'read quarantine (Get-QuarantineMessage)',
      'message headers (Get-QuarantineMessageHeader)',
      'accepted domains (Get-AcceptedDomain)',
      'audit feed (Audit.General subscription)',
      'sender mailbox',
      'sent items (exactly once after a lost answer)',
      'alerts and health emails',
      'post-delivery series (advanced hunting, else the ZAP report)',
      'health (problems the product has seen)',
    ]);
    expect(skipped(results)).toEqual({});
    expect(formatResults(results)).toMatch(/^ok {4}settings/);
    expect(results.find((r) => r.name === 'storage')?.detail).toMatch(
      /^reached Table Storage at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1 and Queue Storage at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/,
    );
  });

  it.each([
    [
      'Exchange.ManageAsApp',
      { exchangeManageAsApp: false },
      'read quarantine (Get-QuarantineMessage)',
      /Exchange\.ManageAsApp.*grant-permissions\.ps1/,
    ],
    [
      'the Security Reader role',
      { exchangeDirectoryRole: false },
      'read quarantine (Get-QuarantineMessage)',
      /Security Reader/,
    ],
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
    expect(world.sim.sentMail.map((m) => m.message.toRecipients?.[0].emailAddress.address)).toEqual([
      'alice@contoso.com',
    ]);
  });

  it('warns, never fails, when message headers cannot be read, and says which roles may allow them', async () => {
    world.sim.tenant.quarantine.add(quarantineRow({ receivedAt: new Date(Date.now() - 3_600_000) }));
    const results = await runDoctor(world.env(), world.log);
    const headers = results.find((r) => r.name === 'message headers (Get-QuarantineMessageHeader)');
    // Whether the simulator serves the cmdlet yet or not, the check never fails the doctor run.
    expect(headers).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/headers are readable|fallback decides origin/),
    });
    expect(formatResults(results)).toMatch(headers?.warning ? /^warn {2}message headers/m : /^ok {4}message headers/m);
    expect(failed(results)).toEqual({});

    // With the directory role withheld every Exchange call is a 403: said once, by read quarantine; the
    // checks that need the same grant are skipped, never failed a second time.
    world.sim.grants.exchangeDirectoryRole = false;
    const withheld = await runDoctor(world.env(), world.log);
    expect(Object.keys(failed(withheld))).toEqual(['read quarantine (Get-QuarantineMessage)']);
    expect(skipped(withheld)).toEqual({
      'message headers (Get-QuarantineMessageHeader)': expect.stringMatching(
        /^needs read quarantine \(Get-QuarantineMessage\) to pass; meanwhile the fallback/,
      ),
      'accepted domains (Get-AcceptedDomain)': 'needs read quarantine (Get-QuarantineMessage) to pass',
    });

    const refused = describeHeaderRead({ kind: 'forbidden' });
    expect(refused.warning).toBe(true);
    expect(refused.detail).toMatch(
      /Microsoft does not document which role.*Security Reader, Security Administrator.*Quarantine Administrator.*fallback/,
    );
    expect(describeHeaderRead({ kind: 'header', text: INTERNAL_OUTBOUND })).toEqual({
      warning: false,
      detail: expect.stringMatching(/headers are readable.*internal, Originating\+AuthAs:Internal\+DIR:OUT/),
    });
  });

  it('says when auditing is off for the tenant', async () => {
    world.sim.audit.auditingEnabled = false;
    expect(failed(await runDoctor(world.env(), world.log))['audit feed (Audit.General subscription)']).toMatch(
      /audit logging may be turned off/,
    );
  });

  it("says a wrong secret once, with Entra's AADSTS code and text on one line, and skips what needs a token", async () => {
    process.env.AZURE_CLIENT_SECRET = 'wrong';
    try {
      const results = await runDoctor(world.env(), world.log);
      const problems = failed(results);
      expect(Object.keys(problems)).toEqual(['token for Exchange Online']);
      expect(problems['token for Exchange Online']).toMatch(
        /Could not get a token for https:\/\/127\.0\.0\.1:\d+\/\.default: .*AADSTS7000215: Invalid client secret provided\..*AZURE_CLIENT_SECRET/,
      );
      expect(problems['token for Exchange Online']).not.toMatch(/[\r\n]|\.\.|Trace ID/);
      expect(skipped(results)).toMatchObject({
        'token for Office 365 Management APIs': 'needs a working sign-in (see token for Exchange Online)',
        'token for Microsoft Graph': 'needs a working sign-in (see token for Exchange Online)',
        'read quarantine (Get-QuarantineMessage)': 'needs a token for Exchange Online',
        'audit feed (Audit.General subscription)': 'needs a token for Office 365 Management APIs',
        'sent items (exactly once after a lost answer)': 'needs a token for Microsoft Graph',
      });
    } finally {
      process.env.AZURE_CLIENT_SECRET = world.sim.clientSecret;
    }
  });

  it('names a missing credential once and skips every token and call that needs it', async () => {
    const results = await runDoctor(world.env({ AZURE_CLIENT_SECRET: '' }), world.log);
    expect(failed(results)).toEqual({
      credentials: expect.stringMatching(/^AZURE_CLIENT_SECRET is missing: signing in as an app registration needs/),
    });
    for (const name of [
      'token for Exchange Online',
      'token for Office 365 Management APIs',
      'token for Microsoft Graph',
    ])
      expect(skipped(results)[name]).toBe('needs AZURE_CLIENT_SECRET');
    expect(skipped(results)['read quarantine (Get-QuarantineMessage)']).toBe('needs a token for Exchange Online');
    expect(lines(results).filter((line) => line.startsWith('FAIL'))).toHaveLength(1);
    expect(lines(results)).toContainEqual(
      expect.stringMatching(/^skip {2}token for Microsoft Graph +needs AZURE_CLIENT_SECRET$/),
    );
  });

  it('warns when the app signs in to another tenant than M365_TENANT_ID', async () => {
    const results = await runDoctor(world.env({ AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000aa' }), world.log);
    expect(results.find((r) => r.name === 'credentials')).toMatchObject({
      ok: true,
      warning: true,
      detail: expect.stringMatching(/signs in to tenant 00000000-0000-0000-0000-0000000000aa .* but M365_TENANT_ID is/),
    });
  });

  it('reports every broken setting in one run and skips the checks that need them', async () => {
    const env = {
      ...world.env(),
      M365_TENANT_ID: '',
      AzureWebJobsStorage: '',
      NOTIFY_SENDER_MAILBOX: '',
      NOTIFY_MAX_PER_MINUTE: 'lots',
      GRAPH_ENDPOINT: 'http://graph.example',
    };
    const results = await runDoctor(env, world.log);
    expect(failed(results)).toEqual({
      'setting M365_TENANT_ID': expect.stringMatching(/^Setting M365_TENANT_ID is missing/),
      'setting NOTIFY_SENDER_MAILBOX': expect.stringMatching(
        /^Setting NOTIFY_SENDER_MAILBOX is missing.*nothing can be sent without it/,
      ),
      'setting GRAPH_ENDPOINT': expect.stringMatching(/^Setting GRAPH_ENDPOINT is invalid/),
      'setting AzureWebJobsStorage': expect.stringMatching(
        /^Setting AzureWebJobsStorage is missing.*UseDevelopmentStorage=true/,
      ),
      'setting NOTIFY_MAX_PER_MINUTE': expect.stringMatching(/^Setting NOTIFY_MAX_PER_MINUTE is invalid/),
    });
    expect(skipped(results)).toEqual({
      storage: 'needs AzureWebJobsStorage',
      'token for Microsoft Graph': 'needs GRAPH_ENDPOINT',
      'read quarantine (Get-QuarantineMessage)': 'needs M365_TENANT_ID',
      'message headers (Get-QuarantineMessageHeader)': expect.stringMatching(/^needs M365_TENANT_ID; /),
      'accepted domains (Get-AcceptedDomain)': 'needs M365_TENANT_ID',
      'audit feed (Audit.General subscription)': 'needs M365_TENANT_ID',
      'sender mailbox': 'needs NOTIFY_SENDER_MAILBOX',
      'sent items (exactly once after a lost answer)': 'needs NOTIFY_SENDER_MAILBOX and a token for Microsoft Graph',
      'post-delivery series (advanced hunting, else the ZAP report)':
        'needs M365_TENANT_ID and a token for Microsoft Graph',
      'health (problems the product has seen)': 'needs working storage (see storage)',
    });
    // Sign-in itself does not depend on M365_TENANT_ID: those checks still ran and passed.
    expect(results.filter((r) => r.ok).map((r) => r.name)).toEqual([
      'credentials',
      'token for Exchange Online',
      'token for Office 365 Management APIs',
      'alerts and health emails',
    ]);
    expect(lines(results).some((line) => /^ok {2}settings/.test(line))).toBe(false);
  });

  it('never says ok settings while NOTIFY_SENDER_MAILBOX is unset', async () => {
    const results = await runDoctor({ ...world.env(), NOTIFY_SENDER_MAILBOX: '' }, world.log);
    expect(results.find((r) => r.name === 'settings')).toBeUndefined();
    expect(failed(results)).toEqual({
      'setting NOTIFY_SENDER_MAILBOX': expect.stringMatching(/NOTIFY_SENDER_MAILBOX is missing/),
    });
  });

  it('names Table Storage, AzureWebJobsStorage, the endpoint and the fix when storage cannot be reached', async () => {
    const env = {
      ...world.env(),
      AzureWebJobsStorage:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1',
    };
    const problems = failed(await runDoctor(env, world.log));
    expect(problems).toEqual({
      storage: expect.stringMatching(
        /^Table Storage at http:\/\/127\.0\.0\.1:9\/devstoreaccount1 \(setting AzureWebJobsStorage\) cannot be reached \(.*ECONNREFUSED.*\): check the account name and endpoint/,
      ),
    });
  });

  it('names the setting when the storage connection string is one the SDK rejects', async () => {
    const env = {
      ...world.env(),
      AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=qrnstore;AccountKey=abc',
    };
    expect(failed(await runDoctor(env, world.log)).storage).toMatch(
      /^Setting AzureWebJobsStorage is not a usable Table Storage connection string \(Invalid EndpointSuffix.*\): copy it again/,
    );
  });
});
