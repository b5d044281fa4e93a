/**
 * The sending function sends each queued job by its own tenant's Runtime. One queue serves every
 * tenant, so sending with the home tenant's Runtime alone would mail a customer's notice with the home
 * tenant's token and mailbox; here the home job is sent, a disabled customer's job waits, and a removed
 * customer's job is dropped, none of them sent by another tenant.
 */
import { QueueClient } from '@azure/storage-queue';
import { Deployment } from '../../shared/app/deployment';
import { QUEUE_NAME } from '../../shared/jobs/delivery';
import { MemoryLogger } from '../../shared/log/logger';
import { noticeJob, releasedFacts } from '../support/mothers';
import { takeEach } from '../support/queues';
import { World } from '../support/world';

const FABRIKAM = '3f2a6b1c-0d4e-4f5a-8b6c-7d8e9f0a1b9c';
const GONE = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const world = World.forSuite();

describe('Deployment.sendQueued (the sendNotification function)', () => {
  it("sends each job by its own tenant: the home job is sent, a disabled tenant's waits, a removed tenant's is dropped", async () => {
    const log = new MemoryLogger();
    const deployment = new Deployment(world.env({ MULTI_TENANT_APP_ID: '11111111-2222-3333-4444-555555555555' }), log);
    const registry = await deployment.registry();
    for (const tenantId of [FABRIKAM, GONE])
      await registry.put({
        tenantId,
        name: tenantId === GONE ? 'Gone' : 'Fabrikam',
        disabled: false,
        settings: { NOTIFY_SENDER_MAILBOX: `notices@${tenantId === GONE ? 'gone' : 'fabrikam'}.example` },
        addedAt: '',
      });
    // Each tenant's own release (its own message): sent by one Runtime, each would be its own email.
    const release = (n: number) =>
      releasedFacts({
        networkMessageId: `0000000${n}-1111-4222-8333-444444444444`,
        releasedAt: new Date(Date.now() - 3_600_000).toISOString(),
      });
    await deployment.home.jobQueue.enqueue([noticeJob([release(1)])]);
    for (const [n, tenantId] of [FABRIKAM, GONE].entries()) {
      const served = await deployment.tenant(tenantId);
      if (!served) throw new Error(`${tenantId} not served`);
      await served.runtime.jobQueue.enqueue([noticeJob([release(n + 2)])]);
    }
    const fabrikam = await registry.get(FABRIKAM);
    if (!fabrikam) throw new Error('Fabrikam not stored');
    await registry.put({ ...fabrikam, disabled: true });
    await registry.remove(GONE);
    deployment.forgetTenants();

    const handled = await takeEach(world.azurite.connectionString, QUEUE_NAME, (body, id) =>
      deployment.sendQueued(body, id),
    );

    expect(handled.map((h) => h.result)).toEqual([
      expect.objectContaining({ tenant: world.sim.tenantId, sent: true, told: 1 }),
      { tenant: FABRIKAM, held: true },
      { tenant: GONE, dropped: true },
    ]);
    expect(world.sim.sentMail).toHaveLength(1);
    expect(world.sim.sentMail[0].message.toRecipients?.[0].emailAddress.address).toBe('alice@contoso.com');
    expect(world.sim.sentMail[0].mailbox).toBe('quarantine-notices@contoso.com');
    expect(log.lines.join('\n')).toMatch(new RegExp(`job dropped: tenant ${GONE} is not served`));
    expect(log.lines.join('\n')).toMatch(/job held: tenant Fabrikam is disabled/);
    // The disabled tenant's job waits in the queue (invisible for an hour), still naming its tenant.
    const queue = new QueueClient(world.azurite.connectionString, QUEUE_NAME);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
  });
});
