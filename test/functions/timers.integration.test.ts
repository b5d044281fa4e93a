import { InvocationContext, type Timer } from '@azure/functions';
import { detectReleasesHandler } from '../../functions/detectReleases';
import { runTenantStageHandler } from '../../functions/runTenantStage';
import { snapshotQuarantineHandler } from '../../functions/snapshotQuarantine';
import { TENANT_RUNS_QUEUE } from '../../shared/tenants/tenantRun';
import { quarantineRow } from '../../simulator/fixtures';
import { takeEach } from '../support/queues';
import { World } from '../support/world';

const world = World.forSuite();
const saved = { ...process.env };
beforeEach(() => {
  Object.assign(process.env, world.env());
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved, world.sim.settings());
});

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

function context(name: string): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push(`${level} ${args.join(' ')}`);
  const context = new InvocationContext({
    functionName: name,
    invocationId: 'test',
    logHandler: (level, ...args) => record(level)(...args),
  });
  return { context, lines };
}

/** What the host would hand runTenantStage: every tenant-runs message, decoded, taken off the queue. */
async function takeTenantRuns(): Promise<string[]> {
  return (await takeEach(world.azurite.connectionString, TENANT_RUNS_QUEUE, async () => undefined)).map((t) => t.body);
}

describe('the timer functions', () => {
  it('fan out one tenant run per tick, and the run snapshots and detects with the app settings', async () => {
    world.sim.tenant.quarantine.add([quarantineRow()]);
    const snap = context('snapshotQuarantine');
    await snapshotQuarantineHandler(timer, snap.context);
    expect(snap.lines).toContainEqual(expect.stringMatching(/^information summary snapshot fan-out \{.*"tenants":1/));
    const [snapshotRun] = await takeTenantRuns();
    expect(JSON.parse(snapshotRun)).toMatchObject({ tenant: world.sim.tenantId, stage: 'snapshot' });
    const runSnap = context('runTenantStage');
    await runTenantStageHandler(snapshotRun, runSnap.context);
    expect(runSnap.lines).toContainEqual(
      expect.stringMatching(/^information summary tenant run \{.*"stage":"snapshot".*"rowsStored":1/),
    );

    await detectReleasesHandler(timer, context('detectReleases').context);
    const [detectRun] = await takeTenantRuns();
    const runDetect = context('runTenantStage');
    await runTenantStageHandler(detectRun, runDetect.context);
    expect(runDetect.lines).toContainEqual(
      expect.stringMatching(/^information summary tenant run \{.*"stage":"detect"/),
    );
  });

  it('log the permission fix as an error line when a grant is missing; the next tick is the retry', async () => {
    world.sim.grants.activityFeedRead = false;
    await detectReleasesHandler(timer, context('detectReleases').context);
    const [detectRun] = await takeTenantRuns();
    const run = context('runTenantStage');
    // Not thrown: a throw would send the run round the queue five times, hammering a tenant that cannot answer.
    await expect(runTenantStageHandler(detectRun, run.context)).resolves.toBeUndefined();
    expect(run.lines).toContainEqual(
      expect.stringMatching(/^error tenant run failed: .*ActivityFeed\.Read.*grant-permissions\.ps1/),
    );
  });

  it('ignore a malformed tenant run with one error line', async () => {
    const run = context('runTenantStage');
    await runTenantStageHandler('{"tenant":"nope","stage":"detect"}', run.context);
    expect(run.lines).toContainEqual(
      expect.stringMatching(/^error tenant run ignored \(malformed\): tenant run names no tenant id/),
    );
  });
});
