/**
 * The alert job: what detection hands the sending side when an alert rule fires. One job is one email
 * to ALERT_RECIPIENTS; each of its items (one release for risky-type, one burst) is a ledger item, so
 * a rule reports each release (or burst) once, whatever retries, reruns or duplicate records do.
 */
import { createHash } from 'node:crypto';
import type { AlertFinding, AlertRule } from '../alerts/rules';
import { isGuid } from '../config/settings';
import { isRecord } from '../http/json';
import { MalformedJobError } from './notificationJob';

export const ALERT_RULES: readonly AlertRule[] = ['risky-type', 'burst', 'released-to-other'];
/** Releases listed per item (a burst may hold hundreds): the rest is a count. */
export const MAX_RELEASES_PER_ITEM = 50;
/** Items per email: a run that finds more sends more emails. */
export const MAX_ITEMS_PER_ALERT = 25;

export interface AlertReleaseFacts {
  recordId: string;
  networkMessageId: string;
  releasedTo: string;
  /** Undefined: released by Microsoft 365 itself. */
  releasedBy: string | undefined;
  releasedAt: string;
  requestSource: number | undefined;
  sender: string;
  recipients: string[];
  recipientCount: number;
  subject: string;
  receivedAt: string;
  quarantineType: string;
  policyName: string;
  origin: string;
}

export interface AlertItem {
  key: string;
  releases: AlertReleaseFacts[];
  totalReleases: number;
  /** The rule that fired for this item; absent (jobs queued before it existed): the job's rule. */
  rule?: AlertRule;
  /** burst: the ALERT_BURST_RELEASES it exceeded. */
  threshold?: number;
  /** burst: distinct messages among all its releases, also those beyond the listed ones. */
  totalMessages?: number;
}

/** Most serious first: the job's `rule` is the most serious of its items' rules. */
const RULE_ORDER: readonly AlertRule[] = ['risky-type', 'released-to-other', 'burst'];

/** An item's rule (items of older jobs carry none: the job's). */
export function itemRule(job: Pick<AlertJob, 'rule'>, item: AlertItem): AlertRule {
  return item.rule ?? job.rule;
}

export interface AlertJob {
  kind: 'alert';
  jobId: string;
  /** The most serious rule among the items (risky-type, released-to-other, burst). */
  rule: AlertRule;
  /** Who released (lower case), or 'system'. */
  account: string;
  items: AlertItem[];
}

function facts(view: AlertFinding['releases'][number]): AlertReleaseFacts {
  const r = view.release;
  const m = view.message;
  return {
    recordId: r.recordId,
    networkMessageId: r.networkMessageId,
    releasedTo: r.releasedTo,
    releasedBy: r.releasedBy,
    releasedAt: r.releasedAt.toISOString(),
    requestSource: r.requestSource,
    sender: m?.sender ?? '',
    recipients: (m?.recipients ?? []).slice(0, 10),
    recipientCount: m?.recipients.length ?? 0,
    subject: m?.subject ?? '',
    receivedAt: m?.receivedAt ?? '',
    quarantineType: m?.quarantineType ?? '',
    policyName: m?.policyName ?? '',
    origin: m?.origin ?? '',
  };
}

/**
 * The jobs for a run's findings: one email per releasing account and run, listing every rule that
 * fired for each of its releases (at most MAX_ITEMS_PER_ALERT items per email; more make more emails).
 */
export function alertJobsFor(findings: readonly AlertFinding[]): AlertJob[] {
  const groups = new Map<string, AlertFinding[]>();
  for (const f of findings) {
    const id = f.account ?? 'system';
    groups.set(id, [...(groups.get(id) ?? []), f]);
  }
  const jobs: AlertJob[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort(
      (a, b) => RULE_ORDER.indexOf(a.rule) - RULE_ORDER.indexOf(b.rule) || a.key.localeCompare(b.key),
    );
    for (let i = 0; i < sorted.length; i += MAX_ITEMS_PER_ALERT) {
      const part = sorted.slice(i, i + MAX_ITEMS_PER_ALERT);
      const items = part.map((f): AlertItem => ({
        key: f.key,
        releases: f.releases.slice(0, MAX_RELEASES_PER_ITEM).map(facts),
        totalReleases: f.releases.length,
        rule: f.rule,
        ...(f.threshold !== undefined ? { threshold: f.threshold } : {}),
        ...(f.rule === 'burst'
          ? { totalMessages: new Set(f.releases.map((r) => r.release.networkMessageId.toLowerCase())).size }
          : {}),
      }));
      const rule = RULE_ORDER.find((r) => part.some((f) => f.rule === r)) ?? part[0].rule;
      jobs.push(makeAlertJob(rule, part[0].account ?? 'system', items));
    }
  }
  return jobs;
}

