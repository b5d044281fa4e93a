/**
 * A short soak as part of `npm test`: seeded fault schedules over the whole sending cycle must tell
 * every release exactly once. `npm run soak` runs 1,000 (test/soak/soak.ts).
 */
import { describeSchedule, runSchedule, runSoak, scheduleSeed } from './soak';

describe('soak: exactly once under faults, crashes and duplicate deliveries', () => {
  it('tells every release exactly once over 100 schedules with Sent Items readable', async () => {
    const failures: string[] = [];
    const totals = await runSoak({ schedules: 100, seed: 11, readAccess: true, report: (line) => failures.push(line) });
    expect(failures).toEqual([]);
    expect(totals).toMatchObject({ schedules: 100, lost: 0, twice: 0, notQuiescent: 0 });
    expect(totals.told).toBe(totals.expected);
    // The schedules were hostile: answers lost after Graph took the mail, and workers killed.
    expect(totals.counters.unknownAnswers).toBeGreaterThan(10);
    expect(totals.counters.crashes).toBeGreaterThan(20);
    expect(totals.counters.scheduledAgain).toBeGreaterThan(20);
  });

  it('counts duplicates when Sent Items cannot be read (at-least-once), and still loses nothing', async () => {
    // The same schedules without Mail.Read: proves the count sees a second email when there is one.
    const totals = await runSoak({ schedules: 100, seed: 11, readAccess: false });
    expect(totals.lost).toBe(0);
    expect(totals.twice).toBeGreaterThan(0);
  });

  it('replays a schedule exactly from its seed', async () => {
    const seed = scheduleSeed(1, 4);
    const a = await runSchedule(seed, true);
    const b = await runSchedule(seed, true);
    expect(describeSchedule(b)).toBe(describeSchedule(a));
    expect(b.log.lines).toEqual(a.log.lines);
  });

  it('does not lose the releases of a job whose failed attempt left its rows sending (schedule 100004)', async () => {
    // Lost 3 of 4 before a fresh "sending" row of another delivery counted as in doubt.
    const r = await runSchedule(100004, true);
    expect(r).toMatchObject({ expected: 4, told: 4, lost: 0, twice: 0, quiescent: true });
  });
});
