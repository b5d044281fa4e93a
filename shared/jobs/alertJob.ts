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
import { cutText } from '../text/clean';
import { FIELD_CAPS, fitJob, halves, MAX_JOB_TEXT_BYTES, MAX_RELEASES_PER_JOB, type JobCodec } from './budget';

export const ALERT_RULES: readonly AlertRule[] = ['risky-type', 'burst', 'released-to-other'];
/** Releases listed per item (a burst may hold hundreds): the rest is a count. */
export const MAX_RELEASES_PER_ITEM = 50;
/** Items per email: a run that finds more sends more emails. */
export const MAX_ITEMS_PER_ALERT = 25;
/** Original recipients an alert lists per release; the rest is a count. */
export const MAX_ALERT_RECIPIENTS = 10;

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
  /** Set when one alert did not fit one queue message and was split: this email is part `index` of `of`. */
  part?: AlertPart;
}

export interface AlertPart {
  index: number;
  of: number;
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
    recipients: (m?.recipients ?? []).slice(0, MAX_ALERT_RECIPIENTS),
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

export function makeAlertJob(rule: AlertRule, account: string, items: AlertItem[], part?: AlertPart): AlertJob {
  // An item is its rule and its key: the same release reported by two rules is two items.
  const keys = items.map((i) => `${i.rule ?? rule}|${i.key.toLowerCase()}`).sort();
  const jobId = createHash('sha256')
    .update(`alert\n${rule}\n${keys.join('\n')}`)
    .digest('hex')
    .slice(0, 32);
  return part ? { kind: 'alert', jobId, rule, account, items, part } : { kind: 'alert', jobId, rule, account, items };
}

/** The alert job as queue text, every field cut to FIELD_CAPS (what parseAlertJob accepts). */
export function encodeAlertJob(job: AlertJob): string {
  const cut = (v: string, max: number): string => cutText(v, max);
  return JSON.stringify({
    ...job,
    account: cut(job.account, FIELD_CAPS.address),
    items: job.items.map((item) => ({
      ...item,
      key: cut(item.key, FIELD_CAPS.key),
      releases: item.releases.map((r) => ({
        ...r,
        recordId: cut(r.recordId, FIELD_CAPS.recordId),
        releasedTo: cut(r.releasedTo, FIELD_CAPS.address),
        releasedBy: r.releasedBy === undefined ? undefined : cut(r.releasedBy, FIELD_CAPS.address),
        releasedAt: cut(r.releasedAt, FIELD_CAPS.instant),
        sender: cut(r.sender, FIELD_CAPS.address),
        recipients: r.recipients.slice(0, MAX_ALERT_RECIPIENTS).map((a) => cut(a, FIELD_CAPS.address)),
        subject: cut(r.subject, FIELD_CAPS.subject),
        receivedAt: cut(r.receivedAt, FIELD_CAPS.instant),
        quarantineType: cut(r.quarantineType, FIELD_CAPS.quarantineType),
        policyName: cut(r.policyName, FIELD_CAPS.policyName),
        origin: cut(r.origin, FIELD_CAPS.origin),
      })),
    })),
  });
}

/**
 * How an alert is made smaller when it does not fit one queue message (or reports more ids than its
 * header may list): its items in halves, then one item's releases in halves (each half its own ledger
 * item, `key/1` and `key/2`, so both are told), then one release's recipient list (counted). Parts are
 * numbered so each email says "part 2 of 3". Deterministic: the same alert splits the same way.
 */
export const alertCodec: JobCodec<AlertJob> = {
  encode: encodeAlertJob,
  ids: (job) => new Set(job.items.flatMap((i) => i.releases.map((r) => r.networkMessageId.toLowerCase()))).size,
  shrink(job) {
    if (job.items.length > 1) return halves(job.items).map((items) => makeAlertJob(job.rule, job.account, items));
    const [item] = job.items;
    if (item.releases.length > 1) {
      const [a, b] = halves(item.releases);
      return [
        makeAlertJob(job.rule, job.account, [{ ...item, key: `${item.key}/1`, releases: a, totalReleases: a.length }]),
        makeAlertJob(job.rule, job.account, [
          // The releases a burst does not list stay counted on its last part.
          { ...item, key: `${item.key}/2`, releases: b, totalReleases: item.totalReleases - a.length },
        ]),
      ];
    }
    const [release] = item.releases;
    if (release.recipients.length === 0) return undefined;
    const recipients = release.recipients.slice(0, Math.floor(release.recipients.length / 2));
    const recipientCount = Math.max(release.recipientCount, release.recipients.length);
    return [makeAlertJob(job.rule, job.account, [{ ...item, releases: [{ ...release, recipients, recipientCount }] }])];
  },
  number: (parts) => parts.map((p, i) => makeAlertJob(p.rule, p.account, p.items, { index: i + 1, of: parts.length })),
};

/** The alert as queue texts, each within the queue's budget (jobs/budget.ts). */
export function encodeAlertMessages(
  job: AlertJob,
  maxBytes: number = MAX_JOB_TEXT_BYTES,
): Array<{ job: AlertJob; text: string }> {
  return fitJob(job, alertCodec, maxBytes);
}

const str = (value: unknown, where: string, max = 2000): string => {
  if (typeof value !== 'string' || value.length > max)
    throw new MalformedJobError(`${where} is not a string of at most ${max} characters`);
  return value;
};

/** A count field that may be absent (null or undefined): undefined, else a whole number from 0 up. */
function optionalCount(value: unknown, where: string): number | undefined {
  const count = value === undefined || value === null ? undefined : Number(value);
  if (count !== undefined && (!Number.isInteger(count) || count < 0))
    throw new MalformedJobError(`${where} is not a count`);
  return count;
}

function parsePart(value: unknown): AlertPart | undefined {
  if (value === undefined || value === null) return undefined;
  const p = value;
  if (
    !isRecord(p) ||
    !Number.isInteger(p.index) ||
    !Number.isInteger(p.of) ||
    (p.index as number) < 1 ||
    (p.index as number) > (p.of as number) ||
    (p.of as number) > MAX_RELEASES_PER_JOB
  )
    throw new MalformedJobError('alert.part is not "index of count"');
  return { index: p.index as number, of: p.of as number };
}

function parseRelease(r: unknown, at: string): AlertReleaseFacts {
  if (!isRecord(r)) throw new MalformedJobError(`${at} is not an object`);
  const networkMessageId = str(r.networkMessageId, `${at}.networkMessageId`, 36).toLowerCase();
  if (!isGuid(networkMessageId)) throw new MalformedJobError(`${at}.networkMessageId is not a GUID`);
  if (!Array.isArray(r.recipients) || r.recipients.length > MAX_ALERT_RECIPIENTS)
    throw new MalformedJobError(`${at}.recipients is not a short list`);
  const requestSource = r.requestSource === undefined || r.requestSource === null ? undefined : Number(r.requestSource);
  const recipients = r.recipients.map((x: unknown, k) => str(x, `${at}.recipients[${k}]`, FIELD_CAPS.address));
  const count = Number(r.recipientCount);
  return {
    recordId: str(r.recordId, `${at}.recordId`, FIELD_CAPS.recordId),
    networkMessageId,
    releasedTo: str(r.releasedTo, `${at}.releasedTo`, FIELD_CAPS.address),
    releasedBy:
      r.releasedBy === undefined || r.releasedBy === null
        ? undefined
        : str(r.releasedBy, `${at}.releasedBy`, FIELD_CAPS.address),
    releasedAt: str(r.releasedAt, `${at}.releasedAt`, FIELD_CAPS.instant),
    requestSource: requestSource !== undefined && Number.isInteger(requestSource) ? requestSource : undefined,
    sender: str(r.sender, `${at}.sender`, FIELD_CAPS.address),
    recipients,
    recipientCount: Number.isInteger(count) && count > recipients.length ? count : recipients.length,
    subject: str(r.subject, `${at}.subject`, FIELD_CAPS.subject),
    receivedAt: str(r.receivedAt, `${at}.receivedAt`, FIELD_CAPS.instant),
    quarantineType: str(r.quarantineType, `${at}.quarantineType`, FIELD_CAPS.quarantineType),
    policyName: str(r.policyName, `${at}.policyName`, FIELD_CAPS.policyName),
    origin: str(r.origin, `${at}.origin`, FIELD_CAPS.origin),
  };
}

function parseItem(item: unknown, where: string): AlertItem {
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
  const threshold = optionalCount(item.threshold, `${where}.threshold`);
  const totalMessages = optionalCount(item.totalMessages, `${where}.totalMessages`);
  const key = str(item.key, `${where}.key`, FIELD_CAPS.key);
  return {
    key,
    totalReleases,
    ...(itemRuleValue !== undefined ? { rule: itemRuleValue as AlertRule } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(totalMessages !== undefined ? { totalMessages } : {}),
    releases: item.releases.map((r: unknown, j) => parseRelease(r, `${where}.releases[${j}]`)),
  };
}

/** Queue messages are outside input: an alert job is checked field by field, within FIELD_CAPS. */
export function parseAlertJob(value: Record<string, unknown>): AlertJob {
  const rule = value.rule;
  if (!ALERT_RULES.includes(rule as AlertRule)) throw new MalformedJobError('alert.rule is not a known rule');
  const account = str(value.account, 'alert.account', FIELD_CAPS.address);
  if (!Array.isArray(value.items) || value.items.length === 0 || value.items.length > MAX_ITEMS_PER_ALERT)
    throw new MalformedJobError(`alert.items must list 1 to ${MAX_ITEMS_PER_ALERT} items`);
  const part = parsePart(value.part);
  const items = value.items.map((item: unknown, i) => parseItem(item, `alert.items[${i}]`));
  return makeAlertJob(rule as AlertRule, account, items, part);
}