export function makeAlertJob(rule: AlertRule, account: string, items: AlertItem[]): AlertJob {
  // An item is its rule and its key: the same release reported by two rules is two items.
  const keys = items.map((i) => `${i.rule ?? rule}|${i.key.toLowerCase()}`).sort();
  const jobId = createHash('sha256')
    .update(`alert\n${rule}\n${keys.join('\n')}`)
    .digest('hex')
    .slice(0, 32);
  return { kind: 'alert', jobId, rule, account, items };
}

const str = (value: unknown, where: string, max = 2000): string => {
  if (typeof value !== 'string' || value.length > max)
    throw new MalformedJobError(`${where} is not a string of at most ${max} characters`);
  return value;
};

/** Queue messages are outside input: an alert job is checked field by field. */
export function parseAlertJob(value: Record<string, unknown>): AlertJob {
  const rule = value.rule;
  if (!ALERT_RULES.includes(rule as AlertRule)) throw new MalformedJobError('alert.rule is not a known rule');
  const account = str(value.account, 'alert.account', 320);
  if (!Array.isArray(value.items) || value.items.length === 0 || value.items.length > MAX_ITEMS_PER_ALERT)
    throw new MalformedJobError(`alert.items must list 1 to ${MAX_ITEMS_PER_ALERT} items`);
  const items = value.items.map((item: unknown, i): AlertItem => {
    const where = `alert.items[${i}]`;
    if (
      !isRecord(item) ||
      !Array.isArray(item.releases) ||
      item.releases.length === 0 ||
      item.releases.length > MAX_RELEASES_PER_ITEM
    )
      throw new MalformedJobError(`${where} must list 1 to ${MAX_RELEASES_PER_ITEM} releases`);
    const totalReleases = Number(item.totalReleases);
    if (!Number.isInteger(totalReleases) || totalReleases < item.releases.length)
      throw new MalformedJobError(`${where}.totalReleases is not a count`);
    const itemRuleValue = item.rule === undefined || item.rule === null ? undefined : item.rule;
    if (itemRuleValue !== undefined && !ALERT_RULES.includes(itemRuleValue as AlertRule))
      throw new MalformedJobError(`${where}.rule is not a known rule`);
    const threshold = item.threshold === undefined || item.threshold === null ? undefined : Number(item.threshold);
    if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 0))
      throw new MalformedJobError(`${where}.threshold is not a count`);
    const totalMessages =
      item.totalMessages === undefined || item.totalMessages === null ? undefined : Number(item.totalMessages);
    if (totalMessages !== undefined && (!Number.isInteger(totalMessages) || totalMessages < 0))
      throw new MalformedJobError(`${where}.totalMessages is not a count`);
    return {
      key: str(item.key, `${where}.key`, 400),
      totalReleases,
      ...(itemRuleValue !== undefined ? { rule: itemRuleValue as AlertRule } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
      ...(totalMessages !== undefined ? { totalMessages } : {}),
      releases: item.releases.map((r: unknown, j): AlertReleaseFacts => {
        const at = `${where}.releases[${j}]`;
        if (!isRecord(r)) throw new MalformedJobError(`${at} is not an object`);
        const networkMessageId = str(r.networkMessageId, `${at}.networkMessageId`, 36).toLowerCase();
        if (!isGuid(networkMessageId)) throw new MalformedJobError(`${at}.networkMessageId is not a GUID`);
        if (!Array.isArray(r.recipients) || r.recipients.length > 10)
          throw new MalformedJobError(`${at}.recipients is not a short list`);
        const requestSource =
          r.requestSource === undefined || r.requestSource === null ? undefined : Number(r.requestSource);
        return {
          recordId: str(r.recordId, `${at}.recordId`, 100),
          networkMessageId,
          releasedTo: str(r.releasedTo, `${at}.releasedTo`, 320),
          releasedBy:
            r.releasedBy === undefined || r.releasedBy === null
              ? undefined
              : str(r.releasedBy, `${at}.releasedBy`, 320),
          releasedAt: str(r.releasedAt, `${at}.releasedAt`, 40),
          requestSource: requestSource !== undefined && Number.isInteger(requestSource) ? requestSource : undefined,
          sender: str(r.sender, `${at}.sender`, 320),
          recipients: r.recipients.map((x: unknown, k) => str(x, `${at}.recipients[${k}]`, 320)),
          recipientCount: Number(r.recipientCount) || 0,
          subject: str(r.subject, `${at}.subject`, 2000),
          receivedAt: str(r.receivedAt, `${at}.receivedAt`, 40),
          quarantineType: str(r.quarantineType, `${at}.quarantineType`, 200),
          policyName: str(r.policyName, `${at}.policyName`, 400),
          origin: str(r.origin, `${at}.origin`, 200),
        };
      }),
    };
  });
  return makeAlertJob(rule as AlertRule, account, items);
}
