import { QueueClient } from '@azure/storage-queue';
import { Deployment } from '../../shared/app/deployment';
import { StageLease } from '../../shared/tenants/stageLease';
import { TENANT_RUNS_QUEUE, type TenantRun } from '../../shared/tenants/tenantRun';
import { World } from '../support/world';

const world = World.forSuite();
const isSendMail = (req: { path: string }) => req.path.endsWith('/sendMail');

function deployment(extra: Record<string, string> = {}): Deployment {
  return new Deployment(world.env(extra), world.log);
}

const run = (over: Partial<TenantRun> = {}): string =>
  JSON.stringify({ tenant: world.sim.tenantId, stage: 'detect', firedAt: new Date().toISOString(), ...over });

async function waitingRuns(): Promise<number> {
  const props = await new QueueClient(world.azurite.connectionString, TENANT_RUNS_QUEUE).getProperties();
  return props.approximateMessagesCount ?? 0;
}

describe("a tenant's run of one stage", () => {
  it('runs once at a time per tenant: a second delivery of the same stage while the first runs is skipped', async () => {
    const d = deployment();
    world.sim.latencyMs = { exchange: 300, management: 300, graph: 10 };
    const [first, second] = await Promise.all([d.runTenant(run(), 'instance-a'), d.runTenant(run(), 'instance-b')]);
    const skipped = [first, second].filter((r) => 'skipped' in r);
    expect(skipped).toEqual([
      expect.objectContaining({ skipped: 'the previous run of this stage for this tenant is still going' }),
    ]);
    // Finished: the lease is given back, the next tick runs.
    expect(await d.runTenant(run(), 'instance-b')).not.toHaveProperty('skipped');
  });

  it('is dropped when its tick is hours old (later ticks did its work)', async () => {
    const firedAt = new Date(Date.now() - 4 * 3_600_000).toISOString();
    expect(await deployment().runTenant(run({ firedAt }), 'x')).toEqual({
      tenant: world.sim.tenantId,
      stage: 'detect',
      skipped: `stale: fired at ${firedAt}`,
    });
  });

  it('is skipped for a tenant the deployment does not serve', async () => {
    const stranger = '99999999-9999-9999-9999-999999999999';
    expect(await deployment().runTenant(run({ tenant: stranger }), 'x')).toMatchObject({
      skipped: 'not a tenant of this deployment',
    });
  });

  it('a weekly report whose send is in doubt comes back 10 minutes later', async () => {
    const d = deployment({ REPORT_RECIPIENTS: 'soc@contoso.com' });
    world.sim.faults.add({ service: 'graph', kind: 'accept-then-status', status: 504, match: isSendMail });
    await expect(d.runTenant(run({ stage: 'report' }), 'x')).rejects.toThrow();
    expect(await waitingRuns()).toBe(1); // invisible for 10 minutes: attempt 2
  });

  it('a weekly report gets six tries in all, not a seventh', async () => {
    const d = deployment({ REPORT_RECIPIENTS: 'soc@contoso.com' });
    world.sim.grants.mailSend = 'none';
    await expect(d.runTenant(run({ stage: 'report', attempt: 5 }), 'x')).rejects.toThrow();
    expect(await waitingRuns()).toBe(1);
    await expect(d.runTenant(run({ stage: 'report', attempt: 6 }), 'x')).rejects.toThrow();
    expect(await waitingRuns()).toBe(1);
  });

  it("a weekly report meeting a dead run's lease gets its next try instead of being skipped for the week", async () => {
    const d = deployment({ REPORT_RECIPIENTS: 'soc@contoso.com' });
    // A run on another instance took the lease and died (its lease runs 11 minutes).
    await new StageLease(await d.home.state(), 'dead-instance').acquire('report', new Date(), 11 * 60_000);
    expect(await d.runTenant(run({ stage: 'report' }), 'x')).toMatchObject({
      skipped: expect.stringMatching(/still going/),
    });
    expect(await waitingRuns()).toBe(1);
  });
});
