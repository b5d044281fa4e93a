/**
 * The security team's alert rules (pure). Microsoft raises no alert when an admin or the system
 * releases malware or high-confidence phish, and SOC teams hunt for it by joining the release record
 * with the message (seed 000). Detection holds both halves of that join for every release, inbound
 * included; these rules decide which releases are worth a person's attention.
 *
 * - risky-type: a release of a message quarantined as one of ALERT_RISKY_TYPES (default Malware,
 *   HighConfPhish, Phish), in any direction, by anyone (an admin, the system, or a user through a
 *   notification link, which link scanners can also trigger).
 * - burst: more than ALERT_BURST_RELEASES releases by one account within 60 minutes, of any type.
 * - released-to-other: a copy of a risky-type message released to a mailbox that was not one of its
 *   recipients (ALERT_RELEASED_TO_OTHER): the way a malicious message is forwarded to a new target.
 */
import type { ReleaseEvent } from '../domain/types';

export type AlertRule = 'risky-type' | 'burst' | 'released-to-other';

export interface AlertSettings {
  /** ALERT_RECIPIENTS; empty: alerts are off. */
  recipients: readonly string[];
  /** Quarantine types whose release raises risky-type (lower-case compare); empty: rule off. */
  riskyTypes: readonly string[];
  /** More releases than this by one account within BURST_WINDOW_MS: one alert. 0: rule off. */
  burstReleases: number;
  releasedToOther: boolean;
}

export const BURST_WINDOW_MS = 60 * 60_000;

/** What the message looked like in quarantine, when the snapshot has it. */
export interface MessageView {
  sender: string;
  recipients: readonly string[];
  subject: string;
  receivedAt: string;
  quarantineType: string;
  policyName: string;
  /** Where it came from (the origin verdict and how it was reached), when known. */
  origin: string | undefined;
}

export interface ReleaseView {
  release: ReleaseEvent;
  message: MessageView | undefined;
}

/** One release reported by one rule: the ledger item that makes it reported once. */
export interface AlertFinding {
  rule: AlertRule;
  /** Ledger item: the same finding always has the same key. */
  key: string;
  /** The account (lower case) for burst; otherwise who released it. */
  account: string | undefined;
  releases: ReleaseView[];
  /** burst: the ALERT_BURST_RELEASES it exceeded, so the alert can name it. */
  threshold?: number;
}

const RELEASED_BY_SYSTEM = 'system';

function isRisky(view: ReleaseView, settings: AlertSettings): boolean {
  const type = view.message?.quarantineType.toLowerCase() ?? '';
  return type !== '' && settings.riskyTypes.some((t) => type.split(/[,;\s]+/).includes(t.toLowerCase()));
}

/** risky-type and released-to-other findings among releases whose message is known; one finding per release. */
export function messageFindings(views: readonly ReleaseView[], settings: AlertSettings): AlertFinding[] {
  if (settings.recipients.length === 0) return [];
  const findings: AlertFinding[] = [];
  for (const view of views) {
    if (!view.message || !isRisky(view, settings)) continue;
    const account = view.release.releasedBy?.toLowerCase() ?? RELEASED_BY_SYSTEM;
    const item = `${view.release.networkMessageId}|${view.release.releasedTo || 'all'}`;
    findings.push({ rule: 'risky-type', key: item, account, releases: [view] });
    const to = view.release.releasedTo.toLowerCase();
    if (settings.releasedToOther && to !== '' && !view.message.recipients.some((r) => r.toLowerCase() === to)) {
      findings.push({ rule: 'released-to-other', key: item, account, releases: [view] });
    }
  }
  return findings;
}

/**
 * Bursts among one account's releases (any order). A burst starts at the release that makes the
 * count within the trailing 60 minutes exceed the threshold and lasts while releases keep coming
 * within 60 minutes of each other; it is keyed by the account and its first release, so a burst
 * that grows over several runs is reported once.
 */
export function burstFindings(account: string, releases: readonly ReleaseView[], threshold: number): AlertFinding[] {
  if (threshold <= 0) return [];
  const ordered = [...releases].sort(
    (a, b) =>
      a.release.releasedAt.getTime() - b.release.releasedAt.getTime() ||
      a.release.recordId.localeCompare(b.release.recordId),
  );
  const findings: AlertFinding[] = [];
  let current: AlertFinding | undefined;
  let windowStart = 0;
  for (let i = 0; i < ordered.length; i++) {
    const at = ordered[i].release.releasedAt.getTime();
    while (at - ordered[windowStart].release.releasedAt.getTime() > BURST_WINDOW_MS) windowStart++;
    const inWindow = i - windowStart + 1;
    if (current) {
      const last = current.releases[current.releases.length - 1].release.releasedAt.getTime();
      if (at - last <= BURST_WINDOW_MS) {
        current.releases.push(ordered[i]);
        continue;
      }
      current = undefined;
    }
    if (inWindow > threshold) {
      const members = ordered.slice(windowStart, i + 1);
      current = {
        rule: 'burst',
        key: `${account.toLowerCase()}|${members[0].release.recordId}`,
        account: account.toLowerCase(),
        releases: [...members],
        threshold,
      };
      findings.push(current);
    }
  }
  return findings;
}

/** Most dangerous first: what the alert lists first and names in its subject. */
const DANGER: readonly string[] = ['malware', 'highconfphish', 'phish'];

/** 0 for malware, 1 high-confidence phish, 2 phish, 3 anything else (several types: the worst counts). */
export function dangerRank(quarantineType: string): number {
  const types = quarantineType.toLowerCase().split(/[,;\s]+/);
  const ranks = types.map((t) => DANGER.indexOf(t)).filter((i) => i >= 0);
  return ranks.length > 0 ? Math.min(...ranks) : DANGER.length;
}

/** A quarantine type as an analyst says it ("malware", "high-confidence phish"); others as given. */
export function typeWords(quarantineType: string): string {
  const names: Record<string, string> = {
    malware: 'malware',
    highconfphish: 'high-confidence phish',
    phish: 'phish',
    spam: 'spam',
    bulk: 'bulk',
    transportrule: 'mail flow rule',
    datalossprevention: 'DLP policy',
    outboundspam: 'outbound spam',
  };
  const key = quarantineType.trim().toLowerCase();
  return Object.hasOwn(names, key) ? names[key] : quarantineType.trim();
}

/** "1 message", "3 messages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Who released, in words: the account, or Microsoft 365 itself. */
export function releaserWords(account: string | undefined): string {
  return account && account !== RELEASED_BY_SYSTEM ? account : 'Microsoft 365 (automatic release)';
}

/**
 * Human words for one finding (log lines, tests): messages and releases counted apart, since one
 * message released to ten recipients is ten releases of one message.
 */
export function describeFinding(finding: AlertFinding, n: number = finding.releases.length): string {
  const messages = new Set(finding.releases.map((r) => r.release.networkMessageId.toLowerCase())).size;
  const by = releaserWords(finding.account);
  const counted =
    n > finding.releases.length
      ? `${plural(n, 'release')}`
      : `${plural(n, 'release')} of ${plural(messages, 'message')}`;
  if (finding.rule === 'burst')
    return `${counted} by ${by} within an hour (more than ${finding.threshold ?? 'the threshold'})`;
  const types = [...new Set(finding.releases.map((r) => r.message?.quarantineType).filter((t): t is string => !!t))];
  const what = types.length === 1 ? `${typeWords(types[0])}: ` : '';
  if (finding.rule === 'released-to-other') return `${what}${counted} by ${by} to a mailbox that was not a recipient`;
  return `${what}${counted} by ${by}`;
}
