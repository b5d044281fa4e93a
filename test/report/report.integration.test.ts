/**
 * The activity report wired into the product, on Azurite and the simulator: what detection and the
 * snapshot count must be the audit records and quarantine rows the simulated tenant published, day
 * by day, whatever is repeated (a record in two blobs, a blob published twice, detection run twice,
 * a crash in the middle of counting); and the weekly email goes out once per period with its charts.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { runTenantStageHandler } from '../../functions/runTenantStage';
import { weeklyReportHandler } from '../../functions/weeklyReport';
import { TENANT_RUNS_QUEUE } from '../../shared/tenants/tenantRun';
import { detectReleases } from '../../shared/detect/detectReleases';
import { feedAlsoReadBy } from '../../shared/app/countedFeed';
import { ACTIVITY_KINDS } from '../../shared/report/activity';
import { activityRecordReader } from '../../shared/report/counting';
import { addDays, utcDay } from '../../shared/report/days';
import type { QuarantineActivity } from '../../shared/report/activity';
import { reportSummary } from '../../shared/report/renderReport';
import { isoWeek, ReportDeferredError } from '../../shared/notify/sendReport';
import type { CountOutcome } from '../../shared/report/ports';
import { loadSampleTenant } from '../../simulator/sampleTenant';
import { CHART_WIDTH } from '../../shared/report/charts';
import { takeEach } from '../support/queues';
import { World } from '../support/world';
import { decodePng, PNG_SIGNATURE } from './png';

const world = World.forSuite();
jest.setTimeout(120_000);

describe('the activity report, counted by the product', () => {
  it('matches the records the simulator published, day by day, through duplicates, re-read blobs and a crash mid-count', async () => {
    const now = new Date();
    const tenant = loadSampleTenant(world.sim, now);
    // One whole blob published a second time (a blob the feed lists twice, under another contentId).
    const history = world.sim.audit.blobs[world.sim.audit.blobs.length - 1];
    world.sim.audit.publish(history.records as object[], { contentCreated: history.contentCreated });

    const runtime = world.runtime();
    const snapshot = await runtime.snapshot();

    // A crash in the middle of counting a blob: half its quarantine records are counted, then the process dies.
    const real = await runtime.activityStore();
    let crashed = false;
    const crashing = {
      countActivity: async (records: readonly QuarantineActivity[], at: Date): Promise<CountOutcome> => {
        if (crashed || records.length < 2) return real.countActivity(records, at);
        crashed = true;
        await real.countActivity(records.slice(0, Math.floor(records.length / 2)), at);
        throw new Error('simulated crash mid-count');
      },
    };
    const deps = await runtime.detectionDeps();
    const counting = activityRecordReader({
      store: crashing,
      ownIdentities: runtime.settings.ownIdentities,
      clock: runtime.clock,
    });
    await expect(detectReleases({ ...deps, feed: feedAlsoReadBy(runtime.auditFeed, counting) })).rejects.toThrow('simulated crash mid-count');
    expect(crashed).toBe(true);

    const first = await runtime.detect();
    const second = await runtime.detect();
    // The second run reads the app's own header reads of the first (audited under AZURE_CLIENT_ID).
    expect(first.headerReads).toBeGreaterThan(0);

    const data = await runtime.reportData(30);
    const summary = reportSummary(data, []);
    const published = new Map(tenant.activity.map((day) => [day.date, day]));
    expect(published.size).toBeGreaterThanOrEqual(6);
    for (const day of summary.days) {
      const expected = published.get(day.date);
      const counts = Object.fromEntries(ACTIVITY_KINDS.map((kind) => [kind, expected ? expected[kind] : 0]));
      expect({ date: day.date, ...counts }).toEqual(day);
    }
    for (const day of data.activity) {
      const failed = Object.values(day.failed).reduce((a, b) => a + b, 0);
      expect(failed).toBe(published.get(day.date)?.failed ?? 0);
    }
    // The report covers complete days only: today is not in it.
    expect(data.window.to).toBe(addDays(utcDay(now), -1));
    expect(data.activity.some((d) => d.date === utcDay(now))).toBe(false);
    // The product's own header reads are counted apart, never as an admin's header view.
    const [todayCounts] = (await real.readDays(utcDay(now), utcDay(now))).activity;
    expect(todayCounts?.appHeaderReads).toBe(first.headerReads + second.headerReads);

    // Arrivals: every stored copy once, on the UTC day it was received, by quarantine type.
    const rows = world.sim.tenant.quarantine.rows;
    const again = await runtime.snapshot();
    const reread = await runtime.reportData(30);
    expect(reread.arrivals).toEqual(data.arrivals);
    // Every stored copy received in the window (today's are not in it).
    const today = utcDay(now);
    const todays = rows.filter((row) => utcDay(new Date(row.ReceivedTime)) === today).length;
    expect(data.arrivals.reduce((n, d) => n + d.total, 0)).toBe(snapshot.rowsStored - todays);
    expect(data.arrivals.filter((d) => d.total > 0).length).toBeGreaterThan(20);
    expect(again.rowsStored).toBeGreaterThan(0);
    const byDay = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const date = utcDay(new Date(row.ReceivedTime));
      const types = byDay.get(date) ?? {};
      types[row.QuarantineTypes] = (types[row.QuarantineTypes] ?? 0) + 1;
      byDay.set(date, types);
    }
    for (const day of data.arrivals) expect(day.byType).toEqual(byDay.get(day.date) ?? {});
  });
});

describe('the weekly report email', () => {
  const recipients = 'secops@contoso.com; it-lead@contoso.com';

  it('goes to every recipient once per period, with its charts inline, whatever reruns happen', async () => {
    const now = new Date();
    loadSampleTenant(world.sim, now);
    const runtime = world.runtime({ REPORT_RECIPIENTS: recipients });
    await runtime.snapshot();
    await runtime.detect();
    const before = world.sim.sentMail.length;

    const sent = await runtime.sendWeeklyReport(now);
    expect(sent.period).toBe(isoWeek(now));
    expect(sent.to).toBe(addDays(utcDay(now), -1));
    const mails = world.sim.sentMail.slice(before);
    expect(mails).toHaveLength(1);
    const message = mails[0].message;
    expect((message.toRecipients ?? []).map((r) => r.emailAddress.address)).toEqual(['secops@contoso.com', 'it-lead@contoso.com']);
    const attachments = message.attachments as Array<{ contentId: string; isInline: boolean; contentType: string; contentBytes: string }>;
    // Advanced hunting answers in the simulated tenant: its two post-delivery charts come too.
    expect(attachments.map((a) => a.contentId).sort()).toEqual(['post-delivery-admin', 'post-delivery-location', 'quarantine-actions', 'quarantine-arrivals', 'quarantine-looks', 'releases-by-account']);
    const html = message.body?.content ?? '';
    for (const a of attachments) {
      expect(a).toMatchObject({ isInline: true, contentType: 'image/png' });
      expect(html).toContain(`src="cid:${a.contentId}"`);
      const png = Buffer.from(a.contentBytes, 'base64');
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(decodePng(png).width).toBe(CHART_WIDTH);
    }
    // The week's totals in words come first, then the 30 days.
    expect(html).toMatch(/The last 7 days[\s\S]*In the last 7 days,[\s\S]*The last 30 days[\s\S]*In the last 30 days,/);

    // The same period again (a retry, a second instance, a manual run): nothing more is sent.
    const rerun = await runtime.sendWeeklyReport(new Date(now.getTime() + 60_000));
    expect(rerun.delivery?.alreadyTold).toBe(1);
    expect(world.sim.sentMail.length).toBe(before + 1);
  });

  it('is sent once when Graph took it but the answer was lost: the rerun finds it in Sent Items', async () => {
    const now = new Date();
    const runtime = world.runtime({ REPORT_RECIPIENTS: recipients });
    world.sim.faults.add({ service: 'graph', kind: 'accept-then-status', status: 504, match: (req) => req.path.endsWith('/sendMail') });
    await expect(runtime.sendWeeklyReport(now)).rejects.toThrow(ReportDeferredError);
    expect(world.sim.sentMail).toHaveLength(1);

    // The timer's retry comes 10 minutes later; by then the Sent Items copy (200 ms here) is there.
    await new Promise((resolve) => setTimeout(resolve, world.sim.sentItemsDelayMs + 100));
    const rerun = await runtime.sendWeeklyReport(now);
    expect(rerun.delivery).toMatchObject({ sent: false, confirmedSent: 1 });
    expect(world.sim.sentMail).toHaveLength(1);
  });

  it("is what the weeklyReport timer's tenant run sends, with the app settings, logging one summary line each", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, world.env({ REPORT_RECIPIENTS: recipients }));
    const lines: string[] = [];
    const context = new InvocationContext({ functionName: 'weeklyReport', invocationId: 'test', logHandler: (level, ...args) => lines.push(`${level} ${args.join(' ')}`) });
    const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
    try {
      // Each tick fans out one tenant run, which sends the report (the second finds it told).
      for (let tick = 0; tick < 2; tick++) {
        await weeklyReportHandler(timer, context);
        await takeEach(world.azurite.connectionString, TENANT_RUNS_QUEUE, (body) => runTenantStageHandler(body, context));
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expect(world.sim.sentMail).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('information summary report fan-out {'))).toHaveLength(2);
    expect(lines.filter((l) => /^information summary tenant run \{.*"stage":"report"/.test(l))).toHaveLength(2);
  });

  it('sends nothing while REPORT_RECIPIENTS is empty', async () => {
    const summary = await world.runtime().sendWeeklyReport(new Date());
    expect(summary.off).toMatch(/REPORT_RECIPIENTS/);
    expect(world.sim.sentMail).toHaveLength(0);
  });
});
