import { quarantineRow } from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import type { Runtime } from '../../shared/app/runtime';
import { World } from '../support/world';

/** The quarantine listing as a second source of releases (issue 22), on Azurite and the simulator. */
const world = World.forSuite();

const HOUR = 3_600_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);

function quarantined(over: Parameters<typeof quarantineRow>[0] = {}): QuarantineRow {
  const row = quarantineRow({
    receivedAt: ago(3 * HOUR),
    SenderAddress: 'alice@contoso.com',
    RecipientAddress: ['bob@fabrikam.example'],
    ...over,
  });
  world.sim.tenant.quarantine.add(row);
  return row;
}

/** A snapshot, a detection and a drain of the notice queue: one whole cycle. */
async function cycle(rt: Runtime) {
  const snapshot = await rt.snapshot();
  const detect = await rt.detect();
  const drained = await rt.drainNotifications();
  return { snapshot, detect, drained };
}

const notices = () => world.sim.sentMail.filter((m) => m.message.subject !== undefined);
const textOf = (i: number): string => JSON.stringify(notices()[i].message);

describe('the quarantine listing as a second source of releases', () => {
  it('tells a release only the listing shows, once, as released by an administrator', async () => {
    const rt = world.runtime({ RELEASE_AUDIT_WAIT_MINUTES: '0' });
    const row = quarantined();
    await cycle(rt); // the first run: nothing released yet
    // Released, but its audit record never comes (auditing off, or a path the feed does not carry).
    world.sim.tenant.quarantine.release(row.Identity, undefined, { by: 'secadmin@contoso.com' });
    world.sim.tenant.quarantine.find(row.Identity)!.ReleasedBy = [];
    const second = await cycle(rt);
    expect(second.snapshot.listing).toMatchObject({ releasedRows: 1, newReleases: 1, backlog: false });
    expect(second.detect.jobs).toBe(1);
    expect(notices()).toHaveLength(1);
    expect(textOf(0)).toContain('An administrator');
    // Every later run sees the same released row: it is the same release.
    await cycle(rt);
    await cycle(rt);
    expect(notices()).toHaveLength(1);
  });

  it('tells a release in both sources once when the listing comes first', async () => {
    const rt = world.runtime({ RELEASE_AUDIT_WAIT_MINUTES: '0' });
    const row = quarantined();
    await cycle(rt);
    const records = world.sim.tenant.quarantine.release(row.Identity, undefined, { by: 'secadmin@contoso.com' });
    await cycle(rt);
    expect(notices()).toHaveLength(1);
    world.sim.audit.publish(records);
    const late = await cycle(rt);
    expect(late.detect.newReleases).toBe(1);
    expect(notices()).toHaveLength(1);
  });

  it('tells a release in both sources once when the audit record comes first, naming who released it', async () => {
    const rt = world.runtime({ RELEASE_AUDIT_WAIT_MINUTES: '0' });
    const row = quarantined();
    await cycle(rt);
    const records = world.sim.tenant.quarantine.release(row.Identity, undefined, { by: 'secadmin@contoso.com' });
    world.sim.audit.publish(records);
    // The detection runs before the snapshot sees the released row.
    await rt.detect();
    await rt.drainNotifications();
    expect(notices()).toHaveLength(1);
    expect(textOf(0)).toContain('secadmin');
    await cycle(rt);
    await cycle(rt);
    expect(notices()).toHaveLength(1);
  });

  it('waits RELEASE_AUDIT_WAIT_MINUTES for the audit record, then tells with its account', async () => {
    const rt = world.runtime(); // the default wait
    const row = quarantined();
    await cycle(rt);
    const records = world.sim.tenant.quarantine.release(row.Identity, undefined, { by: 'secadmin@contoso.com' });
    world.sim.tenant.quarantine.find(row.Identity)!.ReleasedBy = [];
    const waiting = await cycle(rt);
    expect(waiting.detect.listing).toEqual({ waiting: 1, covered: 0 });
    expect(notices()).toHaveLength(0);
    world.sim.audit.publish(records);
    const told = await cycle(rt);
    expect(told.detect.listing).toEqual({ waiting: 0, covered: 1 });
    expect(notices()).toHaveLength(1);
    expect(textOf(0)).toContain('secadmin');
  });

  it('does not tell a copy the listing shows released only to someone who was not a recipient', async () => {
    const rt = world.runtime({ RELEASE_AUDIT_WAIT_MINUTES: '0' });
    const row = quarantined();
    await cycle(rt);
    world.sim.tenant.quarantine.release(row.Identity, 'secadmin@contoso.com', { by: 'secadmin@contoso.com' });
    const run = await cycle(rt);
    expect(run.snapshot.listing).toMatchObject({ newReleases: 1 });
    expect(run.detect.skippedByReason).toMatchObject({ 'released-to-non-recipient': 1 });
    expect(notices()).toHaveLength(0);
  });

  it('never tells the releases already listed at the first run (the backlog)', async () => {
    const rt = world.runtime({ RELEASE_AUDIT_WAIT_MINUTES: '0', NOTIFY_RELEASES_SINCE: '' });
    const row = quarantined();
    world.sim.tenant.quarantine.release(row.Identity, undefined, { by: 'secadmin@contoso.com' });
    const first = await cycle(rt);
    expect(first.snapshot.listing).toMatchObject({ newReleases: 1, backlog: true });
    await cycle(rt);
    expect(notices()).toHaveLength(0);
  });
});
