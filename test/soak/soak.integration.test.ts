/**
 * A short soak as part of `npm test`: seeded fault schedules over the whole sending cycle must tell
 * every release exactly once, each schedule's releases spread over 2 or 3 tenants of one deployment:
 * every release by its own tenant's mailbox, never in another tenant's mail, its ledger row in its own
 * tenant's table. `npm run soak` runs 1,000 (test/soak/soak.ts).
 */
import { describeSchedule, runSchedule, runSoak, scheduleSeed } from './soak';

describe('soak: exactly once under faults, crashes and duplicate deliveries, several tenants per deployment', () => {
  it("tells every release exactly once, from its own tenant's mailbox, over 100 schedules with Sent Items readable", async () => {
    const failures: string[] = [];
    const totals = await runSoak({ schedules: 100, seed: 11, readAccess: true, report: (line) => failures.push(line) });
    expect(failures).toEqual([]);
    expect(totals).toMatchObject({ schedules: 100, lost: 0, twice: 0, crossed: 0, notQuiescent: 0 });
    expect(totals.told).toBe(totals.expected);
    // Every schedule served 2 or 3 tenants.
    expect(totals.tenants).toBeGreaterThanOrEqual(200);
    // The schedules were hostile: answers lost after Graph took the mail, and workers killed.
    expect(totals.counters.unknownAnswers).toBeGreaterThan(10);
    expect(totals.counters.crashes).toBeGreaterThan(20);
    expect(totals.counters.scheduledAgain).toBeGreaterThan(20);
  });

  it('counts duplicates when Sent Items cannot be read (at-least-once), and still loses nothing and crosses no tenant', async () => {
    // The same schedules without Mail.Read: proves the count sees a second email when there is one.
    const totals = await runSoak({ schedules: 100, seed: 11, readAccess: false });
    expect(totals.lost).toBe(0);
    expect(totals.crossed).toBe(0);
    expect(totals.twice).toBeGreaterThan(0);
  });

  it('replays a schedule exactly from its seed', async () => {
    const seed = scheduleSeed(1, 4);
    const a = await runSchedule(seed, true);
    const b = await runSchedule(seed, true);
    expect(a.tenants).toBeGreaterThanOrEqual(2);
    expect(describeSchedule(b)).toBe(describeSchedule(a));
    expect(b.log.lines).toEqual(a.log.lines);
  });

  it('does not lose the releases of a job whose failed attempt left its rows sending (schedule 100004, one tenant)', async () => {
    // Lost 3 of 4 before a fresh "sending" row of another delivery counted as in doubt. A seed of the
    // single-tenant soak: its one-tenant mode replays it as it was (checked against the old soak's output).
    const r = await runSchedule(100004, true, 'one');
    expect(r).toMatchObject({ tenants: 1, expected: 4, told: 4, lost: 0, twice: 0, crossed: 0, quiescent: true });
  });
});
