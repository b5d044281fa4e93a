/**
 * Factories for synthetic Microsoft 365 data: Get-QuarantineMessage rows and unified audit log
 * records (Audit.General content). Every value is invented (contoso/fabrikam); the field names,
 * types and formats are the real ones (see shared/reference/microsoft-365-apis.md).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditRecord, QuarantineRow } from './tenant';

const DAY_MS = 24 * 60 * 60 * 1000;
export const PLACEHOLDER_ORGANIZATION = '00000000-0000-0000-0000-000000000001';

/** Exchange's DateTime format: 7 fractional digits and an explicit offset, e.g. 2026-08-20T14:02:11.1230000+00:00. */
export function exchangeTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');
}

/** The audit log's CreationTime format: UTC without a zone suffix, e.g. 2026-08-21T09:15:42. */
export function auditTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

export interface QuarantineRowOverrides extends Partial<QuarantineRow> {
  /** Sets ReceivedTime (and Expires, 30 days later, unless Expires is given). Default: an hour ago. */
  receivedAt?: Date;
  /** Sets the first half of Identity (the NetworkMessageId). Default: a new GUID. */
  networkMessageId?: string;
}

/**
 * A complete outbound Get-QuarantineMessage row held by a mail-flow rule, with the type-hint keys
 * the wire carries. Override any field; RecipientCount follows RecipientAddress unless given.
 */
export function quarantineRow(overrides: QuarantineRowOverrides = {}): QuarantineRow {
  const { receivedAt, networkMessageId, ...fields } = overrides;
  const received = receivedAt ?? (fields.ReceivedTime ? new Date(parseExchangeTime(fields.ReceivedTime)) : new Date(Date.now() - 60 * 60 * 1000));
  const recipients = fields.RecipientAddress ?? ['bob@fabrikam.example'];
  const sender = fields.SenderAddress ?? 'alice@contoso.com';
  const senderDomain = sender.split('@')[1] || 'contoso.com';
  const base: QuarantineRow = {
    Identity: `${networkMessageId ?? randomUUID()}\\${randomUUID()}`,
    'ReceivedTime@data.type': 'System.DateTime',
    ReceivedTime: exchangeTime(received),
    Organization: PLACEHOLDER_ORGANIZATION,
    MessageId: `<${randomBytes(8).toString('hex').toUpperCase()}.${senderDomain}@${senderDomain}>`,
    SenderAddress: sender,
    'RecipientAddress@odata.type': '#Collection(String)',
    RecipientAddress: recipients,
    Subject: 'Q3 pricing sheet',
    'Size@data.type': 'System.Int32',
    Size: 48211,
    Type: 'TransportRule',
    PolicyType: 'ExchangeTransportRule',
    PolicyName: 'Quarantine outbound attachments to external',
    TagName: 'AdminOnlyAccessPolicy',
    PermissionToRelease: false,
    Released: false,
    ReleaseStatus: 'NOTRELEASED',
    SystemReleased: false,
    RecipientCount: recipients.length,
    QuarantineTypes: 'TransportRule',
    'Expires@data.type': 'System.DateTime',
    Expires: exchangeTime(new Date(received.getTime() + 30 * DAY_MS)),
    RecipientTag: [],
    DeletedForRecipients: [],
    QuarantinedUser: [],
    ReleasedUser: [],
    Reported: false,
    Direction: 'Outbound',
    EntityType: 'Email',
    ReleasedCount: 0,
    ReleasedBy: [],
  };
  return { ...base, ...fields };
}

/** Parses Exchange's DateTime strings (any number of fractional digits; no zone means UTC) to epoch ms. */
export function parseExchangeTime(value: string): number {
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return Number.NaN;
  const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  return Date.parse(zoned);
}

export type AuditRecordOverrides = Partial<AuditRecord> & {
  /** Sets CreationTime. Default: now. */
  at?: Date;
};

function withTime(overrides: AuditRecordOverrides): Partial<AuditRecord> {
  const { at, ...fields } = overrides;
  return at ? { ...fields, CreationTime: auditTime(at) } : fields;
}

