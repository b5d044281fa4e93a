/**
 * The health use case: what each run saw becomes a state per problem (in NotifierState, under its
 * ETag), and a problem that lasts is told to HEALTH_RECIPIENTS through the one sending machinery,
 * exactly once per problem and state change (the ledger item names the change). Health bookkeeping
 * never fails the run it watches: its own failures are logged.
 */
import type { Clock } from '../domain/clock';
import type { StateStore } from '../domain/state';
import { ConcurrentUpdateError } from '../domain/state';
import { messageOf } from '../log/errors';
import type { Logger } from '../log/logger';
import { dueEmail, observe, type HealthEmail, type Observation, type ProblemId, type ProblemState } from './problems';

export const PROBLEM_IDS: readonly ProblemId[] = [
  'snapshot-failing',
  'detection-failing',
  'sending-failing',
  'report-failing',
  'sign-in',
  'exchange-permission',
  'audit-feed-permission',
  'audit-feed-off',
  'snapshot-stale',
  'poison-messages',
  'sent-items-unreadable',
  'daily-cap-reached',
  'skipped-oversized',
  'report-charts-missing',
  'items-set-aside',
];

const stateKey = (problem: ProblemId): string => `health-${problem}`;

/** One health email: the problem's state and which change it tells. */
export interface HealthEmailJob {
  state: ProblemState;
  email: HealthEmail;
}

/** What the health monitor reads of a sent email's outcome (notify/deliver's DeliveryOutcome has these). */
export interface HealthSendOutcome {
  sent: boolean;
  told: number;
  alreadyTold: number;
}

export interface HealthDeps {
  state: StateStore;
  /** Sends one health email through deliver(); undefined: nobody to tell (HEALTH_RECIPIENTS off). */
  send: ((job: HealthEmailJob) => Promise<HealthSendOutcome>) | undefined;
  afterMinutes: number;
  log: Logger;
  clock: Clock;
}

export class HealthMonitor {
  /** Last status written per problem by this process: unchanged observations cost no write. */
  private readonly known = new Map<ProblemId, 'open' | 'resolved' | 'none'>();

  constructor(private readonly deps: HealthDeps) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Records what a run saw. A problem observed clear that this process knows is not open costs no read. */
  async record(observations: readonly Observation[]): Promise<void> {
    for (const seen of observations) {
      if (!seen.open && (this.known.get(seen.problem) === 'resolved' || this.known.get(seen.problem) === 'none'))
        continue;
      try {
        await this.update(seen.problem, (state) => observe(state, seen, this.now()));
      } catch (error) {
        this.deps.log.warn(`health: could not record ${seen.problem}: ${messageOf(error)}`, { problem: seen.problem });
      }
    }
  }

  private async update(
    problem: ProblemId,
    change: (state: ProblemState | undefined) => ProblemState | undefined,
  ): Promise<ProblemState | undefined> {
    for (let round = 0; round < 5; round++) {
      const saved = await this.deps.state.get<ProblemState>(stateKey(problem));
      const next = change(saved?.value);
      if (!next) {
        this.known.set(problem, 'none');
        return undefined;
      }
      if (saved && JSON.stringify(saved.value) === JSON.stringify(next)) {
        this.known.set(problem, next.status);
        return next;
      }
      try {
        await this.deps.state.put(stateKey(problem), next, saved?.etag);
        this.known.set(problem, next.status);
        if (!saved?.value || saved.value.status !== next.status) {
          const log = next.status === 'open' ? this.deps.log.warn : this.deps.log.info;
          log.call(
            this.deps.log,
            `health problem ${next.status}: ${next.problem}${next.status === 'open' ? `: ${next.reason}` : ''}`,
            { problem: next.problem, status: next.status, since: next.since },
          );
        }
        return next;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError)) throw error;
      }
    }
    throw new Error(`health state ${problem} kept changing under this run`);
  }

  /** Every problem's state. */
  async states(): Promise<ProblemState[]> {
    const found: ProblemState[] = [];
    for (const problem of PROBLEM_IDS) {
      const saved = await this.deps.state.get<ProblemState>(stateKey(problem));
      if (saved) found.push(saved.value);
    }
    return found;
  }

  /**
   * Sends every health email that is due, and records that it went. Returns the states it read (their
   * statuses are what the run left; only the notice times change here), so a caller need not read them again.
   */
  async notify(): Promise<ProblemState[]> {
    const send = this.deps.send;
    const states = await this.states();
    if (!send) return states;
    for (const state of states) {
      const email = dueEmail(state, this.now(), this.deps.afterMinutes);
      if (!email) continue;
      try {
        const outcome = await send({ state, email });
        // Told now, told before (its ledger item says so), or found in Sent Items: the change is told.
        if (!(outcome.sent || outcome.told > 0 || outcome.alreadyTold > 0)) continue;
        const at = this.now().toISOString();
        await this.update(state.problem, (current) => {
          if (!current) return current;
          if (email.kind === 'open') return { ...current, openedNoticeAt: current.openedNoticeAt ?? at };
          if (email.kind === 'reminder') return { ...current, lastReminderAt: at };
          // Resolved and told: the next time this problem appears it is a new one.
          return { ...current, openedNoticeAt: undefined, lastReminderAt: undefined };
        });
      } catch (error) {
        this.deps.log.warn(`health: could not send the ${email.kind} email for ${state.problem}: ${messageOf(error)}`, {
          problem: state.problem,
        });
      }
    }
    return states;
  }
}
