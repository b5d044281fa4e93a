import { job, release } from '../notify/fakes';
import { World } from '../support/world';

const world = World.forSuite();
const MINUTE = 60_000;
const T0 = Date.now();
const clock = (minutes: number) => ({ now: () => new Date(T0 + minutes * MINUTE) });
const HEALTH = { HEALTH_RECIPIENTS: 'it-ops@contoso.com' };

const healthMails = () =>
  world.sim.sentMail.filter((m) => m.message.internetMessageHeaders?.some((h) => h.name === 'x-qrn-health'));
const healthHeader = (i: number) =>
  healthMails()[i]?.message.internetMessageHeaders?.find((h) => h.name === 'x-qrn-health')?.value;

async function detect(minutes: number, extra: Record<string, string> = HEALTH): Promise<unknown> {
  const runtime = world.runtime(extra);
  return runtime.runStage('detection', () => runtime.detect(), clock(minutes)).catch((error: unknown) => error);
}

describe('the product says when it cannot do its job', () => {
  it('a grant withheld between runs: one email naming it after the threshold, none before, none again that day, one when it returns', async () => {
    await detect(0);
    world.sim.grants.activityFeedRead = false;
    await detect(10);
    await detect(60);
    expect(healthMails()).toHaveLength(0);
    await detect(140);
    expect(healthMails()).toHaveLength(1);
    expect(healthHeader(0)).toBe('audit-feed-permission; open');
    expect(healthMails()[0].message.toRecipients?.map((r) => r.emailAddress.address)).toEqual(['it-ops@contoso.com']);
    expect(healthMails()[0].message.body?.content).toMatch(/ActivityFeed\.Read/);
    const body = healthMails()[0].message.body?.content ?? '';
    expect(body).toMatch(/What it stops\b[^\n]*new releases are not being detected\./);
    // Which deployment, and how to check it in production with the app's own identity.
    expect(body).toMatch(/run outside Azure, Microsoft 365 tenant [0-9a-f-]{36}/);
    expect(body).toMatch(/az storage message put --auth-mode login .*--queue-name doctor-requests/);
    expect(body).not.toMatch(/npm run doctor/);
    await detect(150);
    await detect(600);
    expect(healthMails()).toHaveLength(1);

    world.sim.grants.activityFeedRead = true;
    await detect(610);
    expect(healthMails()).toHaveLength(2);
    expect(healthHeader(1)).toBe('audit-feed-permission; resolved');
    await detect(620);
    expect(healthMails()).toHaveLength(2);
  });

  it('messages in the poison queue raise their problem; the summary counts open problems', async () => {
    const runtime = world.runtime({ ...HEALTH, HEALTH_ALERT_AFTER_MINUTES: '0' });
    await runtime.poisonQueue.add('{"sender":"not an address"}');
    const summary = await runtime.runStage('detection', () => runtime.detect(), clock(0));
    expect(summary.openProblems).toBe(1);
    expect(healthMails().map((_, i) => healthHeader(i))).toEqual(['poison-messages; open']);
  });

  it('the daily cap holding mail back raises its problem', async () => {
    const runtime = world.runtime({ ...HEALTH, HEALTH_ALERT_AFTER_MINUTES: '0', NOTIFY_MAX_PER_DAY: '1' });
    const second = job([release({ networkMessageId: '7e1d2c3b-4a59-4687-8b9a-0c1d2e3f4a5b' })]);
    await runtime.sendJob(job(), 'msg-1');
    expect(await runtime.sendJob(second, 'msg-2')).toMatchObject({ sent: false, deferredUntil: expect.any(String) });
    const summary = await runtime.runStage('detection', () => runtime.detect(), clock(1));
    expect(summary.openProblems).toBeGreaterThanOrEqual(1);
    expect(healthMails().map((_, i) => healthHeader(i))).toContain('daily-cap-reached; open');
  });
});
