/**
 * `npm run tenants` as a provider meets it: built and run in its own process against Azurite with
 * nothing but the deployment's settings. Two customers are added and listed, one is disabled, one is
 * removed: its tables go, the other customer's and the deployment's own stay, row for row.
 */
import { TableServiceClient } from '@azure/data-tables';
import { Deployment } from '../../shared/app/deployment';
import type { Runtime } from '../../shared/app/runtime';
import { MemoryLogger } from '../../shared/log/logger';
import { TENANT_TABLES } from '../../shared/store/tenantTables';
import { builtCommandLine, type CliRun } from '../support/cli';
import { World } from '../support/world';

const FABRIKAM = '3f2a6b1c-0d4e-4f5a-8b6c-7d8e9f0a1b9c';
const NORTHWIND = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const FAB = 'T3f2a6b1c0d4e4f5a8b6c7d8e9f0a1b9c';
const NOR = 'T5b0f7c1e3c1a4e229d3c08de0a1b2c3d';

const world = World.forSuite({ resetEachTest: false });
const cli = builtCommandLine('qrn-tenants-e2e');

function env(): Record<string, string> {
  return world.env({ MULTI_TENANT_APP_ID: '11111111-2222-3333-4444-555555555555' });
}

/** Runs a built command with exactly the deployment's settings (plus PATH, HOME and the simulator's CA). */
function run(command: string, args: string[]): Promise<CliRun> {
  return cli.run(command, env(), { args });
}

const tenants = (...args: string[]) => run('tenants', args);

async function tableNames(): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(world.azurite.connectionString, {
    allowInsecureConnection: true,
  });
  const names: string[] = [];
  for await (const t of service.listTables()) if (t.name) names.push(t.name);
  return names.sort();
}

/** Every table a Runtime uses, created, with one row in its state: what a tenant has once it has run. */
async function used(runtime: Runtime, marker: string): Promise<void> {
  for (const table of TENANT_TABLES) await runtime.tables.readyTable(table);
  await (await runtime.state()).put('marker', { marker }, undefined);
}

async function marker(runtime: Runtime): Promise<unknown> {
  return (await (await runtime.state()).get<{ marker: string }>('marker'))?.value.marker;
}

