/**
 * "What senders were told" in the activity report (issue 22), on Azurite and the simulator: each
 * notice detection hands over is counted once, under the source that saw its release, whatever reruns.
 */
import { quarantineRow } from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import type { Runtime } from '../../shared/app/runtime';
import { addDays, utcDay } from '../../shared/report/days';
import { World } from '../support/world';

const world = World.forSuite();
jest.setTimeout(120_000);

const HOUR = 3_600_000;

function quarantined(recipient: string): QuarantineRow {
  const row = quarantineRow({
    receivedAt: new Date(Date.now() - 3 * HOUR),
    SenderAddress: 'alice@contoso.com',
    RecipientAddress: [recipient],
  });
  world.sim.tenant.quarantine.add(row);
  return row;
}

async function cycle(rt: Runtime): Promise<void> {
  await rt.snapshot();
  await rt.detect();
  await rt.drainNotifications();
}

/** Today's row of the report: the window ends with the day before `now`, so ask as of tomorrow. */
async function toldToday(rt: Runtime) {
  const now = new Date();
  const data = await rt.reportData(30, new Date(`${addDays(utcDay(now), 1)}T12:00:00Z`));
  return data.told?.find((d) => d.date === utcDay(now));
}

describe('what senders were told, counted by the product', () => {
  it('counts each release notice once under the source that saw it: listing only, audit only, both', async () => {
    const rt = world.runtime(); // the default RELEASE_AUDIT_WAIT_MINUTES
    const listingOnly = quarantined('bob@fabrikam.example');
    const auditFirst = quarantined('carol@fabrikam.example');
    const both = quarantined('dave@fabrikam.example');
    await cycle(rt);

    // Listing only: its audit record never comes; with no wait it is told from the listing.
    world.sim.tenant.quarantine.release(listingOnly.Identity, undefined, { by: 'secadmin@contoso.com' });
    const quick = world.runtime({ RELEASE_AUDIT_WAIT_MINUTES: '0' });
    await cycle(quick);
    // Audit first: detection reads the record before the snapshot sees the released row.
    world.sim.audit.publish(
      world.sim.tenant.quarantine.release(auditFirst.Identity, undefined, { by: 'secadmin@contoso.com' }),
    );
    await rt.detect();
    await rt.drainNotifications();
    // Both: the listing release waits for its audit record, which then comes.
    const records = world.sim.tenant.quarantine.release(both.Identity, undefined, { by: 'secadmin@contoso.com' });
    await cycle(rt);
    world.sim.audit.publish(records);
    await cycle(rt);
    await cycle(rt);

    const notices = world.sim.sentMail.filter((m) => m.message.subject !== undefined);
    expect(notices).toHaveLength(3);
    expect(await toldToday(rt)).toEqual({
      date: utcDay(new Date()),
      released: { audit: 1, listing: 1, both: 1 },
      held: 0,
      deleted: 0,
      expired: 0,
    });
  });

  it('counts hold and deletion notices once each, whatever reruns and re-read records', async () => {
    const rt = world.runtime({
      NOTIFY_ON: 'released,held,deleted',
      NOTIFY_HOLD_POLICIES: 'DataLossPrevention',
      RELEASE_AUDIT_WAIT_MINUTES: '0',
    });
    const deleted = quarantined('erin@fabrikam.example');
    await cycle(rt); // the first run: nothing held after start yet
    const dlp = quarantineRow({
      receivedAt: new Date(Date.now() + 1000),
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['frank@fabrikam.example'],
      Type: 'DataLossPrevention',
      QuarantineTypes: 'DataLossPrevention',
      PolicyName: 'Block card numbers',
    });
    world.sim.tenant.quarantine.add(dlp);
    await new Promise((r) => setTimeout(r, 1500));
    const records = world.sim.tenant.quarantine.delete(deleted.Identity, { by: 'secadmin@contoso.com', at: new Date() });
    world.sim.audit.publish(records);
    await cycle(rt);
    world.sim.audit.publish(records);
    await cycle(rt);
    await cycle(rt);

    expect(world.sim.sentMail).toHaveLength(2);
    expect(await toldToday(rt)).toMatchObject({ released: { audit: 0, listing: 0, both: 0 }, held: 1, deleted: 1 });
  });
});
