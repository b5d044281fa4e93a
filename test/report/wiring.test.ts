/**
 * The pure parts that wire the report into the product: its settings, the command's arguments, the
 * period a weekly email belongs to, what detection hands the store, and the Graph message that carries
 * several recipients and inline charts.
 */
import { loadSettings, SettingsError } from '../../shared/config/settings';
import { systemClock } from '../../shared/domain/clock';
import { quarantined } from '../support/mothers';
import { parseReportArgs } from '../../shared/cli/report';
import type { ComposedEmail } from '../../shared/email/compose';
import { MAX_INLINE_BYTES, toGraphMessage } from '../../shared/graph/graphMessage';
import { isoWeek } from '../../shared/notify/sendReport';
import type { QuarantineActivity } from '../../shared/report/activity';
import { activityRecordReader, arrivalCounter } from '../../shared/report/counting';
import type { CountOutcome, QuarantineArrival } from '../../shared/report/ports';

const TENANT = { M365_TENANT_ID: '00000000-0000-0000-0000-000000000001', AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('report settings', () => {
  it('reads REPORT_RECIPIENTS as addresses split on commas and semicolons, each once, and is off when empty', () => {
    expect(loadSettings({ ...TENANT, REPORT_RECIPIENTS: ' SecOps@Contoso.com; it@contoso.com,secops@contoso.com ;' }).reportRecipients).toEqual(['secops@contoso.com', 'it@contoso.com']);
    expect(loadSettings({ ...TENANT, REPORT_RECIPIENTS: '' }).reportRecipients).toEqual([]);
    expect(loadSettings(TENANT).reportRecipients).toEqual([]);
  });

  it('refuses a malformed or oversized REPORT_RECIPIENTS, naming the setting', () => {
    expect(() => loadSettings({ ...TENANT, REPORT_RECIPIENTS: 'secops@contoso.com; not an address' })).toThrow(SettingsError);
    expect(() => loadSettings({ ...TENANT, REPORT_RECIPIENTS: 'Bob <bob@contoso.com>' })).toThrow(/REPORT_RECIPIENTS/);
    const many = Array.from({ length: 51 }, (_, i) => `admin${i}@contoso.com`).join(';');
    expect(() => loadSettings({ ...TENANT, REPORT_RECIPIENTS: many })).toThrow(/REPORT_RECIPIENTS.*at most 50/);
  });

  it('schedules the report on Mondays 07:00 UTC unless REPORT_SCHEDULE says otherwise, and checks its shape', () => {
    expect(loadSettings(TENANT).reportSchedule).toBe('0 0 7 * * 1');
    expect(loadSettings({ ...TENANT, REPORT_SCHEDULE: '0 30 6 * * 1-5' }).reportSchedule).toBe('0 30 6 * * 1-5');
    expect(() => loadSettings({ ...TENANT, REPORT_SCHEDULE: '0 7 * * 1' })).toThrow(/REPORT_SCHEDULE/);
  });

  it("knows the app's own identities from AZURE_CLIENT_ID and the storage identity, lower-cased", () => {
    const settings = loadSettings({ ...TENANT, AZURE_CLIENT_ID: 'ABCDEF01-0000-0000-0000-000000000002', AzureWebJobsStorage__clientId: 'abcdef01-0000-0000-0000-000000000002' });
    expect(settings.ownIdentities).toEqual(['abcdef01-0000-0000-0000-000000000002']);
  });
});

describe('npm run report arguments', () => {
  it('defaults to ./report and 30 days, and takes --out and --days in both spellings', () => {
    expect(parseReportArgs([])).toEqual({ out: 'report', days: 30 });
    expect(parseReportArgs(['--out', '/tmp/r', '--days', '7'])).toEqual({ out: '/tmp/r', days: 7 });
    expect(parseReportArgs(['--days=90', '--out=x'])).toEqual({ out: 'x', days: 90 });
  });

  it('refuses days outside the kept 90, a missing directory and unknown arguments', () => {
    for (const argv of [['--days', '0'], ['--days', '91'], ['--days', '7.5'], ['--days'], ['--out'], ['--out', '--days'], ['--since', '2026-01-01']]) {
      expect(() => parseReportArgs(argv)).toThrow(/--days|--out|Unknown argument/);
    }
  });
});

describe('the weekly period', () => {
  it('is the ISO week, whose year is the year of its Thursday', () => {
    expect(isoWeek(new Date('2026-01-01T07:00:00Z'))).toBe('2026-w01');
    expect(isoWeek(new Date('2027-01-01T07:00:00Z'))).toBe('2026-w53');
    expect(isoWeek(new Date('2024-12-30T07:00:00Z'))).toBe('2025-w01');
    expect(isoWeek(new Date('2021-01-03T23:59:59Z'))).toBe('2020-w53');
    // Monday's run and Sunday's retry of the same week are one period.
    expect(isoWeek(new Date('2026-11-30T07:00:00Z'))).toBe(isoWeek(new Date('2026-12-06T23:00:00Z')));
  });
});

describe('what detection and the snapshot hand the store', () => {
  const outcome: CountOutcome = { counted: 0, duplicates: 0, skipped: 0 };

  it('counts only quarantine records, labels the app\'s own header reads, and survives hostile items', async () => {
    const counted: QuarantineActivity[] = [];
    const reader = activityRecordReader({
      store: { countActivity: async (records) => (counted.push(...records), outcome) },
      ownIdentities: ['APP-CLIENT-ID-0001'],
      clock: systemClock,
    });
    await reader([
      null,
      'text',
      { RecordType: 15, Workload: 'AzureActiveDirectory', Id: 'signin-0000000001', CreationTime: '2026-08-21T09:00:00' },
      { RecordType: 65, Id: 'q-0000000001', CreationTime: '2026-08-21T09:15:42', RequestType: 2, ResultStatus: 'Successful', UserId: 'secadmin@contoso.com' },
      { RecordType: 65, Id: 'q-0000000002', CreationTime: '2026-08-21T23:59:59', RequestType: 4, ResultStatus: 'Successful', UserId: 'app-client-id-0001' },
      { RecordType: 65, Id: 'q-0000000003', CreationTime: 'yesterday', RequestType: 1 },
    ]);
    expect(counted.map((r) => [r.id, r.kind, r.appOwn])).toEqual([['q-0000000001', 'release', false], ['q-0000000002', 'viewHeader', true]]);
  });

  it('does not call the store for a blob without quarantine records', async () => {
    const store = { countActivity: jest.fn(async () => outcome) };
    await activityRecordReader({ store, ownIdentities: [], clock: systemClock })([{ RecordType: 6, Id: 'sp-00000001', CreationTime: '2026-08-21T09:00:00' }]);
    expect(store.countActivity).not.toHaveBeenCalled();
  });

  it('counts each stored copy as an arrival by NetworkMessageId, copy, day received and type', async () => {
    const seen: QuarantineArrival[] = [];
    const count = arrivalCounter({ countArrivals: async (arrivals) => (seen.push(...arrivals), outcome) });
    const receivedAt = new Date('2026-08-20T14:02:11Z');
    await count([quarantined({ networkMessageId: 'n1', copyId: 'c1', receivedAt, quarantineType: 'TransportRule' })], new Date());
    expect(seen).toEqual([{ networkMessageId: 'n1', copyId: 'c1', receivedAt, quarantineType: 'TransportRule' }]);
  });
});

describe('the Graph message of a report', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const email = (extra: Partial<ComposedEmail> = {}): ComposedEmail => ({ to: 'secops@contoso.com', subject: 'Quarantine activity', html: '<img src="cid:chart1">', text: '', headers: [], ...extra });

  it('puts every recipient in To and the charts as inline file attachments (reference section 3)', () => {
    const message = toGraphMessage(email({ moreTo: ['it@contoso.com', 'SECOPS@contoso.com'], inlineImages: [{ name: 'chart1.png', contentId: 'chart1', contentType: 'image/png', bytes: png }] }));
    expect(message.toRecipients).toEqual([{ emailAddress: { address: 'secops@contoso.com' } }, { emailAddress: { address: 'it@contoso.com' } }]);
    expect(message.attachments).toEqual([
      { '@odata.type': '#microsoft.graph.fileAttachment', name: 'chart1.png', contentType: 'image/png', contentBytes: png.toString('base64'), contentId: 'chart1', isInline: true },
    ]);
  });

  it('leaves a notice as it was: one recipient, no attachments property', () => {
    const message = toGraphMessage(email());
    expect(message.toRecipients).toHaveLength(1);
    expect('attachments' in message).toBe(false);
  });

  it('refuses a bad further recipient, a content id that could break out of cid:, and images too big for one request', () => {
    expect(() => toGraphMessage(email({ moreTo: ['not-an-address'] }))).toThrow(/not a mailbox address/);
    expect(() => toGraphMessage(email({ inlineImages: [{ name: 'a.png', contentId: 'a"><script>', contentType: 'image/png', bytes: png }] }))).toThrow(/content id/);
    expect(() => toGraphMessage(email({ inlineImages: [{ name: 'a.png', contentId: 'a', contentType: 'image/png', bytes: Buffer.alloc(MAX_INLINE_BYTES + 1) }] }))).toThrow(/at most/);
  });
});
