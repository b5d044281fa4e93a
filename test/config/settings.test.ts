import { checkSettings, DEFAULTS, loadSettings, SettingsError } from '../../shared/config/settings';
import { declarations, GROUPS } from '../../shared/config/schema';

const base = {
  M365_TENANT_ID: '00000000-0000-0000-0000-000000000001',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

function errorOf(env: Record<string, string>): string {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error('expected a SettingsError');
}

describe('settings', () => {
  it('uses the public-cloud endpoints and documented schedules when nothing else is set', () => {
    const s = loadSettings(base);
    expect(s.exchangeEndpoint).toBe('https://outlook.office365.com');
    expect(s.managementEndpoint).toBe('https://manage.office.com');
    expect(s.graphEndpoint).toBe('https://graph.microsoft.com');
    expect(s.snapshotSchedule).toBe('0 */15 * * * *');
    expect(s.releasesSchedule).toBe('0 */10 * * * *');
    expect(s.notifyMaxPerMinute).toBe(30);
    expect(s.notifyDryRun).toBe(false);
    expect(s.disableInstanceDiscovery).toBe(false);
  });

  it('names the missing tenant and shows what a valid one looks like', () => {
    expect(errorOf({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toMatch(
      /M365_TENANT_ID is missing: expected the tenant GUID, such as/,
    );
    expect(errorOf({ ...base, M365_TENANT_ID: 'contoso.com' })).toMatch(
      /M365_TENANT_ID is invalid \(got "contoso.com"\)/,
    );
  });

  it.each([
    ['EXCHANGE_ENDPOINT', 'http://outlook.office365.com', /EXCHANGE_ENDPOINT is invalid.*https origin/],
    ['GRAPH_ENDPOINT', 'https://graph.microsoft.com/v1.0', /GRAPH_ENDPOINT is invalid.*without path/],
    ['MANAGEMENT_ENDPOINT', 'not a url', /MANAGEMENT_ENDPOINT is invalid/],
    ['SNAPSHOT_SCHEDULE', '*/15 * * * *', /SNAPSHOT_SCHEDULE is invalid.*six fields/],
    ['NOTIFY_RELEASES_SINCE', '2026-01-01', /NOTIFY_RELEASES_SINCE is invalid.*with a zone/],
    ['NOTIFY_MAX_PER_MINUTE', '0', /NOTIFY_MAX_PER_MINUTE is invalid.*from 1 to/],
    ['NOTIFY_DRY_RUN', 'maybe', /NOTIFY_DRY_RUN is invalid.*true or false/],
    ['NOTIFY_SENDER_MAILBOX', 'notices@contoso.com\r\nBcc: x@evil.example', /NOTIFY_SENDER_MAILBOX is invalid/],
    ['NOTIFY_LANGUAGE', 'tlh', /NOTIFY_LANGUAGE is invalid.*one of en/],
    ['AZURE_AUTHORITY_HOST', 'http://127.0.0.1:1', /AZURE_AUTHORITY_HOST is invalid/],
  ])('rejects a malformed %s with one line that names it', (name, value, message) => {
    const text = errorOf({ ...base, [name]: value });
    expect(text).toMatch(message);
    expect(text).not.toMatch(/[\r\n]/);
  });

  it('turns instance discovery off only for sign-in hosts that are not Microsoft clouds', () => {
    expect(
      loadSettings({ ...base, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' }).disableInstanceDiscovery,
    ).toBe(false);
    const sim = loadSettings({ ...base, AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8443/' });
    expect(sim.disableInstanceDiscovery).toBe(true);
    expect(sim.authorityHost).toBe('https://127.0.0.1:8443');
  });

  it('accepts identity-based storage by account name and derives both service URLs', () => {
    const s = loadSettings({
      M365_TENANT_ID: base.M365_TENANT_ID,
      AzureWebJobsStorage__accountName: 'qrnstore01',
      AzureWebJobsStorage__clientId: 'abc',
    });
    expect(s.storage).toEqual({
      kind: 'identity',
      tableUrl: 'https://qrnstore01.table.core.windows.net',
      queueUrl: 'https://qrnstore01.queue.core.windows.net',
      clientId: 'abc',
    });
  });

  it('explains both storage forms when neither is set', () => {
    expect(errorOf({ M365_TENANT_ID: base.M365_TENANT_ID })).toMatch(/AzureWebJobsStorage is missing.*__accountName/);
  });

  it('never echoes a storage connection string (it holds a key) in its error', () => {
    expect(errorOf({ ...base, AzureWebJobsStorage: 'secret-key-material' })).not.toContain('secret-key-material');
  });

  describe("checkSettings (the doctor's view: every problem at once)", () => {
    it("reports every missing and malformed setting in one pass, each naming its setting, in the schema's order", () => {
      const env = {
        NOTIFY_LANGUAGE: 'tlh',
        SNAPSHOT_SCHEDULE: 'hourly',
        NOTIFY_TIME_ZONE: 'Mars/Olympus',
        NOTIFY_DRY_RUN: 'maybe',
      };
      const { problems, settings } = checkSettings(env, { requireSenderMailbox: true });
      expect(settings).toBeUndefined();
      expect(problems.map((p) => p.setting)).toEqual([
        'M365_TENANT_ID',
        'AzureWebJobsStorage',
        'NOTIFY_SENDER_MAILBOX',
        'NOTIFY_DRY_RUN',
        'NOTIFY_LANGUAGE',
        'NOTIFY_TIME_ZONE',
        'SNAPSHOT_SCHEDULE',
      ]);
      for (const problem of problems)
        expect(problem.message).toMatch(new RegExp(`^Setting ${problem.setting} is (missing|invalid)[^\\r\\n]*$`));
      // loadSettings still stops at the first, as the functions always did.
      expect(errorOf(env)).toBe(problems[0].message);
    });

    it('requires the sender mailbox only when asked: the functions run without it until something is sent', () => {
      expect(checkSettings(base).problems).toEqual([]);
      expect(checkSettings(base, { requireSenderMailbox: true }).problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/NOTIFY_SENDER_MAILBOX is missing.*nothing can be sent/),
      ]);
      expect(
        checkSettings({ ...base, NOTIFY_SENDER_MAILBOX: 'notices@contoso.com' }, { requireSenderMailbox: true })
          .settings?.notifySenderMailbox,
      ).toBe('notices@contoso.com');
    });

    it('gives the same settings as loadSettings when nothing is wrong', () => {
      const env = {
        ...base,
        NOTIFY_SENDER_MAILBOX: 'Notices@Contoso.com',
        NOTIFY_TIME_ZONE: 'europe/berlin',
        NOTIFY_MAX_PER_MINUTE: '12',
      };
      expect(checkSettings(env).settings).toEqual(loadSettings(env));
    });

    it('keeps a draft for the checks that do not depend on a broken setting, and never lets a broken dry-run setting send', () => {
      const { draft } = checkSettings({
        ...base,
        GRAPH_ENDPOINT: 'http://graph.example',
        NOTIFY_DRY_RUN: 'perhaps',
        EXCHANGE_ENDPOINT: 'https://outlook.office365.us',
      });
      expect(draft.graphEndpoint).toBe('https://graph.microsoft.com');
      expect(draft.exchangeEndpoint).toBe('https://outlook.office365.us');
      expect(draft.notifyDryRun).toBe(true);
    });

    it('names identity-based storage with a table URL but no queue URL, which could never enqueue a job', () => {
      const { problems } = checkSettings({
        M365_TENANT_ID: base.M365_TENANT_ID,
        AzureWebJobsStorage__tableServiceUri: 'https://qrn.table.core.windows.net',
      });
      expect(problems.map((p) => [p.setting, p.message])).toEqual([
        [
          'AzureWebJobsStorage__queueServiceUri',
          expect.stringMatching(/queueServiceUri is missing.*https:\/\/myaccount\.queue\.core\.windows\.net/),
        ],
      ]);
    });
  });

  describe('plain-http storage (the account key would travel in clear)', () => {
    const key = 'AccountKey=c2VjcmV0LWtleS1tYXRlcmlhbA==';
    it.each([
      [
        'DefaultEndpointsProtocol=http to Azure',
        `DefaultEndpointsProtocol=http;AccountName=qrnstore01;${key};EndpointSuffix=core.windows.net`,
        'qrnstore01.blob.core.windows.net',
      ],
      [
        'an http table endpoint on another host',
        `DefaultEndpointsProtocol=https;AccountName=a;${key};TableEndpoint=http://storage.contoso.com/a`,
        'storage.contoso.com',
      ],
      [
        'loopback table but derived http blob',
        `DefaultEndpointsProtocol=http;AccountName=a;${key};TableEndpoint=http://127.0.0.1:10002/a;QueueEndpoint=http://127.0.0.1:10001/a`,
        'a.blob.core.windows.net',
      ],
      [
        'a host that only starts like loopback',
        `AccountName=a;${key};QueueEndpoint=http://127.0.0.1.evil.example/a;TableEndpoint=https://a.table.core.windows.net`,
        '127.0.0.1.evil.example',
      ],
    ])(
      'refuses %s in one line naming AzureWebJobsStorage, the host and why, never the key',
      (_label, connectionString, host) => {
        const message = errorOf({ ...base, AzureWebJobsStorage: connectionString });
        expect(message).toMatch(
          /^Setting AzureWebJobsStorage is invalid: .*over http to .*account key would travel in clear/,
        );
        expect(message).toContain(host);
        expect(message).not.toContain('c2VjcmV0');
        expect(message).not.toContain('\n');
      },
    );

    it.each([
      ['UseDevelopmentStorage=true', 'UseDevelopmentStorage=true'],
      [
        'Azurite on 127.0.0.1',
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;${key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;`,
      ],
      [
        'Azurite on localhost and ::1',
        `DefaultEndpointsProtocol=http;AccountName=d;${key};BlobEndpoint=http://localhost:10000/d;QueueEndpoint=http://[::1]:10001/d;TableEndpoint=http://LOCALHOST:10002/d`,
      ],
      [
        'https to Azure',
        `DefaultEndpointsProtocol=https;AccountName=qrnstore01;${key};EndpointSuffix=core.windows.net`,
      ],
    ])('accepts %s', (_label, connectionString) => {
      expect(loadSettings({ ...base, AzureWebJobsStorage: connectionString }).storage).toEqual({
        kind: 'connectionString',
        connectionString,
      });
    });

    it('refuses an http service URI for identity-based storage off loopback (the token would travel in clear)', () => {
      expect(
        errorOf({
          M365_TENANT_ID: base.M365_TENANT_ID,
          AzureWebJobsStorage__tableServiceUri: 'http://qrnstore01.table.core.windows.net',
        }),
      ).toMatch(/AzureWebJobsStorage__tableServiceUri is invalid/);
      expect(
        loadSettings({
          M365_TENANT_ID: base.M365_TENANT_ID,
          AzureWebJobsStorage__tableServiceUri: 'http://127.0.0.1:10002/d',
          AzureWebJobsStorage__queueServiceUri: 'http://127.0.0.1:10001/d',
        }).storage,
      ).toMatchObject({ tableUrl: 'http://127.0.0.1:10002/d' });
    });
  });
});

describe('the schema: one declaration per setting', () => {
  it('handles off in every address list: nobody is mailed, and health does not fall back to the alert list', () => {
    const s = loadSettings({ ...base, ALERT_RECIPIENTS: 'OFF', REPORT_RECIPIENTS: 'off' });
    expect(s.alerts.recipients).toEqual([]);
    expect(s.reportRecipients).toEqual([]);
    expect(s.health.recipients).toEqual([]);
    expect(
      loadSettings({ ...base, ALERT_RECIPIENTS: 'secops@contoso.com', HEALTH_RECIPIENTS: 'off' }).health.recipients,
    ).toEqual([]);
  });

  it('health recipients default to the alert recipients, and their own value wins', () => {
    expect(loadSettings({ ...base, ALERT_RECIPIENTS: 'SecOps@contoso.com' }).health.recipients).toEqual([
      'secops@contoso.com',
    ]);
    expect(
      loadSettings({ ...base, ALERT_RECIPIENTS: 'secops@contoso.com', HEALTH_RECIPIENTS: 'it@contoso.com' }).health
        .recipients,
    ).toEqual(['it@contoso.com']);
  });

  it('names the one bad address of a list, not the whole list', () => {
    expect(errorOf({ ...base, REPORT_RECIPIENTS: 'a@contoso.com;not an address' })).toMatch(
      /^Setting REPORT_RECIPIENTS is invalid \(got "not an address"\): expected mailbox addresses/,
    );
  });

  it('reads DRY_RUN_RELEASES_AFTER as tell or drop, drop by default', () => {
    expect(loadSettings(base).dryRunReleasesAfter).toBe('drop');
    expect(loadSettings({ ...base, DRY_RUN_RELEASES_AFTER: 'Tell' }).dryRunReleasesAfter).toBe('tell');
    expect(errorOf({ ...base, DRY_RUN_RELEASES_AFTER: 'keep' })).toMatch(
      /DRY_RUN_RELEASES_AFTER is invalid \(got "keep"\): expected one of drop, tell/,
    );
  });

  it('every declared default passes its own validator, and DEFAULTS lists exactly those', () => {
    for (const [name, d] of declarations()) {
      if (d.default === undefined) continue;
      expect({ name, ok: d.schema.safeParse(d.default).success }).toEqual({ name, ok: true });
      expect(DEFAULTS[name]).toBe(d.default);
    }
    expect(Object.keys(DEFAULTS).length).toBeGreaterThan(10);
  });

  it('every setting has a description, an example that passes its validator, and a group', () => {
    for (const [name, d] of declarations()) {
      expect({ name, described: d.description.length > 10, grouped: d.group in GROUPS }).toEqual({
        name,
        described: true,
        grouped: true,
      });
      if (!d.read) expect({ name, example: d.schema.safeParse(d.example).success }).toEqual({ name, example: true });
    }
  });
});
