/**
 * What can stop the product from doing its job, and when a person is told (pure). Admins deploy this
 * once and stop looking, so a problem that lasts gets one email naming it, since when, what it
 * affects and the exact fix (the doctor's words); one reminder a day while it lasts; one email when
 * it is resolved.
 */
import { coded } from '../domain/errors';
import { messageOf } from '../log/errors';

export type Stage = 'snapshot' | 'detection' | 'sending' | 'report';

export type ProblemId =
  /** A stage failed its last run(s) for a reason not listed below. */
  | 'snapshot-failing'
  | 'detection-failing'
  | 'sending-failing'
  | 'report-failing'
  /** The app could not sign in (secret expired, app deleted, wrong tenant). */
  | 'sign-in'
  /** Exchange.ManageAsApp or the directory role is gone (401/403 from the Exchange admin API). */
  | 'exchange-permission'
  /** ActivityFeed.Read is gone (AF10001, 401, 403). */
  | 'audit-feed-permission'
  /** The audit subscription is off or unified audit logging is switched off. */
  | 'audit-feed-off'
  /** No successful snapshot for a day: releases cannot be matched. */
  | 'snapshot-stale'
  /** Jobs that failed for good wait in release-notifications-poison. */
  | 'poison-messages'
  /** Sent Items cannot be read: a send whose answer was lost is sent again unchecked (at-least-once). */
  | 'sent-items-unreadable'
  /** NOTIFY_MAX_PER_DAY is reached: the rest waits for the next UTC day. */
  | 'daily-cap-reached'
  /** A snapshot row or a job was skipped because it did not fit a platform limit. */
  | 'skipped-oversized'
  /** The weekly report went out with its tables only: a chart could not be drawn. */
  | 'report-charts-missing'
  /** Detection set items aside (a job the queue refused, a release no decision could be made for). */
  | 'items-set-aside';

export interface Observation {
  problem: ProblemId;
  /** true: the problem holds now; false: it was checked and does not. */
  open: boolean;
  /** The actionable reason (what to fix), when open. */
  reason?: string;
  /** What it stops, in words ("releases since 09:00 are not being told"), when open. */
  affected?: string;
}

export interface ProblemState {
  problem: ProblemId;
  status: 'open' | 'resolved';
  /** When it was first seen, this time. */
  since: string;
  lastSeen: string;
  /** Runs that saw it open, this time. */
  count: number;
  reason: string;
  affected: string;
  /** When the "open" email was sent (its ledger item is the `since` instant). */
  openedNoticeAt?: string;
  lastReminderAt?: string;
  resolvedAt?: string;
}

/** The stage's own "failing" problem, for a failure no specific problem explains. */
export function stageProblem(stage: Stage): ProblemId {
  return `${stage}-failing` as ProblemId;
}

/** What a failed run means: the specific problem it shows, with the doctor's fix as the reason. */
export function classifyFailure(stage: Stage, error: unknown): Observation {
  const reason = messageOf(error);
  const failure = coded(error);
  if (failure?.code === 'sign-in')
    return { problem: 'sign-in', open: true, reason, affected: 'nothing is read or sent' };
  if (failure?.code === 'audit-feed') {
    if (failure.serviceCode === 'AF10001' || failure.status === 401 || failure.status === 403)
      return { problem: 'audit-feed-permission', open: true, reason, affected: 'new releases are not being detected' };
    if (/auditing|subscription/i.test(reason) && /turn|start|enable/i.test(reason))
      return { problem: 'audit-feed-off', open: true, reason, affected: 'new releases are not being detected' };
  }
  if (failure?.code === 'exchange' && (failure.status === 401 || failure.status === 403)) {
    return {
      problem: 'exchange-permission',
      open: true,
      reason,
      affected:
        stage === 'snapshot'
          ? 'new quarantined messages are not being recorded, so their releases cannot be told'
          : 'releases cannot be matched',
    };
  }
  const affected: Record<Stage, string> = {
    snapshot: 'new quarantined messages are not being recorded',
    detection: 'new releases are not being detected',
    sending: 'notices are not being sent',
    report: 'the activity report is not being sent',
  };
  return { problem: stageProblem(stage), open: true, reason, affected: affected[stage] };
}

export type HealthEmail = { kind: 'open' | 'reminder' | 'resolved'; item: string };

const DAY_MS = 86_400_000;

/** Applies one observation to a problem's state. */
export function observe(state: ProblemState | undefined, seen: Observation, now: Date): ProblemState | undefined {
  const at = now.toISOString();
  if (!seen.open) {
    if (!state || state.status === 'resolved') return state;
    return { ...state, status: 'resolved', resolvedAt: at, lastSeen: at };
  }
  if (!state || state.status === 'resolved') {
    return {
      problem: seen.problem,
      status: 'open',
      since: at,
      lastSeen: at,
      count: 1,
      reason: seen.reason ?? '',
      affected: seen.affected ?? '',
    };
  }
  return {
    ...state,
    lastSeen: at,
    count: state.count + 1,
    reason: seen.reason ?? state.reason,
    affected: seen.affected ?? state.affected,
  };
}

/**
 * Which email a problem's state calls for now, if any: "open" once it has lasted `afterMinutes`
 * (0: at once), a reminder at most once a day while it lasts, "resolved" once if "open" went out.
 * `item` names the email in the ledger, so each is sent exactly once.
 */
export function dueEmail(state: ProblemState, now: Date, afterMinutes: number): HealthEmail | undefined {
  if (state.status === 'resolved') {
    return state.openedNoticeAt && state.resolvedAt ? { kind: 'resolved', item: `resolved@${state.since}` } : undefined;
  }
  if (!state.openedNoticeAt) {
    const lasted = now.getTime() - Date.parse(state.since);
    return lasted >= afterMinutes * 60_000 ? { kind: 'open', item: `open@${state.since}` } : undefined;
  }
  const last = Date.parse(state.lastReminderAt ?? state.openedNoticeAt);
  if (now.getTime() - last >= DAY_MS)
    return { kind: 'reminder', item: `reminder@${now.toISOString().slice(0, 10)}@${state.since}` };
  return undefined;
}

/**
 * What a detection run's set-aside count means: open with how many and where to look, or cleared by a
 * run that set nothing aside (those items stay settled 'set-aside', so they are not counted again).
 */
export function setAsideObservation(setAside: number): Observation {
  if (setAside <= 0) return { problem: 'items-set-aside', open: false };
  return {
    problem: 'items-set-aside',
    open: true,
    reason: `${setAside} item(s) were set aside by the last detection run: a notice or alert job the queue refused, or a release that could not be decided. Each is named in a log line "set aside" with its reason; its releases are settled 'set-aside' in the ReleaseEvents table. Every other release went on.`,
    affected: 'the releases in those items are not being told',
  };
}

/** The problems a successful run of a stage shows to be gone. */
export function clearedBy(stage: Stage): Observation[] {
  const clear = (...problems: ProblemId[]): Observation[] => problems.map((problem) => ({ problem, open: false }));
  if (stage === 'snapshot') return clear('snapshot-failing', 'exchange-permission', 'sign-in');
  if (stage === 'detection') return clear('detection-failing', 'audit-feed-permission', 'audit-feed-off', 'sign-in');
  if (stage === 'sending') return clear('sending-failing');
  return clear('report-failing');
}
