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
  const received =
    receivedAt ??
    (fields.ReceivedTime ? new Date(parseExchangeTime(fields.ReceivedTime)) : new Date(Date.now() - 60 * 60 * 1000));
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
function commonRecord(
  fields: Pick<AuditRecord, 'Operation' | 'RecordType' | 'Workload' | 'UserKey' | 'UserType' | 'UserId'>,
): AuditRecord {
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

/**
 * Quarantine operations and the RequestType each carries. On the wire: QuarantineReleaseMessage,
 * QuarantineRequestReleaseMessage and QuarantineDeleteMessage were captured; the others are
 * Microsoft's activity-table names (uncaptured), so clients classify by RequestType.
 */
export const QUARANTINE_REQUEST_TYPES = {
  QuarantinePreviewMessage: 0,
  QuarantineDeleteMessage: 1,
  QuarantineReleaseMessage: 2,
  QuarantineExportMessage: 3,
  QuarantineViewHeader: 4,
  /** The activity table's name for a release request; the wire carries QuarantineRequestReleaseMessage. */
  QuarantineReleaseRequest: 5,
  QuarantineRequestReleaseMessage: 5,
  /** Documented in 2023 (RequestType 7), later dropped from the page; name uncaptured. */
  QuarantineDenyReleaseMessage: 7,
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
    (o) => quarantineRecord('QuarantineRequestReleaseMessage', { UserId: 'alice@contoso.com', UserType: 0, ...o }),
  ];
  return Array.from({ length: count }, (_, index) => makers[index % makers.length](overrides));
}

export interface MassReleaseOptions {
  /** How many recipients the message had, all released; default 120. */
  recipients?: number;
  sender?: string;
  subject?: string;
  /** Who released it; default secadmin@contoso.com. */
  by?: string;
  /** When it was released; default 30 minutes ago. */
  releasedAt?: Date;
  /** When it was received; default 3 hours ago. */
  receivedAt?: Date;
  networkMessageId?: string;
  organizationId?: string;
  /** One row per recipient copy (default, as Get-QuarantineMessage lists them) or one row listing all. */
  rows?: 'per-recipient' | 'single';
}

export interface ReleasedMessage {
  networkMessageId: string;
  /** Get-QuarantineMessage rows, marked released: sim.tenant.quarantine.add(rows). */
  rows: QuarantineRow[];
  /** Its audit records: sim.audit.publish(records). */
  records: AuditRecord[];
}

/**
 * One outbound message to N recipients (120 by default) released to all: one audit record per
 * recipient, as Microsoft writes them. Each record alone is small; together they repeat the
 * recipient list N times in whatever a client derives from them.
 */
export function massRelease(options: MassReleaseOptions = {}): ReleasedMessage {
  const count = options.recipients ?? 120;
  const networkMessageId = (options.networkMessageId ?? randomUUID()).toLowerCase();
  const by = options.by ?? 'secadmin@contoso.com';
  const releasedAt = options.releasedAt ?? new Date(Date.now() - 30 * 60 * 1000);
  const receivedAt = options.receivedAt ?? new Date(Date.now() - 3 * 60 * 60 * 1000);
  const recipients = Array.from(
    { length: count },
    (_, i) => `member${String(i + 1).padStart(3, '0')}@fabrikam.example`,
  );
  const base = {
    SenderAddress: options.sender ?? 'alice@contoso.com',
    Subject: options.subject ?? 'Partner newsletter: autumn price list',
    networkMessageId,
    receivedAt,
    Released: true,
    ReleaseStatus: 'RELEASED',
    ReleasedBy: by === SYSTEM_RELEASE_USER ? [] : [by],
    SystemReleased: by === SYSTEM_RELEASE_USER,
  };
  const rows =
    options.rows === 'single'
      ? [quarantineRow({ ...base, RecipientAddress: recipients, ReleasedUser: recipients, ReleasedCount: count })]
      : recipients.map((recipient) =>
          quarantineRow({ ...base, RecipientAddress: [recipient], ReleasedUser: [recipient], ReleasedCount: 1 }),
        );
  const records = recipients.map((recipient, i) =>
    releaseRecord({
      NetworkMessageId: networkMessageId,
      ReleaseTo: recipient,
      UserId: by,
      ...(by === SYSTEM_RELEASE_USER ? { UserType: 4, UserKey: SYSTEM_RELEASE_USER } : {}),
      ...(options.organizationId ? { OrganizationId: options.organizationId } : {}),
      // Microsoft stamps a release to all within the same second or two.
      at: new Date(releasedAt.getTime() + Math.floor(i / 60) * 1000),
    }),
  );
  return { networkMessageId, rows, records };
}

/** CJK text of exactly `length` UTF-16 units (all in the BMP): 3 bytes each in UTF-8. */
export function cjkText(length: number): string {
  const phrase = '重要なお知らせ：アカウントの確認が必要です。至急ご対応ください。您的邮箱即将停用请立即验证账户信息';
  return phrase.repeat(Math.ceil(length / phrase.length)).slice(0, length);
}

export interface GiantSpamOptions {
  /** Recipient copies; default 100. */
  copies?: number;
  /** Subject length in characters; default 15,000. */
  subjectLength?: number;
  receivedAt?: Date;
  networkMessageId?: string;
  sender?: string;
}

/**
 * An inbound spam held for N recipients (100 by default), one Get-QuarantineMessage row per
 * recipient copy, each carrying a 15,000-character CJK subject: about 45 KB of UTF-8 per row, 4.5 MB
 * for the message, more than one Table Storage transaction (4 MiB) can carry.
 */
export function giantInboundSpam(options: GiantSpamOptions = {}): QuarantineRow[] {
  const copies = options.copies ?? 100;
  const networkMessageId = (options.networkMessageId ?? randomUUID()).toLowerCase();
  const subject = cjkText(options.subjectLength ?? 15_000);
  return Array.from({ length: copies }, (_, i) =>
    quarantineRow({
      networkMessageId,
      receivedAt: options.receivedAt,
      SenderAddress: options.sender ?? 'promo@spam-sender.example',
      RecipientAddress: [`user${String(i + 1).padStart(3, '0')}@contoso.com`],
      Subject: subject,
      Size: 96_000,
      Direction: 'Inbound',
      Type: 'Spam',
      QuarantineTypes: 'Spam',
      PolicyType: 'HostedContentFilterPolicy',
      PolicyName: 'Default',
      TagName: 'DefaultFullAccessPolicy',
      PermissionToRelease: true,
    }),
  );
}