function userKey(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** The fields every audit record carries. */
function commonRecord(fields: Pick<AuditRecord, 'Operation' | 'RecordType' | 'Workload' | 'UserKey' | 'UserType' | 'UserId'>): AuditRecord {
  return {
    CreationTime: auditTime(new Date()),
    Id: randomUUID(),
    Operation: fields.Operation,
    OrganizationId: PLACEHOLDER_ORGANIZATION,
    RecordType: fields.RecordType,
    UserKey: fields.UserKey,
    UserType: fields.UserType,
    Version: 1,
    Workload: fields.Workload,
    UserId: fields.UserId,
  };
}

/**
 * An audit record with the common schema fields. Without overrides it is a SharePoint
 * FileAccessed record: noise the notifier must skip.
 */
export function auditRecord(overrides: AuditRecordOverrides = {}): AuditRecord {
  return {
    ...commonRecord({
      Operation: 'FileAccessed',
      RecordType: 6,
      Workload: 'SharePoint',
      UserKey: `i:0h.f|membership|${userKey().toLowerCase()}@live.com`,
      UserType: 0,
      UserId: 'carol@contoso.com',
    }),
    ClientIP: '203.0.113.17',
    ObjectId: 'https://contoso.sharepoint.com/sites/finance/Shared Documents/Q3 pricing.xlsx',
    ...withTime(overrides),
  };
}

/** The audit log's name for a release done by Microsoft 365 itself (UserType 4). */
export const SYSTEM_RELEASE_USER = 'System release';

/** Quarantine operations and the RequestType each carries. */
export const QUARANTINE_REQUEST_TYPES = {
  QuarantinePreviewMessage: 0,
  QuarantineDeleteMessage: 1,
  QuarantineReleaseMessage: 2,
  QuarantineExportMessage: 3,
  QuarantineViewHeader: 4,
  QuarantineReleaseRequest: 5,
} as const;

export type QuarantineOperation = keyof typeof QUARANTINE_REQUEST_TYPES;

/** A Quarantine workload record (RecordType 65) for any quarantine operation, done by an admin in the portal. */
export function quarantineRecord(operation: QuarantineOperation, overrides: AuditRecordOverrides = {}): AuditRecord {
  const common = commonRecord({
    Operation: operation,
    RecordType: 65,
    Workload: 'Quarantine',
    UserKey: userKey(),
    UserType: 2,
    UserId: 'secadmin@contoso.com',
  });
  // Field order as the wire has it: ResultStatus sits between RecordType and UserKey.
  const { CreationTime, Id, Operation, OrganizationId, RecordType, ...rest } = common;
  return {
    CreationTime,
    Id,
    Operation,
    OrganizationId,
    RecordType,
    ResultStatus: 'Successful',
    ...rest,
    NetworkMessageId: randomUUID(),
    RequestType: QUARANTINE_REQUEST_TYPES[operation],
    RequestSource: 0,
    ...withTime(overrides),
  };
}

/**
 * A QuarantineReleaseMessage record (RequestType 2), like the reference's sample: set
 * NetworkMessageId and ReleaseTo; UserId defaults to an admin. For a release by Microsoft 365 use
 * systemReleaseRecord; for a failed one set ResultStatus: 'Failed'.
 */
export function releaseRecord(overrides: AuditRecordOverrides = {}): AuditRecord {
  const system = overrides.UserId === SYSTEM_RELEASE_USER;
  return quarantineRecord('QuarantineReleaseMessage', {
    ReleaseTo: 'bob@fabrikam.example',
    ...(system ? { UserType: 4, UserKey: SYSTEM_RELEASE_USER } : {}),
    ...overrides,
  });
}

/** A release done by Microsoft 365 itself: UserId "System release", UserType 4. */
export function systemReleaseRecord(overrides: AuditRecordOverrides = {}): AuditRecord {
  return releaseRecord({ UserId: SYSTEM_RELEASE_USER, UserType: 4, UserKey: SYSTEM_RELEASE_USER, ...overrides });
}

/** An Entra sign-in (AzureActiveDirectory UserLoggedIn, RecordType 15). */
export function signInRecord(overrides: AuditRecordOverrides = {}): AuditRecord {
  const common = commonRecord({
    Operation: 'UserLoggedIn',
    RecordType: 15,
    Workload: 'AzureActiveDirectory',
    UserKey: randomUUID(),
    UserType: 0,
    UserId: 'alice@contoso.com',
  });
  return {
    ...common,
    ResultStatus: 'Success',
    ClientIP: '198.51.100.23',
    ObjectId: '00000003-0000-0ff1-ce00-000000000000',
    AzureActiveDirectoryEventType: 1,
    ...withTime(overrides),
  };
}

/** A SharePoint FileAccessed record (RecordType 6). */
export function fileAccessedRecord(overrides: AuditRecordOverrides = {}): AuditRecord {
  return auditRecord(overrides);
}

/** A Teams record (MicrosoftTeams MessageSent, RecordType 25): the bulk of a real Audit.General feed. */
export function teamsRecord(overrides: AuditRecordOverrides = {}): AuditRecord {
  return {
    ...commonRecord({
      Operation: 'MessageSent',
      RecordType: 25,
      Workload: 'MicrosoftTeams',
      UserKey: randomUUID(),
      UserType: 0,
      UserId: 'carol@contoso.com',
    }),
    CommunicationType: 'Channel',
    ...withTime(overrides),
  };
}

/**
 * `count` records the notifier must ignore: other quarantine operations (preview, delete, export,
 * view header, release request), a failed release, sign-ins, SharePoint and Teams activity.
 */
export function noiseRecords(count: number, overrides: AuditRecordOverrides = {}): AuditRecord[] {
  const makers: Array<(o: AuditRecordOverrides) => AuditRecord> = [
    (o) => quarantineRecord('QuarantinePreviewMessage', o),
    (o) => signInRecord(o),
    (o) => quarantineRecord('QuarantineDeleteMessage', o),
    (o) => fileAccessedRecord(o),
    (o) => quarantineRecord('QuarantineExportMessage', o),
    (o) => teamsRecord(o),
    (o) => quarantineRecord('QuarantineViewHeader', o),
    (o) => releaseRecord({ ResultStatus: 'Failed', ...o }),
    (o) => quarantineRecord('QuarantineReleaseRequest', { UserId: 'alice@contoso.com', UserType: 0, ...o }),
  ];
  return Array.from({ length: count }, (_, index) => makers[index % makers.length](overrides));
}
