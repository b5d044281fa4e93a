import { Deployment } from '../../shared/app/deployment';
import { TENANT_RUNS_QUEUE } from '../../shared/tenants/tenantRun';
import { takeEach } from '../support/queues';
import { World } from '../support/world';

const world = World.forSuite();

const summaries = () =>
  world.sim.sentMail.filter((m) => m.message.internetMessageHeaders?.some((h) => h.name === 'x-qrn-provider-summary'));

/** A detection tick, then each tenant run it queued, as the host would run them. */
async function detectionTick(deployment: Deployment): Promise<object> {
  const fanOut = await deployment.fanOut('detect');
  // A failed run is logged by runTenantStage and its message is done, as here.
  await takeEach(world.azurite.connectionString, TENANT_RUNS_QUEUE, (body) =>
    deployment.runTenant(body, 'test').catch(() => undefined),
  );
  return fanOut;
}

async function withTenantRow(deployment: Deployment): Promise<void> {
  await (
    await deployment.registry()
  ).put({
    tenantId: world.sim.tenantId,
    name: 'Contoso',
    disabled: false,
    settings: { NOTIFY_TIME_ZONE: 'Europe/Paris' },
    addedAt: '2026-12-01T00:00:00Z',
  });
  deployment.forgetTenants();
}

describe("the provider's summary", () => {
  it('is sent once when a tenant opens a problem, once when it clears, never for an unchanged picture', async () => {
    const deployment = new Deployment(world.env({ HEALTH_RECIPIENTS: 'msp-noc@provider.example' }), world.log);
    await withTenantRow(deployment);
    world.sim.grants.activityFeedRead = false;
    await detectionTick(deployment); // the tenant's detection fails: its health opens a problem
    await detectionTick(deployment); // this tick's fan-out sees it and tells the provider
    expect(summaries()).toHaveLength(1);
    expect(summaries()[0].message.subject).toBe('Quarantine notifier: 1 of 1 tenants need attention');
    expect(summaries()[0].message.toRecipients?.map((r) => r.emailAddress.address)).toEqual([
      'msp-noc@provider.example',
    ]);
    expect(summaries()[0].message.body?.content).toContain('Contoso');

    await detectionTick(deployment);
    expect(summaries()).toHaveLength(1);

    world.sim.grants.activityFeedRead = true;
    await detectionTick(deployment);
    await detectionTick(deployment);
    expect(summaries()).toHaveLength(2);
    expect(summaries()[1].message.subject).toBe('Quarantine notifier: all 1 tenants healthy');
  });

  it('is not sent for a single-tenant deployment (an empty Tenants table): its health emails say it all', async () => {
    const deployment = new Deployment(world.env({ HEALTH_RECIPIENTS: 'msp-noc@provider.example' }), world.log);
    world.sim.grants.activityFeedRead = false;
    await detectionTick(deployment);
    const fanOut = await detectionTick(deployment);
    expect(fanOut).not.toHaveProperty('providerSummary');
    expect(summaries()).toHaveLength(0);
  });
});
