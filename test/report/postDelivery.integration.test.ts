/**
 * The report's post-delivery series, wired into the product, against the simulator: where the tenant
 * has Defender XDR and ThreatHunting.Read.All, the two hunting queries' series must be the events the
 * simulated tenant published, day by day; without them, the ZAP report's, and the report says which
 * source drew them and why.
 */
import { addDays, utcDay } from '../../shared/report/days';
import { ADMIN_ACTIONS, FINAL_LOCATIONS } from '../../shared/report/postDelivery';
import { reportHtml } from '../../shared/report/renderReport';
import type { PostDeliveryEvent } from '../../simulator/postDelivery';
import { loadSampleTenant } from '../../simulator/sampleTenant';
import { World } from '../support/world';

const world = World.forSuite();
jest.setTimeout(120_000);

/** Kusto's `has` for the words these queries use: a whole term, any case. */
const has = (value: string, term: string): boolean =>
  new RegExp(`(^|[^a-z0-9])${term.toLowerCase()}($|[^a-z0-9])`).test(value.toLowerCase());

function published(events: readonly PostDeliveryEvent[], date: string, keep: (e: PostDeliveryEvent) => boolean): number {
  return events.filter((e) => utcDay(e.timestamp) === date && keep(e)).length;
}

describe('the post-delivery series in the report', () => {
  it('with Defender XDR: the two hunting queries, day by day as the tenant published them, 30 complete days', async () => {
    const now = new Date();
    const tenant = loadSampleTenant(world.sim, now);
    const data = await world.runtime().reportData(30, now);
    expect(data.window.to).toBe(addDays(utcDay(now), -1));
    expect(data.window.dates).toHaveLength(30);
    const p = data.postDelivery;
    if (p?.source !== 'advanced-hunting') throw new Error(`expected advanced hunting, got ${JSON.stringify(p).slice(0, 200)}`);
    let total = 0;
    for (const day of p.admin) {
      expect(day.covered).toBe(true);
      for (const action of ADMIN_ACTIONS) {
        const expected = published(tenant.postDelivery, day.date, (e) => has(e.actionTrigger, 'AdminAction') && has(e.action, action));
        expect({ date: day.date, action, n: day.counts[action] }).toEqual({ date: day.date, action, n: expected });
        total += expected;
      }
    }
    for (const day of p.location)
      for (const location of FINAL_LOCATIONS)
        expect({ date: day.date, location, n: day.counts[location] }).toEqual({
          date: day.date,
          location,
          n: published(tenant.postDelivery, day.date, (e) => has(e.deliveryLocation, location)),
        });
    // The sample's month really has events on most days, so the comparison above is not of zeros.
    expect(total).toBeGreaterThan(60);
    expect(p.admin.filter((d) => ADMIN_ACTIONS.some((a) => d.counts[a] > 0)).length).toBeGreaterThan(15);
    expect(reportHtml(data, [])).toContain('Source: Microsoft Defender XDR advanced hunting');
  });

  it('rides out one throttled answer (429, Retry-After) and still draws from advanced hunting', async () => {
    const now = new Date();
    loadSampleTenant(world.sim, now);
    world.sim.postDelivery.throttleNext = 1;
    const data = await world.runtime().reportData(30, now);
    expect(data.postDelivery?.source).toBe('advanced-hunting');
    expect(world.sim.postDelivery.throttleNext).toBe(0);
  });

  it.each([
    ['ThreatHunting.Read.All is not granted', (): void => void (world.sim.grants.threatHuntingRead = false), /ThreatHunting\.Read\.All/],
    ['the tenant has no Defender XDR data', (): void => void (world.sim.postDelivery.defenderXdr = false), /Defender XDR/],
    ['advanced hunting stays throttled', (): void => void (world.sim.postDelivery.throttleNext = 100), /HTTP 429/],
  ])('when %s: the ZAP report draws the last 10 days, as published, and the report says why', async (_name, setup, why) => {
    const now = new Date();
    const tenant = loadSampleTenant(world.sim, now);
    setup();
    const data = await world.runtime().reportData(30, now);
    const p = data.postDelivery;
    if (p?.source !== 'zap-report') throw new Error(`expected the ZAP report, got ${JSON.stringify(p).slice(0, 300)}`);
    expect(p.why).toMatch(why);
    const covered = p.zap.filter((d) => d.covered).map((d) => d.date);
    expect(covered).toEqual(data.window.dates.slice(-10));
    let total = 0;
    for (const day of p.zap) {
      const sum = Object.values(day.counts).reduce((a, b) => a + b, 0);
      const expected = day.covered ? published(tenant.postDelivery, day.date, (e) => /\bZAP\b/.test(e.actionType)) : 0;
      expect({ date: day.date, sum }).toEqual({ date: day.date, sum: expected });
      total += expected;
    }
    expect(total).toBeGreaterThan(10);
    for (const type of p.eventTypes)
      for (const day of p.zap.filter((d) => d.covered))
        expect(day.counts[type]).toBe(published(tenant.postDelivery, day.date, (e) => e.actionType === type));
    const html = reportHtml(data, []);
    expect(html).toContain('Source: Exchange Online Get-AggregateZapReport');
    expect(html).toContain('come only from Microsoft Defender XDR advanced hunting');
  });
});
