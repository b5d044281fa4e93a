import type { Env, Settings } from '../config/settings';

/** One line of the doctor's answer. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** Passed, but the product runs in a degraded way until this is fixed (never fails the doctor run). */
  warning?: boolean;
  /** Not run, because something it needs failed above (ok is false; `detail` says what it needs). */
  skipped?: boolean;
  /** What was found when it passed, the exact fix when it failed, or what it needs when skipped. */
  detail: string;
}

/** What a check passes with: its detail, or a warning (never fails the run). */
export type Verdict = string | { warning: true; detail: string };

/**
 * What every check may read: the settings, the adapters it needs (`R`: each check names only the ports
 * it uses, so an adapter's check imports no composition root), and what the checks before it found.
 */
export interface DoctorContext<R = unknown> {
  env: Env;
  settings: Settings;
  runtime: R;
  /** Sends one real test notification to this address when given. */
  sendTestTo: string | undefined;
  /** The broken settings among `names` (a name also covers its `NAME__*` variants). */
  broken(...names: string[]): string[];
  /** Whether the named check ran and passed. */
  passed(name: string): boolean;
  /** Set when the doctor checks a customer tenant: the deployment's own tenant, whose identity signs in there. */
  homeTenantId?: string;
  /** Facts a check leaves for later ones (the accepted domains, the first failed sign-in). */
  facts: { domains: string[]; signInFailed?: string };
}

/**
 * One check of the doctor. An adapter offers the checks of what it reaches (store/, auth/,
 * exchange/, audit/, graph/, health/); runDoctor runs them in order. `needs` names what is missing
 * (broken settings, checks that did not pass): non-empty, the check is reported as skipped.
 * `run` passes with a Verdict, or throws with the fix. A check with `report` instead writes its own
 * result lines (the settings, which are one line per problem).
 */
export interface DoctorCheck<R = unknown> {
  name: string;
  needs?: (ctx: DoctorContext<R>) => string[];
  run?: (ctx: DoctorContext<R>) => Promise<Verdict>;
  report?: (ctx: DoctorContext<R>) => CheckResult[];
}

/** "needs A, B and C" */
export function needsText(needs: readonly string[]): string {
  return needs.length <= 1
    ? `needs ${needs.join('')}`
    : `needs ${needs.slice(0, -1).join(', ')} and ${needs[needs.length - 1]}`;
}

/** "a token for X" unless the check of that token passed. */
export function tokenFor(ctx: Pick<DoctorContext, 'passed'>, resource: string): string[] {
  return ctx.passed(`token for ${resource}`) ? [] : [`a token for ${resource}`];
}
