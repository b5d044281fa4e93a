/**
 * The activity report's vocabulary: what one quarantine audit record counts as. Pure; records are
 * untrusted Audit.General items (mostly other workloads), so nothing here throws.
 */
import { cleanText } from '../text/clean';

export const ACTIVITY_KINDS = ['release', 'delete', 'preview', 'export', 'viewHeader', 'releaseRequest', 'denyRelease'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
/** A quarantine record whose RequestType is unknown (6, absent, new values) is counted apart, never dropped silently. */
export type CountedKind = ActivityKind | 'other';

export type Actor = { kind: 'user'; account: string } | { kind: 'system' };

export interface QuarantineActivity {
  /** The audit record's Id, trimmed and lower-cased: the only dedupe key (never a hash of the JSON). */
  id: string;
  /** UTC day of CreationTime, YYYY-MM-DD. */
  day: string;
  kind: CountedKind;
  failed: boolean;
  actor: Actor;
  /** Done under one of the product's own identities (its header reads for deciding who to tell). */
  appOwn: boolean;
}

const QUARANTINE_RECORD_TYPE = 65;
/** RequestType numbers (Management Activity API schema; 7 documented in 2023, later dropped from the page). */
const KIND_BY_REQUEST_TYPE: Readonly<Record<number, ActivityKind>> = {
  0: 'preview',
  1: 'delete',
  2: 'release',
  3: 'export',
  4: 'viewHeader',
  5: 'releaseRequest',
  7: 'denyRelease',
};
/** Success only by an allow-list of observed spellings: an unknown status must not inflate the counts. */
const SUCCESS_RESULTS = new Set(['successful', 'succeeded', 'success', 'true']);
const SYSTEM_USER = /^system release$/i;
const SYSTEM_USER_TYPE = 4;
const RECORD_ID = /^[\w-]{8,100}$/;
/** UPNs are at most 113 characters; anything far longer is not an account name and is cut. */
const MAX_ACCOUNT_CHARS = 256;
/** Fields that may carry the calling application's identity on app-only records. */
const APP_ID_FIELDS = ['UserId', 'AppId', 'ApplicationId', 'ClientAppId', 'ClientAppName'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** CreationTime is UTC without a zone suffix ("2026-08-21T09:15:42"); a suffix, if ever present, is honoured. */
export function auditDay(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(value)) return undefined;
  // V8 rolls 30 February over into March: the calendar date itself must exist.
  const datePart = value.slice(0, 10);
  const midnight = Date.parse(`${datePart}T00:00:00Z`);
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== datePart) return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Normalises the product's own identities (client id, object id, app name) for comparison. */
export function ownIdentitySet(identities: Iterable<string>): ReadonlySet<string> {
  const set = new Set<string>();
  for (const identity of identities) {
    const normalised = identity.trim().toLowerCase();
    if (normalised !== '') set.add(normalised);
  }
  return set;
}

/** Whether an Id is a usable dedupe key (GUIDs, and the other id shapes the feed has used). */
export function isRecordId(value: string): boolean {
  return RECORD_ID.test(value);
}

/**
 * Classifies one audit record: undefined for anything that is not a well-formed quarantine record
 * (other workloads, no Id, no CreationTime).
 */
export function classifyQuarantineRecord(raw: unknown, ownIdentities: ReadonlySet<string> = new Set()): QuarantineActivity | undefined {
  if (!isRecord(raw)) return undefined;
  const quarantine = raw.RecordType === QUARANTINE_RECORD_TYPE || raw.RecordType === String(QUARANTINE_RECORD_TYPE) || (typeof raw.Workload === 'string' && raw.Workload.trim().toLowerCase() === 'quarantine');
  if (!quarantine) return undefined;
  const id = typeof raw.Id === 'string' ? raw.Id.trim().toLowerCase() : '';
  if (!isRecordId(id)) return undefined;
  const day = auditDay(raw.CreationTime);
  if (!day) return undefined;

  const requestType = typeof raw.RequestType === 'number' ? raw.RequestType : typeof raw.RequestType === 'string' && /^\d{1,3}$/.test(raw.RequestType.trim()) ? Number(raw.RequestType) : Number.NaN;
  const kind: CountedKind = Object.hasOwn(KIND_BY_REQUEST_TYPE, requestType) ? KIND_BY_REQUEST_TYPE[requestType] : 'other';

  const status = typeof raw.ResultStatus === 'string' ? raw.ResultStatus.trim().toLowerCase() : typeof raw.ResultStatus === 'boolean' ? String(raw.ResultStatus) : '';
  const failed = !SUCCESS_RESULTS.has(status);

  // Cleaned where it enters (text/clean.ts): a U+0001 in a UserId once broke the report's chart.
  const userId = cleanText(raw.UserId, MAX_ACCOUNT_CHARS).trim();
  const userType = Number(raw.UserType);
  // "System release" with UserType 4 is an automatic release. An empty UserId says nothing about who acted.
  const actor: Actor = SYSTEM_USER.test(userId) && (userType === SYSTEM_USER_TYPE || raw.UserType === undefined)
    ? { kind: 'system' }
    : { kind: 'user', account: userId === '' ? '(unknown)' : userId };

  const appOwn = ownIdentities.size > 0 && APP_ID_FIELDS.some((field) => {
    const value = raw[field];
    return typeof value === 'string' && ownIdentities.has(value.trim().toLowerCase());
  });
  return { id, day, kind, failed, actor, appOwn };
}