describe('npm run tenants', () => {
  it('adds, lists, disables and removes customer tenants; removing one deletes its tables only', async () => {
    const bad = await tenants(
      'add',
      'fabrikam.com',
      '--mailbox',
      'nobody',
      '--set',
      'EXCHANGE_ENDPOINT=https://evil.example',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^tenants add: "fabrikam.com" is not a tenant id/),
      expect.stringMatching(/^tenants add: --name is needed/),
      expect.stringMatching(/^tenants add: --set "EXCHANGE_ENDPOINT": not a setting a tenant may set/),
      'tenants add: nothing was stored',
    ]);

    const added = await tenants(
      'add',
      FABRIKAM.toUpperCase(),
      '--name',
      'Fabrikam',
      '--mailbox',
      'notices@fabrikam.com',
      '--set',
      'NOTIFY_TIME_ZONE=Europe/Paris',
    );
    expect(added.code).toBe(0);
    expect(added.stdout[0]).toBe(`added tenant Fabrikam (${FABRIKAM}), enabled`);
    expect(added.stdout).toContain(`next: npm run doctor -- --tenant ${FABRIKAM}`);
    // The first customer row: the deployment's own tenant, without a row, is served no more; said so.
    expect(added.stdout).toContainEqual(
      expect.stringMatching(
        /^note: with rows in the Tenants table only their tenants are served, and this deployment's own tenant/,
      ),
    );
    expect(added.summary).toEqual({ command: 'tenants', action: 'add', ok: true, tenant: FABRIKAM, updated: false });
    const again = await tenants('add', FABRIKAM, '--name', 'Fabrikam SA', '--mailbox', 'notices@fabrikam.com');
    expect(again.stdout[0]).toBe(`updated tenant Fabrikam SA (${FABRIKAM}), enabled`);
    expect(again.stdout).toContain('  own settings     NOTIFY_TIME_ZONE=Europe/Paris');
    expect((await tenants('add', NORTHWIND, '--name=Northwind', '--mailbox=notices@northwind.example')).code).toBe(0);

    // Each has run once: its own tables, with its own rows; the deployment's own tenant too.
    const deployment = new Deployment(env(), new MemoryLogger());
    await used(deployment.home, 'home');
    for (const [id, mark] of [
      [FABRIKAM, 'fabrikam'],
      [NORTHWIND, 'northwind'],
    ]) {
      const served = await deployment.tenant(id);
      if (!served) throw new Error(`${id} not served`);
      await used(served.runtime, mark);
    }
    const fabrikam = (await deployment.tenant(FABRIKAM))?.runtime;
    if (!fabrikam) throw new Error('fabrikam not served');
    await (
      await fabrikam.health()
    ).record([{ problem: 'sign-in', open: true, reason: 'consent revoked', affected: 'all' }]);
    // Each tenant's line of the provider's summary (a deployment-level table): the removed tenant's goes too.
    const lastRun = { stage: 'detect', ok: true, at: new Date().toISOString() };
    for (const tenantId of [FABRIKAM, NORTHWIND])
      await (await deployment.tenantHealth()).put({ tenantId, name: tenantId, open: [], lastRun });
    const before = await tableNames();
    for (const prefix of ['', FAB, NOR])
      for (const table of TENANT_TABLES) expect(before).toContain(`${prefix}${table}`);

    const listed = await tenants('list', '--json');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toEqual([]);
    expect(listed.summary).toMatchObject({ command: 'tenants', action: 'list', ok: true });
    expect(listed.summary.tenants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          tenantId: FABRIKAM,
          name: 'Fabrikam SA',
          enabled: true,
          home: false,
          mailbox: 'notices@fabrikam.com',
          tablePrefix: FAB,
          openProblems: [expect.objectContaining({ problem: 'sign-in', reason: 'consent revoked' })],
        }),
        expect.objectContaining({ tenantId: NORTHWIND, name: 'Northwind', tablePrefix: NOR, openProblems: [] }),
      ]),
    );
    expect(listed.summary.tenants).toHaveLength(2);

    expect((await tenants('disable', NORTHWIND)).stdout).toEqual([`Northwind (${NORTHWIND}) is now disabled`]);
    const human = await tenants('list');
    expect(human.stdout.join('\n')).toMatch(new RegExp(`^Northwind  ${NORTHWIND}  disabled$`, 'm'));
    expect(human.stdout.join('\n')).toMatch(
      /^ {2}mailbox notices@fabrikam\.com; tables T3f2a\w+\*; 1 open problem\(s\): sign-in since /m,
    );
    expect(human.summary).toMatchObject({ ok: true, tenants: 2, disabled: 1, withProblems: 1 });

    // Without --yes: what would go, and nothing goes.
    const dry = await tenants('remove', FABRIKAM);
    expect(dry.code).toBe(0);
    expect(dry.stdout[0]).toMatch(
      /^would remove Fabrikam SA \(3f2a[^)]+\): its tables \(T3f2a\w+MessageOrigins, T3f2a\w+NotificationLedger, /,
    );
    expect(dry.stdout[1]).toBe('Nothing was deleted: run again with --yes to delete them.');
    expect(await tableNames()).toEqual(before);

    const removed = await tenants('remove', FABRIKAM, '--yes');
    expect(removed.code).toBe(0);
    expect(removed.summary).toEqual({
      command: 'tenants',
      action: 'remove',
      ok: true,
      tenant: FABRIKAM,
      removed: true,
      tables: TENANT_TABLES.length,
    });
    expect(await tableNames()).toEqual(before.filter((t) => !t.startsWith(FAB)));
    const after = new Deployment(env(), new MemoryLogger());
    expect(await after.tenant(FABRIKAM)).toBeUndefined();
    expect(await marker(after.home)).toBe('home');
    expect((await (await after.tenantHealth()).list()).map((l) => l.tenantId)).toEqual([NORTHWIND]);
    const northwind = (await after.tenant(NORTHWIND))?.runtime;
    expect(northwind && (await marker(northwind))).toBe('northwind');
    expect((await tenants('list', '--json')).summary.tenants).toEqual([
      expect.objectContaining({ tenantId: NORTHWIND, enabled: false }),
    ]);
    expect((await tenants('remove', FABRIKAM, '--yes')).stderr).toMatch(
      /is not in the Tenants table of this deployment: npm run tenants -- list/,
    );
  }, 120_000);

  it("removing the deployment's own tenant removes its row only, never its tables", async () => {
    const home = world.env().M365_TENANT_ID;
    expect((await tenants('add', home, '--name', 'Contoso (provider)', '--mailbox', 'notices@contoso.com')).code).toBe(
      0,
    );
    const before = await tableNames();
    const removed = await tenants('remove', home, '--yes');
    expect(removed.stdout).toEqual([
      `removed the row of Contoso (provider) (${home}) from the Tenants table.`,
      "It is this deployment's own tenant (M365_TENANT_ID): its tables are the single-tenant app's and are kept; nothing else is deleted. While the Tenants table has other rows it is not served.",
    ]);
    expect(await tableNames()).toEqual(before);
    expect(await marker(new Deployment(env(), new MemoryLogger()).home)).toBe('home');
  }, 60_000);

  it('runs the other commands for one tenant with --tenant, and says how to see the tenants when it is unknown', async () => {
    const told = await run('told', ['--tenant', NORTHWIND, '--since', '1d']);
    expect(told.code).toBe(0);
    expect(told.summary).toMatchObject({ command: 'told', ok: true, tenant: NORTHWIND, told: 0 });
    const unknown = await run('told', ['--tenant', FABRIKAM]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      new RegExp(
        `^told failed: ${FABRIKAM} is not a tenant of this deployment: npm run tenants -- list shows them`,
        'm',
      ),
    );
    const doctor = await run('doctor', ['--tenant', 'nonsense']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toEqual([expect.stringMatching(/^FAIL {2}tenants {2}"nonsense" is not a tenant id/)]);
  }, 60_000);
});

