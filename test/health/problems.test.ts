import { AuditFeedError } from '../../shared/audit/managementActivityClient';
import { classifyFailure, dueEmail, observe, type ProblemState } from '../../shared/health/problems';

const T0 = new Date('2026-12-01T09:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const open = (minutes: number, state?: ProblemState) =>
  observe(
    state,
    {
      problem: 'audit-feed-permission',
      open: true,
      reason: 'grant ActivityFeed.Read',
      affected: 'new releases are not being detected',
    },
    at(minutes),
  ) as ProblemState;

describe('when a problem is told', () => {
  it('not before it has lasted HEALTH_ALERT_AFTER_MINUTES, then once', () => {
    let state = open(0);
    expect(dueEmail(state, at(0), 120)).toBeUndefined();
    state = open(60, state);
    expect(dueEmail(state, at(60), 120)).toBeUndefined();
    expect(dueEmail(state, at(121), 120)).toEqual({ kind: 'open', item: `open@${T0.toISOString()}` });
    state = { ...state, openedNoticeAt: at(121).toISOString() };
    expect(dueEmail(state, at(300), 120)).toBeUndefined();
  });

  it('0 means at the first failing run', () => {
    expect(dueEmail(open(0), at(0), 0)).toMatchObject({ kind: 'open' });
  });

  it('reminds at most once a day while it lasts, and tells its end once, only if its start was told', () => {
    const told = { ...open(0), openedNoticeAt: at(121).toISOString() };
    expect(dueEmail(told, at(121 + 24 * 60), 120)).toMatchObject({ kind: 'reminder' });
    const resolved = observe(told, { problem: 'audit-feed-permission', open: false }, at(200)) as ProblemState;
    expect(resolved.status).toBe('resolved');
    expect(dueEmail(resolved, at(201), 120)).toEqual({ kind: 'resolved', item: `resolved@${T0.toISOString()}` });
    const quiet = observe(open(0), { problem: 'audit-feed-permission', open: false }, at(30)) as ProblemState;
    expect(dueEmail(quiet, at(31), 120)).toBeUndefined();
  });

  it('a problem that comes back is a new one, with a new email', () => {
    const resolved = observe(
      { ...open(0), openedNoticeAt: at(121).toISOString() },
      { problem: 'audit-feed-permission', open: false },
      at(200),
    ) as ProblemState;
    const again = open(300, { ...resolved, openedNoticeAt: undefined });
    expect(again.since).toBe(at(300).toISOString());
    expect(dueEmail(again, at(421), 120)).toEqual({ kind: 'open', item: `open@${at(300).toISOString()}` });
  });
});

describe('what a failed run means', () => {
  it('a lost ActivityFeed.Read grant is its own problem, with the fix as its reason', () => {
    const seen = classifyFailure(
      'detection',
      new AuditFeedError('AF10001: grant ActivityFeed.Read (infra/grant-permissions.ps1)', 'AF10001', 401),
    );
    expect(seen).toMatchObject({
      problem: 'audit-feed-permission',
      open: true,
      reason: expect.stringMatching(/ActivityFeed\.Read/),
    });
  });

  it('anything else is the stage failing', () => {
    expect(classifyFailure('snapshot', new Error('boom'))).toMatchObject({
      problem: 'snapshot-failing',
      reason: 'boom',
    });
  });
});
