import { InvocationContext } from '@azure/functions';
import { runDoctorHandler } from '../../functions/runDoctor';
import { Deployment } from '../../shared/app/deployment';
import { World } from '../support/world';

/**
 * The production doctor as Azure runs it: the queue-triggered function's own handler, with the
 * settings and the identity taken from the process environment (in Azure the managed identity; here
 * the simulator's sign-in, passed the same way), the result logged and mailed.
 */
const world = World.forSuite();
const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

function invocation(): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName: 'runDoctor',
    invocationId: 'doctor-test',
    logHandler: (level, ...args) => lines.push(`${level} ${args.join(' ')}`),
  });
  return { context, lines };
}

const doctorMails = () =>
  world.sim.sentMail.filter((m) => m.message.internetMessageHeaders?.some((h) => h.name === 'x-qrn-doctor'));

describe('the doctor inside the deployed app (doctor-requests queue)', () => {
  beforeEach(() => {
    Object.assign(
      process.env,
      world.env({ HEALTH_RECIPIENTS: 'it-ops@contoso.com', WEBSITE_SITE_NAME: 'func-qrn-prod1' }),
    );
  });

  it('runs every check with the environment, logs each line and mails the result to health recipients and the requester', async () => {
    const { context, lines } = invocation();
    await runDoctorHandler(JSON.stringify({ replyTo: 'Admin@Contoso.com' }), context);
    expect(lines).toContainEqual(expect.stringMatching(/^information doctor ok {4}storage +reached Table Storage/));
    expect(lines).toContainEqual(expect.stringMatching(/^information doctor ok {4}token for Exchange Online/));
    const summary = lines.find((l) => l.startsWith('information summary doctor '));
    expect(JSON.parse(summary?.replace('information summary doctor ', '') ?? '{}')).toMatchObject({
      command: 'doctor',
      failed: 0,
      skipped: 0,
    });
    const mails = doctorMails();
    expect(mails).toHaveLength(1);
    expect(mails[0].message.toRecipients?.map((r) => r.emailAddress.address)).toEqual([
      'admin@contoso.com',
      'it-ops@contoso.com',
    ]);
    expect(mails[0].message.subject).toMatch(/^Quarantine notifier doctor: all checks passed.*\(func-qrn-prod1\)$/);
  });

  it('says what failed, and never mails the result outside the tenant', async () => {
    world.sim.grants.activityFeedRead = false;
    const { context, lines } = invocation();
    await runDoctorHandler({ replyTo: 'someone@fabrikam.example', sendTestTo: 'not an address' }, context);
    expect(lines).toContainEqual(expect.stringMatching(/^warning doctor request: sendTestTo is not a mailbox address/));
    expect(lines).toContainEqual(
      expect.stringMatching(/replyTo someone@fabrikam\.example is not in the tenant's accepted domains/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^information doctor FAIL {2}audit feed .*ActivityFeed\.Read/));
    const mails = doctorMails();
    expect(mails.map((m) => m.message.toRecipients?.map((r) => r.emailAddress.address))).toEqual([
      ['it-ops@contoso.com'],
    ]);
    expect(mails[0].message.subject).toMatch(/1 failed/);
  });

  it('logs the result when the message is not JSON and nobody is to be mailed', async () => {
    process.env.HEALTH_RECIPIENTS = 'off';
    const { context, lines } = invocation();
    await runDoctorHandler('run it please', context);
    expect(lines).toContainEqual(expect.stringMatching(/doctor request: the message is not a JSON object; ignored/));
    expect(lines).toContainEqual(expect.stringMatching(/^information summary doctor /));
    expect(lines).toContainEqual(expect.stringMatching(/doctor result not mailed: HEALTH_RECIPIENTS is empty or off/));
    expect(doctorMails()).toHaveLength(0);
  });

  it('checks one customer tenant when the message names it: its sign-in, its mailbox, its recipients', async () => {
    Object.assign(process.env, { MULTI_TENANT_APP_ID: world.sim.multiTenantApp.clientId });
    const fabrikam = world.sim.addTenant({ domain: 'fabrikam.example' });
    const registry = await new Deployment(process.env, world.log).registry();
    await registry.put({
      tenantId: fabrikam.tenantId,
      name: 'Fabrikam',
      disabled: false,
      settings: {
        NOTIFY_SENDER_MAILBOX: 'quarantine-notices@fabrikam.example',
        HEALTH_RECIPIENTS: 'secadmin@fabrikam.example',
      },
      addedAt: '2026-12-01T00:00:00Z',
    });
    const { context, lines } = invocation();
    await runDoctorHandler({ tenant: fabrikam.tenantId.toUpperCase() }, context);
    expect(lines).toContainEqual(expect.stringMatching(/^information doctor ok {4}token for Exchange Online/));
    const mails = fabrikam.sentMail.filter((m) =>
      m.message.internetMessageHeaders?.some((h) => h.name === 'x-qrn-doctor'),
    );
    expect(mails.map((m) => [m.mailbox, m.message.toRecipients?.map((r) => r.emailAddress.address)])).toEqual([
      ['quarantine-notices@fabrikam.example', ['secadmin@fabrikam.example']],
    ]);
    expect(mails[0]?.message.body?.content).toContain('Fabrikam');
    expect(doctorMails()).toHaveLength(0);
    // Every call it made went to that tenant, with that tenant's token.
    expect(
      world.sim.requests.filter((r) => r.service !== 'authority').every((r) => r.tenantId === fabrikam.tenantId),
    ).toBe(true);
  });

  it('says so, checking nothing, when the named tenant is not one of the deployment', async () => {
    const { context, lines } = invocation();
    await runDoctorHandler({ tenant: '99999999-9999-9999-9999-999999999999' }, context);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^error doctor request: 99999999-9999-9999-9999-999999999999 is not a tenant of this deployment/,
      ),
    );
    expect(world.sim.requests.filter((r) => r.service !== 'authority')).toHaveLength(0);
  });
});
