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
}

export interface AlertJob {
  kind: 'alert';
  jobId: string;
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

/** The jobs for a run's findings: one email per rule and account, at most MAX_ITEMS_PER_ALERT items each. */
export function alertJobsFor(findings: readonly AlertFinding[]): AlertJob[] {
  const groups = new Map<string, AlertFinding[]>();
  for (const f of findings) {
    const id = `${f.rule}\n${f.account ?? 'system'}`;
    groups.set(id, [...(groups.get(id) ?? []), f]);
  }
  const jobs: AlertJob[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => a.key.localeCompare(b.key));
    for (let i = 0; i < sorted.length; i += MAX_ITEMS_PER_ALERT) {
      const part = sorted.slice(i, i + MAX_ITEMS_PER_ALERT);
      const items = part.map((f) => ({
        key: f.key,
        releases: f.releases.slice(0, MAX_RELEASES_PER_ITEM).map(facts),
        totalReleases: f.releases.length,
      }));
      jobs.push(makeAlertJob(part[0].rule, part[0].account ?? 'system', items));
    }
  }
  return jobs;
}

export function makeAlertJob(rule: AlertRule, account: string, items: AlertItem[]): AlertJob {
  const keys = items.map((i) => i.key.toLowerCase()).sort();
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
    return {
      key: str(item.key, `${where}.key`, 400),
      totalReleases,
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
