import { exchangeTime, quarantineRow } from '../../simulator/fixtures';
import type { QuarantineRow } from '../../simulator/tenant';
import type { Runtime } from '../../shared/app/runtime';
import { World } from '../support/world';

/** Held, deleted and expired notices (issue 22), opt-in, on Azurite and the simulator. */
const world = World.forSuite();

const MINUTE = 60_000;
const ago = (ms: number): Date => new Date(Date.now() - ms);

function quarantined(over: Parameters<typeof quarantineRow>[0] = {}): QuarantineRow {
  const row = quarantineRow({
    receivedAt: ago(30 * MINUTE),
    SenderAddress: 'alice@contoso.com',
    RecipientAddress: ['bob@fabrikam.example'],
    ...over,
  });
  world.sim.tenant.quarantine.add(row);
  return row;
}

const dlp = { Type: 'DataLossPrevention', QuarantineTypes: 'DataLossPrevention', PolicyName: 'Block card numbers' };

async function cycle(rt: Runtime): Promise<void> {
  await rt.snapshot();
  await rt.detect();
  await rt.drainNotifications();
}

const eventOf = (i: number): string | undefined =>
  world.sim.sentMail[i].message.internetMessageHeaders?.find((h) => h.name === 'x-qrn-event')?.value;
const told = (): Array<{ event: string | undefined; ids: string | undefined }> =>
  world.sim.sentMail.map((m, i) => ({
    event: eventOf(i),
    ids: m.message.internetMessageHeaders?.find((h) => h.name === 'x-qrn-network-message-ids')?.value,
  }));
const nmid = (row: QuarantineRow): string => row.Identity.split('\\')[0].toLowerCase();

const STORY = {
  NOTIFY_ON: 'released,held,deleted',
  NOTIFY_HOLD_POLICIES: 'DataLossPrevention',
  RELEASE_AUDIT_WAIT_MINUTES: '0',
};

describe('the rest of a held message’s life', () => {
  it('tells a DLP hold that appears after start once, then its release once; never the backlog or unlisted policies', async () => {
    const rt = world.runtime(STORY);
    const backlog = quarantined({ ...dlp, receivedAt: ago(2 * 60 * MINUTE) });
    await cycle(rt); // the first run: the backlog is there already
    const held = quarantined({ ...dlp, receivedAt: new Date(Date.now() + 1000) });
    quarantined({ Type: 'TransportRule', QuarantineTypes: 'TransportRule', receivedAt: new Date(Date.now() + 1000) });
    await new Promise((r) => setTimeout(r, 1500));
    await cycle(rt);
    await cycle(rt);
    expect(told()).toEqual([{ event: 'held', ids: nmid(held) }]);
    const mail = JSON.stringify(world.sim.sentMail[0].message);
    expect(world.sim.sentMail[0].message.subject).toBe('Your message "Q3 pricing sheet" is held in quarantine');
    expect(mail).toContain('Held for');

    world.sim.audit.publish(world.sim.tenant.quarantine.release(held.Identity, undefined, { at: new Date() }));
    await cycle(rt);
    await cycle(rt);
    expect(told()).toEqual([
      { event: 'held', ids: nmid(held) },
      { event: 'released', ids: nmid(held) },
    ]);
    expect(told().some((t) => t.ids === nmid(backlog))).toBe(false);
  });

  it('tells a copy deleted unreleased once, whatever carries the record again', async () => {
    const rt = world.runtime(STORY);
    const row = quarantined();
    await cycle(rt);
    const records = world.sim.tenant.quarantine.delete(row.Identity, { by: 'secadmin@contoso.com', at: new Date() });
    world.sim.audit.publish(records);
    await cycle(rt);
    world.sim.audit.publish(records);
    await cycle(rt);
    expect(told()).toEqual([{ event: 'deleted', ids: nmid(row) }]);
    expect(world.sim.sentMail[0].message.subject).toContain('was deleted from quarantine and not delivered');
  });

  it('tells a copy whose Expires passed unreleased once, after the switch-on', async () => {
    const rt = world.runtime({ ...STORY, NOTIFY_ON: 'released,expired' });
    const row = quarantined({ Expires: exchangeTime(new Date(Date.now() + 2 * MINUTE)) });
    const kept = quarantined();
    await cycle(rt); // the first run: expired switched on now
    // An hour on (the expiry sweep runs at most hourly): the first copy's Expires has passed.
    const later = (): Date => new Date(Date.now() + 61 * MINUTE);
    for (let i = 0; i < 2; i++) {
      await rt.snapshot({ now: later });
      await rt.detect({ now: later });
      await rt.drainNotifications();
    }
    expect(told()).toEqual([{ event: 'expired', ids: nmid(row) }]);
    expect(told().some((t) => t.ids === nmid(kept))).toBe(false);
    expect(world.sim.sentMail[0].message.subject).toContain('expired in quarantine and was not delivered');
  });

  it('tells no deletion of a copy that was released first, and no event that is switched off', async () => {
    const rt = world.runtime(STORY);
    const released = quarantined();
    const other = quarantined({ ...dlp });
    await cycle(rt);
    world.sim.audit.publish(world.sim.tenant.quarantine.release(released.Identity, undefined, { at: new Date() }));
    await cycle(rt);
    world.sim.audit.publish(world.sim.tenant.quarantine.delete(released.Identity, { at: new Date() }));
    await cycle(rt);
    expect(told()).toEqual([{ event: 'released', ids: nmid(released) }]);

    // The default NOTIFY_ON (released only): a deletion is not told.
    const plain = world.runtime({ RELEASE_AUDIT_WAIT_MINUTES: '0' });
    world.sim.audit.publish(world.sim.tenant.quarantine.delete(other.Identity, { at: new Date() }));
    await cycle(plain);
    expect(told()).toHaveLength(1);
  });
});
