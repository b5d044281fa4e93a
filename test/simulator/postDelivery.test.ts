/**
 * The simulator's post-delivery answers, as the product meets them: runHuntingQuery on its Graph (the
 * two queries, 403 without ThreatHunting.Read.All, 400 without Defender XDR data, 429 with Retry-After)
 * and Get-AggregateZapReport on its Exchange (at most 10 days).
 */
import { M365Simulator } from '../../simulator';
import { postDeliveryEvent } from '../../simulator/postDelivery';
import { ADMIN_ACTIONS_QUERY, LOCATIONS_QUERY } from '../../shared/report/postDelivery';
import { call, DAY, invoke, token, type Envelope } from './helpers';

describe('simulated post-delivery sources', () => {
  let sim: M365Simulator;
  let graph: string;
  let exchange: string;

  beforeAll(async () => {
    sim = await M365Simulator.start();
    graph = await token(sim, 'graph');
    exchange = await token(sim, 'exchange');
  });
  beforeEach(() => sim.reset());
  afterAll(async () => {
    await sim.stop();
  });

  const hunt = (query: string) =>
    call(`${sim.origins.graph}/v1.0/security/runHuntingQuery`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${graph}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Query: query }),
    });

  it('answers both hunting queries over the 30 complete days before today, zero-filled', async () => {
    const yesterday = new Date(Date.now() - DAY);
    sim.postDelivery.publish([
      postDeliveryEvent({ timestamp: yesterday, action: 'Soft Delete', deliveryLocation: 'Deleted items' }),
      postDeliveryEvent({ timestamp: new Date(), action: 'Soft Delete' }), // today: not in the window
      postDeliveryEvent({
        timestamp: yesterday,
        action: 'Moved to quarantine',
        actionTrigger: 'SpecialAction',
        actionType: 'Phish ZAP',
        deliveryLocation: 'Quarantine',
      }),
    ]);
    const admin = await hunt(ADMIN_ACTIONS_QUERY);
    expect(admin.status).toBe(200);
    const rows = admin.json<{ results: Array<Record<string, unknown>> }>().results;
    expect(rows).toHaveLength(30);
    expect(rows[29]).toMatchObject({ 'Soft Delete': 1, 'Quarantine release': 0 });
    expect(rows.reduce((n, r) => n + Number(r['Soft Delete']), 0)).toBe(1);
    const location = (await hunt(LOCATIONS_QUERY)).json<{ results: Array<{ Details: string; Count: number[] }> }>()
      .results;
    expect(location.map((r) => r.Details)).toEqual(['Quarantine', 'Delete', 'Junk', 'Inbox']);
    expect(location[0].Count[29]).toBe(1);
    expect(location[1].Count.reduce((a, b) => a + b, 0)).toBe(0); // "Deleted items" is not the term "Delete"
  });

  it('refuses without the permission (403), without Defender XDR (400), and throttles with Retry-After (429)', async () => {
    sim.grants.threatHuntingRead = false;
    expect((await hunt(ADMIN_ACTIONS_QUERY)).status).toBe(403);
    sim.grants.threatHuntingRead = true;
    sim.postDelivery.defenderXdr = false;
    expect((await hunt(ADMIN_ACTIONS_QUERY)).status).toBe(400);
    sim.postDelivery.defenderXdr = true;
    sim.postDelivery.throttleNext = 1;
    const throttled = await hunt(ADMIN_ACTIONS_QUERY);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect((await hunt(ADMIN_ACTIONS_QUERY)).status).toBe(200);
    expect((await hunt('DeviceEvents | take 1')).status).toBe(400);
  });

  it('Get-AggregateZapReport: ZAP actions per day and type, at most 10 days', async () => {
    const day = new Date(Date.now() - 2 * DAY);
    sim.postDelivery.publish([
      postDeliveryEvent({ timestamp: day, actionType: 'Phish ZAP', actionTrigger: 'SpecialAction' }),
      postDeliveryEvent({ timestamp: day, actionType: 'Phish ZAP', actionTrigger: 'SpecialAction' }),
      postDeliveryEvent({ timestamp: day, actionType: 'Manual remediation' }),
    ]);
    const start = new Date(Date.now() - 9 * DAY).toISOString().slice(0, 10);
    const end = new Date().toISOString().slice(0, 10);
    const reply = await invoke(sim, 'Get-AggregateZapReport', { StartDate: start, EndDate: end }, { bearer: exchange });
    expect(reply.status).toBe(200);
    expect(reply.json<Envelope>().value).toEqual([
      { Date: `${day.toISOString().slice(0, 10)}T00:00:00`, EventType: 'Phish ZAP', ZapActionCount: 2 },
    ]);
    const tooLong = await invoke(
      sim,
      'Get-AggregateZapReport',
      { StartDate: '2026-01-01', EndDate: end },
      { bearer: exchange },
    );
    expect(tooLong.status).toBeGreaterThanOrEqual(400);
  });
});
