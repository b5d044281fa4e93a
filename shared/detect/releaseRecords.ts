import { isGuid, isMailboxAddress } from '../config/settings';
import type { ReleaseEvent } from '../domain/types';
import { isRecord } from '../http/json';
import { FIELD_CAPS } from '../jobs/budget';
import { cleanText } from '../text/clean';

export type RecordVerdict =
  | { kind: 'release'; event: ReleaseEvent }
  | { kind: 'ignored'; reason: IgnoreReason; recordId: string; resultStatus?: string };

/** 'failed': the ResultStatus is not one of the success spellings (Denied, Cancelled, missing, ...). */
export type IgnoreReason = 'not-a-release' | 'not-release-request' | 'failed' | 'malformed';

/**
 * ReleaseTo of a record that names no recipient (absent or empty): released to every original
 * recipient. Whether Exchange writes such records is unknown; they are not dropped as malformed.
 */
export const RELEASED_TO_ALL = '';

/** Request types of quarantine audit records; only 2 is a release that actually happened. */
const REQUEST_TYPE_RELEASE = 2;
/**
 * Success by allow-list: only spellings seen in audit records count. "Successful" is what quarantine
 * records carry; "Succeeded" / "Success" appear in other workloads' records; "True" is Exchange admin
 * activity's documented success value. Anything else (Failed, Denied, Unauthorized, Cancelled,
 * PartiallySucceeded, a missing value) is not a release that happened.
 */
const SUCCESS_RESULTS = /^(successful|succeeded|success|true)$/i;
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
  if (Number(raw.RequestType) !== REQUEST_TYPE_RELEASE)
    return { kind: 'ignored', reason: 'not-release-request', recordId };
  const resultStatus = typeof raw.ResultStatus === 'string' ? raw.ResultStatus.trim() : '';
  if (!SUCCESS_RESULTS.test(resultStatus))
    return { kind: 'ignored', reason: 'failed', recordId, resultStatus: resultStatus.slice(0, 40) };
  const networkMessageId = typeof raw.NetworkMessageId === 'string' ? raw.NetworkMessageId.trim() : '';
  const releasedTo =
    raw.ReleaseTo === undefined || raw.ReleaseTo === null
      ? RELEASED_TO_ALL
      : typeof raw.ReleaseTo === 'string'
        ? raw.ReleaseTo.trim()
        : undefined;
  const releasedAt = parseAuditTime(raw.CreationTime);
  if (!isGuid(recordId) && !/^[\w-]{8,100}$/.test(recordId))
    return { kind: 'ignored', reason: 'malformed', recordId: '' };
  // ReleaseTo is one SMTP address, or nothing (released to all); anything else cannot be trusted.
  if (
    !isGuid(networkMessageId) ||
    !releasedAt ||
    releasedTo === undefined ||
    (releasedTo !== RELEASED_TO_ALL && !isMailboxAddress(releasedTo))
  ) {
    return { kind: 'ignored', reason: 'malformed', recordId };
  }
  // Outside text cleaned where it enters (text/clean.ts): a U+0001 in a UserId reaches no renderer.
  const userId = cleanText(raw.UserId, FIELD_CAPS.address).trim();
  const system = SYSTEM_USERS.test(userId) || userId === '' || (Number(raw.UserType) === 4 && !userId.includes('@'));
  return {
    kind: 'release',
    event: {
      recordId,
      networkMessageId: networkMessageId.toLowerCase(),
      releasedTo: releasedTo.toLowerCase(),
      releasedBy: system ? undefined : userId,
      releasedAt,
      requestSource: requestSourceOf(raw.RequestSource),
    },
  };
}

/** RequestSource is documented as 0-2 and may be absent; anything else is not trusted. */
function requestSourceOf(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 9 ? n : undefined;
}
