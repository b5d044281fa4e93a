import { InvocationContext, type Timer } from '@azure/functions';
import { detectReleasesHandler } from '../../functions/detectReleases';
import { snapshotQuarantineHandler } from '../../functions/snapshotQuarantine';
import { quarantineRow } from '../../simulator/fixtures';
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

describe('the timer functions', () => {
  it('snapshot and detect with the app settings and log one summary line each', async () => {
    world.sim.tenant.quarantine.add([quarantineRow()]);
    const snap = context('snapshotQuarantine');
    await snapshotQuarantineHandler(timer, snap.context);
    expect(snap.lines.filter((l) => l.includes('summary snapshot'))).toHaveLength(1);
    const detect = context('detectReleases');
    await detectReleasesHandler(timer, detect.context);
    expect(detect.lines.some((l) => l.startsWith('information summary detect {'))).toBe(true);
  });

  it('log the permission fix as an error line when a grant is missing, and fail the run', async () => {
    world.sim.grants.activityFeedRead = false;
    const detect = context('detectReleases');
    await expect(detectReleasesHandler(timer, detect.context)).rejects.toThrow(/ActivityFeed\.Read/);
    expect(detect.lines).toContainEqual(
      expect.stringMatching(/^error detect failed: .*ActivityFeed\.Read.*grant-permissions\.ps1/),
    );
  });
});
