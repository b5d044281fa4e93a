/**
 * DRY_RUN_RELEASES_AFTER: what a dry run does with a notice. `drop` (the default) records it as told
 * and it is never sent; `tell` keeps it waiting in the queue, unrecorded, so the same job is sent once
 * NOTIFY_DRY_RUN is switched off (the queue hands it back within the hour).
 */
import { holdDuringDryRun, HOLD_RECHECK_MS } from '../../shared/app/dryRunHold';
import { noticeJob, releasedFacts } from '../support/mothers';
import { World } from '../support/world';

const world = World.forSuite();
const now = new Date();
const recent = releasedFacts({ releasedAt: new Date(now.getTime() - 3_600_000).toISOString() });

async function told(extra: Record<string, string>): Promise<number> {
  const ledger = await world.runtime(extra).notificationLedger();
  let count = 0;
  for await (const row of ledger.toldSince(new Date(now.getTime() - 86_400_000))) if (row.scope) count++;
  return count;
}

describe('DRY_RUN_RELEASES_AFTER', () => {
  it('drop: the dry run records the notice as told, and switching sending on never sends it', async () => {
    const job = noticeJob([recent]);
    await world.runtime({ NOTIFY_DRY_RUN: 'true' }).sendJob(job);
    expect(await told({})).toBe(1);
    const after = await world.runtime({ NOTIFY_DRY_RUN: 'false' }).sendJob(job);
    expect(after).toMatchObject({ sent: false, alreadyTold: 1 });
    expect(world.sim.sentMail).toHaveLength(0);
  });

  it('tell: the dry run holds the notice unrecorded, and the same job is sent once sending is on', async () => {
    const job = noticeJob([recent]);
    const held = await world.runtime({ NOTIFY_DRY_RUN: 'true', DRY_RUN_RELEASES_AFTER: 'tell' }).sendJob(job);
    expect(held).toMatchObject({ sent: false, told: 0, dryRun: true });
    expect(Date.parse(held.deferredUntil ?? '') - Date.now()).toBeGreaterThan(HOLD_RECHECK_MS - 60_000);
    expect(await told({})).toBe(0);
    expect(world.sim.sentMail).toHaveLength(0);
    const sent = await world.runtime({ NOTIFY_DRY_RUN: 'false', DRY_RUN_RELEASES_AFTER: 'tell' }).sendJob(job);
    expect(sent).toMatchObject({ sent: true, told: 1 });
    expect(world.sim.sentMail.map((m) => m.message.toRecipients?.[0].emailAddress.address)).toEqual([
      'alice@contoso.com',
    ]);
  });

  it('tell never holds a notice whose newest release is older than 7 days, nor anything outside a dry run', () => {
    const tell = { notifyDryRun: true, dryRunReleasesAfter: 'tell' as const };
    expect(holdDuringDryRun(noticeJob([recent]), tell, now)).toBe(true);
    const old = releasedFacts({ releasedAt: new Date(now.getTime() - 8 * 86_400_000).toISOString() });
    expect(holdDuringDryRun(noticeJob([old]), tell, now)).toBe(false);
    expect(holdDuringDryRun(noticeJob([old, recent]), tell, now)).toBe(true);
    expect(holdDuringDryRun(noticeJob([recent]), { ...tell, notifyDryRun: false }, now)).toBe(false);
    expect(holdDuringDryRun(noticeJob([recent]), { ...tell, dryRunReleasesAfter: 'drop' }, now)).toBe(false);
  });
});
