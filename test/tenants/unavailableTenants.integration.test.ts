import { TableClient } from '@azure/data-tables';
import { Deployment } from '../../shared/app/deployment';
import { encodeJob } from '../../shared/jobs/notificationJob';
import { stampTenant } from '../../shared/jobs/queuedJob';
import { TenantUnavailableError } from '../../shared/tenants/tenantRecord';
import { TENANTS_TABLE } from '../../shared/store/tenantStore';
import { noticeJob } from '../support/mothers';
import { World } from '../support/world';

/**
 * A tenant the deployment knows but cannot serve (its Tenants row broken by hand, or settings that no
 * longer pass) is not a removed tenant: its notices wait, and the provider hears of it.
 */
const world = World.forSuite();
const FABRIKAM = '3f2a6b1c-0d4e-4f5a-8b6c-7d8e9f0a1b9c';

function deployment(): Deployment {
  return new Deployment(
    world.env({ MULTI_TENANT_APP_ID: world.sim.multiTenantApp.clientId, HEALTH_RECIPIENTS: 'noc@contoso.com' }),
    world.log,
  );
}

const summaries = () =>
  world.sim.sentMail.filter((m) => m.message.internetMessageHeaders?.some((h) => h.name === 'x-qrn-provider-summary'));

/** Fabrikam's row with these settings, written straight to the table (past the tenants command's checks). */
async function putFabrikam(d: Deployment, settings: Record<string, string>): Promise<void> {
  await (
    await d.registry()
  ).put({ tenantId: FABRIKAM, name: 'Fabrikam', disabled: false, settings, addedAt: '2026-12-01T00:00:00Z' });
}

const fabrikamJob = () => stampTenant(encodeJob(noticeJob([], 'alice@fabrikam.example')), FABRIKAM);

describe('a tenant the deployment cannot serve as things stand', () => {
  it('with invalid settings: its run fails naming the fix, its notices wait, the provider is told', async () => {
    const d = deployment();
    // Written past the tenants command's checks (by hand, or by an older build's rules).
    await putFabrikam(d, { NOTIFY_SENDER_MAILBOX: 'notices@fabrikam.example', NOTIFY_TIME_ZONE: 'Mars/Olympus' });
    const run = JSON.stringify({ tenant: FABRIKAM, stage: 'detect', firedAt: new Date().toISOString() });
    const failed = await d.runTenant(run, 'x').catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(TenantUnavailableError);
    expect((failed as Error).message).toMatch(/Tenant Fabrikam .*NOTIFY_TIME_ZONE.*npm run tenants -- add/);
    expect(await d.sendQueued(fabrikamJob(), 'msg-1')).toEqual({ tenant: FABRIKAM, held: true });
    expect(world.sim.allSentMail().filter((m) => m.tenantId !== world.sim.tenantId)).toHaveLength(0);
    await d.fanOut('detect');
    expect(summaries().map((m) => m.message.body?.content)).toEqual([expect.stringContaining('tenant-unavailable')]);
  });

  it('with a row nobody can read: its notices wait rather than being dropped as a removed tenant\u2019s', async () => {
    const d = deployment();
    const table = TableClient.fromConnectionString(world.azurite.connectionString, TENANTS_TABLE, {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'tenant', rowKey: FABRIKAM, Name: 'Fabrikam', Settings: '{not json' });
    expect(await d.sendQueued(fabrikamJob(), 'msg-1')).toEqual({ tenant: FABRIKAM, held: true });
    expect(world.log.lines.join('\n')).toMatch(/job held: Tenant 3f2a6b1c.*cannot be read/);
    await d.fanOut('detect');
    expect(summaries()[0]?.message.body?.content).toContain('Tenants row unreadable');
  });

  it("puts the shared poison queue in the provider's summary (the provider's own tenant may not be served)", async () => {
    const d = deployment();
    await putFabrikam(d, { NOTIFY_SENDER_MAILBOX: 'notices@fabrikam.example' });
    await d.home.poisonQueue.add(fabrikamJob());
    await d.fanOut('detect');
    expect(summaries()[0]?.message.body?.content).toContain('1 job(s) in release-notifications-poison');
  });
});
