import { isGuid } from '../config/settings';
import type { ReleaseEvent } from '../domain/types';
import { isRecord } from '../http/json';

export type RecordVerdict =
  | { kind: 'release'; event: ReleaseEvent }
  | { kind: 'ignored'; reason: IgnoreReason; recordId: string };

export type IgnoreReason = 'not-a-release' | 'not-release-request' | 'failed' | 'malformed';

/** Request types of quarantine audit records; only 2 is a release that actually happened. */
const REQUEST_TYPE_RELEASE = 2;
const FAILED_RESULTS = /^(failed|failure|partiallysucceeded|partiallyfailed|error)$/i;
const SYSTEM_USERS = /^system release$/i;

/** Audit CreationTime is UTC without a zone suffix ("2026-08-21T09:15:42"). */
export function parseAuditTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value)) return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Decides whether one Audit.General record is a successful quarantine release. Records are
 * untrusted and mostly other workloads: anything else is ignored with a reason, never thrown.
 */
export function classifyAuditRecord(raw: unknown): RecordVerdict {
  if (!isRecord(raw)) return { kind: 'ignored', reason: 'malformed', recordId: '' };
  const recordId = typeof raw.Id === 'string' ? raw.Id.trim().toLowerCase() : '';
  if (raw.Operation !== 'QuarantineReleaseMessage') return { kind: 'ignored', reason: 'not-a-release', recordId };
  if (Number(raw.RequestType) !== REQUEST_TYPE_RELEASE) return { kind: 'ignored', reason: 'not-release-request', recordId };
  // Test for failure values, not for one exact success string: the success spelling varies.
  if (typeof raw.ResultStatus === 'string' && FAILED_RESULTS.test(raw.ResultStatus.trim())) return { kind: 'ignored', reason: 'failed', recordId };
  const networkMessageId = typeof raw.NetworkMessageId === 'string' ? raw.NetworkMessageId.trim() : '';
  const releasedTo = typeof raw.ReleaseTo === 'string' ? raw.ReleaseTo.trim() : '';
  const releasedAt = parseAuditTime(raw.CreationTime);
  if (!isGuid(recordId) && !/^[\w-]{8,100}$/.test(recordId)) return { kind: 'ignored', reason: 'malformed', recordId: '' };
  if (!isGuid(networkMessageId) || !releasedAt || releasedTo === '' || releasedTo.length > 320) return { kind: 'ignored', reason: 'malformed', recordId };
  const userId = typeof raw.UserId === 'string' ? raw.UserId.trim() : '';
  const system = SYSTEM_USERS.test(userId) || userId === '' || (Number(raw.UserType) === 4 && !userId.includes('@'));
  return {
    kind: 'release',
    event: { recordId, networkMessageId: networkMessageId.toLowerCase(), releasedTo: releasedTo.toLowerCase(), releasedBy: system ? undefined : userId, releasedAt },
  };
}