describe('npm run doctor -- --all', () => {
  it('checks every tenant in turn, one titled block each, with its own settings and sign-in; exit code 1 if any failed', async () => {
    const home = world.env().M365_TENANT_ID;
    expect((await tenants('add', home, '--name', 'Contoso (provider)', '--mailbox', 'notices@contoso.com')).code).toBe(
      0,
    );
    // A row someone broke by hand (the tenants command would have refused it): its block says what is wrong.
    const registry = await new Deployment(env(), new MemoryLogger()).registry();
    await registry.put({
      tenantId: FABRIKAM,
      name: 'Fabrikam',
      disabled: false,
      settings: { NOTIFY_SENDER_MAILBOX: 'notices@fabrikam.com', NOTIFY_TIME_ZONE: 'Mars/Olympus' },
      addedAt: '',
    });
    const doctor = await run('doctor', ['--all']);
    expect(doctor.code).toBe(1);
    const titles = doctor.stdout.filter((l) => l.startsWith('== '));
    expect(titles.sort()).toEqual(
      [
        `== tenant Contoso (provider) (${home}) ==`,
        `== tenant Fabrikam (${FABRIKAM}) ==`,
        `== tenant Northwind (${NORTHWIND}), disabled ==`,
      ].sort(),
    );
    const block = (id: string): string[] => {
      const start = doctor.stdout.findIndex((l) => l.startsWith('== ') && l.includes(id));
      const end = doctor.stdout.findIndex((l, i) => i > start && l.startsWith('{'));
      return doctor.stdout.slice(start, end + 1);
    };
    const fabrikam = block(FABRIKAM);
    expect(fabrikam).toContainEqual(expect.stringMatching(/^FAIL {2}setting NOTIFY_TIME_ZONE +/));
    expect(JSON.parse(fabrikam[fabrikam.length - 1])).toMatchObject({ command: 'doctor', ok: false, tenant: FABRIKAM });
    // Each tenant with its own settings and sign-in: a customer through the multi-tenant app, the home tenant as itself.
    expect(block(NORTHWIND)).toContainEqual(
      expect.stringMatching(new RegExp(`^ok {4}settings +tenant ${NORTHWIND}; sender notices@northwind\\.example;`)),
    );
    expect(block(NORTHWIND)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          // A warning from a workstation: only the deployed app's managed identity is the app's federated credential.
          `^warn {2}credentials +the multi-tenant app 11111111-2222-3333-4444-555555555555 in tenant ${NORTHWIND}, proven by .*expect AADSTS70021.*doctor-requests`,
        ),
      ),
    );
    expect(block(home)).toContainEqual(expect.stringMatching(/^ok {4}credentials +app registration \S+ in tenant /));
    expect(doctor.summary).toEqual({ command: 'doctor', ok: false, tenants: 3 });
  }, 120_000);
});
