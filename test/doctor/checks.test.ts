import { describeCredentials } from '../../shared/doctor/doctor';
import { checkSettings } from '../../shared/config/settings';
import type { DoctorContext } from '../../shared/checks/check';
import { settingsCheck } from '../../shared/doctor/settingsCheck';

const TENANT = '00000000-0000-0000-0000-000000000001';

describe("the doctor's credentials line", () => {
  it('warns, not ok, when nothing is set on a laptop: the checks would run as whoever is signed in, and says where settings go', () => {
    const verdict = describeCredentials({}, TENANT);
    expect(verdict).toMatchObject({ ok: true, warning: true, missing: [] });
    expect(verdict.detail).toMatch(/not as the app/);
    expect(verdict.detail).toMatch(/local\.settings\.json \(copy local\.settings\.sample\.json\)/);
    expect(verdict.detail).toMatch(/production doctor/);
  });

  it('is ok with the managed identity in Azure, naming the function app', () => {
    const verdict = describeCredentials(
      { AZURE_CLIENT_ID: '00000000-0000-0000-0000-0000000000c1', WEBSITE_SITE_NAME: 'func-qrn-prod1' },
      TENANT,
    );
    expect(verdict).toEqual({
      ok: true,
      missing: [],
      detail: expect.stringMatching(/^the user-assigned managed identity of func-qrn-prod1 \(AZURE_CLIENT_ID /),
    });
  });

  it('names the missing half of an app registration and where settings go', () => {
    const verdict = describeCredentials({ AZURE_TENANT_ID: TENANT }, TENANT);
    expect(verdict.ok).toBe(false);
    expect(verdict.missing).toEqual(['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']);
    expect(verdict.detail).toMatch(/local\.settings\.json/);
  });
});

describe("the doctor's settings lines, one per group of the schema", () => {
  it('shows what is set in each group, hides the storage secret, and lists every problem instead when there are any', () => {
    const env = {
      M365_TENANT_ID: TENANT,
      AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=qrn;AccountKey=c2VjcmV0',
      NOTIFY_SENDER_MAILBOX: 'notices@contoso.com',
      ALERT_RECIPIENTS: 'secops@contoso.com',
      REPORT_RECIPIENTS: 'off',
    };
    const report = checkSettings(env, { requireSenderMailbox: true });
    const ctx = { env, settings: report.draft } as unknown as DoctorContext;
    const lines = settingsCheck(report).report?.(ctx) ?? [];
    const byName = Object.fromEntries(lines.map((l) => [l.name, l.detail]));
    expect(byName['settings: alerts']).toBe('Alerts for the security team: ALERT_RECIPIENTS=secops@contoso.com');
    expect(byName['settings: report']).toBe('The weekly activity report: REPORT_RECIPIENTS=off');
    expect(byName['settings: limits']).toBe('Limits and schedules: all default');
    expect(JSON.stringify(lines)).not.toContain('c2VjcmV0');
    const broken = checkSettings({ ...env, ALERT_RECIPIENTS: 'nope' }, { requireSenderMailbox: true });
    const failing = settingsCheck(broken).report?.({ ...ctx, settings: broken.draft }) ?? [];
    expect(failing.map((l) => [l.name, l.ok])).toEqual([['setting ALERT_RECIPIENTS', false]]);
  });
});
