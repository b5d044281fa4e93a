/**
 * The simulated tenant's state: what the four services read and tests arrange. Plain data and
 * small stores; no HTTP here.
 */
import { randomBytes } from 'node:crypto';
import { quarantineRecord, releaseRecord, SYSTEM_RELEASE_USER } from './fixtures';
import { messageHeader, type MessageOrigin } from './headers';
import type { ServiceName } from './router';

/** One row of Get-QuarantineMessage (Summary mode), field for field as the wire carries it. */
export interface QuarantineRow {
  Identity: string;
  'ReceivedTime@data.type'?: string;
  ReceivedTime: string;
  Organization: string;
  MessageId: string;
  SenderAddress: string;
  'RecipientAddress@odata.type'?: string;
  RecipientAddress: string[];
  Subject: string;
  'Size@data.type'?: string;
  Size: number;
  Type: string;
  PolicyType: string;
  PolicyName: string;
  TagName: string;
  PermissionToRelease: boolean;
  Released: boolean;
  ReleaseStatus: string;
  SystemReleased: boolean;
  RecipientCount: number;
  QuarantineTypes: string;
  'Expires@data.type'?: string;
  Expires: string;
  RecipientTag: string[];
  DeletedForRecipients: string[];
  QuarantinedUser: string[];
  ReleasedUser: string[];
  Reported: boolean;
  Direction: string;
  EntityType: string;
  ReleasedCount: number;
  ReleasedBy: string[];
}

/** One unified audit log record (AuditData) as a content blob carries it. */
export interface AuditRecord {
  /** UTC without a zone suffix, e.g. 2026-08-21T09:15:42. */
  CreationTime: string;
  Id: string;
  Operation: string;
  OrganizationId: string;
  RecordType: number;
  ResultStatus?: string;
  UserKey: string;
  UserType: number;
  Version: number;
  Workload: string;
  UserId: string;
  [field: string]: unknown;
}

export interface GraphRecipient {
  emailAddress: { address: string; name?: string };
}

/** The `message` of a sendMail body, as the client sent it (validated). */
export interface GraphMessage {
  subject?: string;
  body?: { contentType: string; content: string };
  toRecipients?: GraphRecipient[];
  ccRecipients?: GraphRecipient[];
  bccRecipients?: GraphRecipient[];
  replyTo?: GraphRecipient[];
  internetMessageHeaders?: Array<{ name: string; value: string }>;
  [property: string]: unknown;
}

/** A single-value extended property as sendMail takes it: id 'String {guid} Name name'. */
export interface ExtendedProperty {
  id: string;
  value: string;
}

export interface SentMail {
  /** The sending mailbox, as listed in tenant.mailboxes. */
  mailbox: string;
  message: GraphMessage;
  /** As sent; Graph's default (true) when the body left it out. */
  saveToSentItems: boolean;
  at: Date;
  /** The id of its Sent Items copy, when saveToSentItems. */
  sentItemId?: string;
}

/** The copy of an accepted message in the sender mailbox's Sent Items. */
export interface SentItem {
  id: string;
  /** The mailbox, as listed in tenant.mailboxes. */
  mailbox: string;
  subject: string;
  createdDateTime: string;
  sentDateTime: string;
  toRecipients: GraphRecipient[];
  ccRecipients: GraphRecipient[];
  bccRecipients: GraphRecipient[];
  singleValueExtendedProperties: ExtendedProperty[];
  /** Listed from this instant on: Sent Items shows a message some time after the 202. */
  visibleAt: Date;
}

/** Every mailbox's Sent Items; an item is listed once its visibleAt has passed. */
export class SentItems {
  readonly items: SentItem[] = [];

  add(item: SentItem): void {
    this.items.push(item);
  }

  /** What Graph lists for the mailbox now, newest first. */
  visible(mailbox: string, now: Date = new Date()): SentItem[] {
    const wanted = mailbox.toLowerCase();
    return this.items
      .filter((item) => item.mailbox.toLowerCase() === wanted && item.visibleAt.getTime() <= now.getTime())
      .sort((a, b) => b.sentDateTime.localeCompare(a.sentDateTime) || b.id.localeCompare(a.id));
  }

  clear(): void {
    this.items.length = 0;
  }
}

export interface RecordedRequest {
  service: ServiceName;
  method: string;
  /** As sent, still percent-encoded. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: unknown;
  /** 0 while the request is still in flight. */
  status: number;
  at: Date;
  /** The tenant whose world answered (path tenant, or Graph's token tid); undefined when none was named. */
  tenantId?: string;
}

/**
 * What the app registration has been granted. Checked when each request arrives (not frozen into
 * the token), so a test can change a grant between two calls of one client.
 */
export interface Grants {
  /** Application permission Exchange.ManageAsApp. */
  exchangeManageAsApp: boolean;
  /** An Entra directory role (e.g. Security Reader) on the service principal. */
  exchangeDirectoryRole: boolean;
  /** Application permission ActivityFeed.Read on the Office 365 Management APIs. */
  activityFeedRead: boolean;
  /** Mail.Send: none, tenant-wide consent, or an Exchange RBAC scope holding these mailboxes. */
  mailSend: 'none' | 'tenant' | string[];
  /**
   * Mail.Read (reading Sent Items with extended properties): none, tenant-wide consent, or the
   * RBAC for Applications role 'Application Mail.Read' with a scope holding these mailboxes.
   */
  mailRead: 'none' | 'tenant' | string[];
  /** Whether the directory role lets the app run Get-QuarantineMessageHeader (unconfirmed for Security Reader). */
  quarantineHeaderRead: boolean;
  /** Graph application permission ThreatHunting.Read.All (advanced hunting; optional). */
  threatHuntingRead: boolean;
}

/** Whether a mailbox grant (Mail.Send, Mail.Read) covers this mailbox. */
export function grantCovers(grant: 'none' | 'tenant' | string[], mailbox: string): boolean {
  if (grant === 'tenant') return true;
  if (grant === 'none') return false;
  return grant.some((scoped) => scoped.toLowerCase() === mailbox.toLowerCase());
}

/** What Get-QuarantineMessageHeader answers for a row: its origin's header, or exact text. */
export interface HeaderChoice {
  /** Build a real-shaped header for this origin (default: what the row's Direction suggests). */
  origin?: MessageOrigin;
  /** The exact header text, for hostile cases (see headers.hostileHeader). */
  header?: string;
}

export class QuarantineStore {
  private readonly list: QuarantineRow[] = [];
  /** Per lower-case Identity: how its header is made. Not part of the row: Get-QuarantineMessage never shows it. */
  private readonly headers = new Map<string, HeaderChoice>();

  constructor(private readonly tenantId: string) {}

  /**
   * Adds rows (as made by fixtures.quarantineRow). Identities must be unique. `header` chooses what
   * Get-QuarantineMessageHeader answers for each of them (default: a header of the origin the
   * row's Direction suggests).
   */
  add(rows: QuarantineRow | QuarantineRow[], header: HeaderChoice = {}): void {
    // One set per call, not a scan per row: tests add thousands of rows at once.
    const known = new Set(this.list.map((existing) => existing.Identity.toLowerCase()));
    for (const row of Array.isArray(rows) ? rows : [rows]) {
      if (known.has(row.Identity.toLowerCase()))
        throw new Error(`quarantine.add: a row with Identity ${row.Identity} already exists`);
      known.add(row.Identity.toLowerCase());
      this.list.push(structuredClone(row));
      this.headers.set(row.Identity.toLowerCase(), { ...header });
    }
  }

  /** Changes what Get-QuarantineMessageHeader answers for a row. */
  setHeader(identity: string, header: HeaderChoice): void {
    if (!this.find(identity)) throw new Error(`quarantine.setHeader: no row with Identity ${identity}`);
    this.headers.set(identity.toLowerCase(), { ...header });
  }

  /** The raw header text of a row (built from the row as it is now), or undefined for an unknown row. */
  header(identity: string): string | undefined {
    const row = this.find(identity);
    if (!row) return undefined;
    const choice = this.headers.get(identity.toLowerCase()) ?? {};
    return choice.header ?? messageHeader(row, { origin: choice.origin, tenantId: this.tenantId });
  }

  /** The stored rows, live: changing one changes what Get-QuarantineMessage returns. */
  get rows(): QuarantineRow[] {
    return this.list;
  }

  find(identity: string): QuarantineRow | undefined {
    const wanted = identity.toLowerCase();
    return this.list.find((row) => row.Identity.toLowerCase() === wanted);
  }

  remove(identity: string): void {
    const row = this.find(identity);
    if (row) this.list.splice(this.list.indexOf(row), 1);
    this.headers.delete(identity.toLowerCase());
  }

  clear(): void {
    this.list.length = 0;
    this.headers.clear();
  }

  /**
   * Deletes a row from quarantine, as an admin would: the copy leaves the listing and a
   * QuarantineDeleteMessage record (RequestType 1) is returned, NOT published: publish it with the
   * delay the test wants, late, or never (auditing off).
   */
  delete(identity: string, opts: { by?: string; at?: Date } = {}): AuditRecord[] {
    const row = this.find(identity);
    if (!row) throw new Error(`quarantine.delete: no row with Identity ${identity}`);
    this.remove(identity);
    return [
      quarantineRecord('QuarantineDeleteMessage', {
        NetworkMessageId: row.Identity.split('\\')[0],
        UserId: opts.by ?? 'secadmin@contoso.com',
        OrganizationId: this.tenantId,
        at: opts.at,
      }),
    ];
  }

  /**
   * Changes what the listing says about a copy's release without any audit record, as a release by a
   * path the feed does not carry would (Explorer "Take action", a system release, auditing off).
   */
  setReleaseState(identity: string, state: { releasedTo: string[]; by?: string[] }): void {
    const row = this.find(identity);
    if (!row) throw new Error(`quarantine.setReleaseState: no row with Identity ${identity}`);
    const released = state.releasedTo.length > 0;
    row.Released = released;
    row.ReleaseStatus = released ? 'RELEASED' : 'NOTRELEASED';
    row.ReleasedUser = [...state.releasedTo];
    row.ReleasedCount = state.releasedTo.length;
    row.ReleasedBy = [...(state.by ?? [])];
  }

  /**
   * Marks a row released, as an admin (or Microsoft 365, with by: 'System release') would, and
   * returns the audit records that release produces: one per released recipient. They are NOT
   * published: pass them to sim.audit.publish with the delay the test wants.
   */
  release(identity: string, releasedTo?: string | string[], opts: { by?: string; at?: Date } = {}): AuditRecord[] {
    const row = this.find(identity);
    if (!row) throw new Error(`quarantine.release: no row with Identity ${identity}`);
    const recipients =
      releasedTo === undefined ? [...row.RecipientAddress] : Array.isArray(releasedTo) ? releasedTo : [releasedTo];
    const by = opts.by ?? 'secadmin@contoso.com';
    const system = by === SYSTEM_RELEASE_USER;

    row.Released = true;
    row.ReleaseStatus = 'RELEASED';
    row.ReleasedUser = unique([...row.ReleasedUser, ...recipients]);
    row.ReleasedCount = row.ReleasedUser.length;
    if (system) row.SystemReleased = true;
    else row.ReleasedBy = unique([...row.ReleasedBy, by]);

    const networkMessageId = row.Identity.split('\\')[0];
    return recipients.map((recipient) =>
      releaseRecord({
        NetworkMessageId: networkMessageId,
        ReleaseTo: recipient,
        UserId: by,
        UserType: system ? 4 : 2,
        OrganizationId: this.tenantId,
        at: opts.at,
      }),
    );
  }
}

function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Accepted domains and mailboxes of a tenant whose default domain is `domain`. */
function defaultsFor(domain: string): { acceptedDomains: string[]; mailboxes: string[] } {
  const label = domain.split('.')[0];
  return {
    acceptedDomains: [domain, `${label}.onmicrosoft.com`],
    mailboxes: ['quarantine-notices', 'alice', 'carol', 'secadmin'].map((name) => `${name}@${domain}`),
  };
}

export class Tenant {
  /** Get-AcceptedDomain answers these; the first is the default domain. */
  acceptedDomains: string[];
  /** Mailboxes that exist, for sendMail. */
  mailboxes: string[];
  readonly quarantine: QuarantineStore;

  /** @param domain the default domain (contoso.com for the home tenant): its mailboxes are quarantine-notices@, alice@, carol@, secadmin@. */
  constructor(
    readonly tenantId: string,
    readonly domain = 'contoso.com',
  ) {
    this.quarantine = new QuarantineStore(tenantId);
    const defaults = defaultsFor(domain);
    this.acceptedDomains = defaults.acceptedDomains;
    this.mailboxes = defaults.mailboxes;
  }

  /** Back to the defaults: no quarantine rows, the default domains and mailboxes. */
  reset(): void {
    this.quarantine.clear();
    const defaults = defaultsFor(this.domain);
    this.acceptedDomains = defaults.acceptedDomains;
    this.mailboxes = defaults.mailboxes;
  }

  /** Whether a tenant path segment names this tenant: its GUID or one of its domains. */
  isNamedBy(segment: string): boolean {
    const value = segment.toLowerCase();
    return (
      value === this.tenantId.toLowerCase() || this.acceptedDomains.some((domain) => domain.toLowerCase() === value)
    );
  }

  findMailbox(address: string): string | undefined {
    const wanted = address.toLowerCase();
    return this.mailboxes.find((mailbox) => mailbox.toLowerCase() === wanted);
  }
}

export const AUDIT_CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'DLP.All',
] as const;

export interface AuditBlob {
  contentId: string;
  contentType: string;
  /** Decides which listing window lists the blob. */
  contentCreated: Date;
  /** The blob is not listed (nor fetchable) before this instant. */
  availableAt: Date;
  records: unknown[];
  /** Publication order, to break ties. */
  sequence: number;
}

export interface PublishOptions {
  contentCreated?: Date;
  availableAt?: Date;
  /** Default Audit.General. */
  contentType?: string;
}

/** The unified audit log as the Management Activity API sees it: subscriptions and content blobs. */
export class AuditLog {
  /** Unified audit logging is on for the tenant; when off, nothing can be subscribed or listed. */
  auditingEnabled = true;
  /** Most items a /subscriptions/content page lists. */
  pageSize = 20;
  /** How long after a Get-QuarantineMessageHeader call its ViewHeader record becomes listable. */
  headerReadLatencyMs = 0;
  readonly blobs: AuditBlob[] = [];
  private readonly subscriptions = new Set<string>();
  private sequence = 0;

  /** Whether the Audit.General subscription is started. */
  get subscriptionEnabled(): boolean {
    return this.subscriptions.has('Audit.General');
  }

  set subscriptionEnabled(enabled: boolean) {
    if (enabled) this.subscriptions.add('Audit.General');
    else this.subscriptions.delete('Audit.General');
  }

  /** Back to the defaults: no blobs, no subscriptions, auditing on, pages of 20. */
  reset(): void {
    this.blobs.length = 0;
    this.subscriptions.clear();
    this.auditingEnabled = true;
    this.pageSize = 20;
    this.headerReadLatencyMs = 0;
  }

  isSubscribed(contentType: string): boolean {
    return this.subscriptions.has(contentType);
  }

  subscribe(contentType: string): void {
    this.subscriptions.add(contentType);
  }

  unsubscribe(contentType: string): void {
    this.subscriptions.delete(contentType);
  }

  subscribedContentTypes(): string[] {
    return [...this.subscriptions];
  }

  /**
   * Stores records as one content blob and returns its contentId. contentCreated decides which
   * listing window holds it (default: one second ago, so a window ending "now" surely includes it);
   * availableAt (default now) hides it until then, which is how audit latency is simulated.
   */
  publish(records: object[], opts: PublishOptions = {}): string {
    const now = new Date();
    const contentCreated = opts.contentCreated ?? new Date(now.getTime() - 1000);
    const contentType = opts.contentType ?? 'Audit.General';
    this.sequence += 1;
    const contentId = makeContentId(contentCreated, contentType);
    this.blobs.push({
      contentId,
      contentType,
      contentCreated: new Date(contentCreated),
      availableAt: new Date(opts.availableAt ?? now),
      records: JSON.parse(JSON.stringify(records)) as unknown[],
      sequence: this.sequence,
    });
    return contentId;
  }

  findBlob(contentId: string): AuditBlob | undefined {
    return this.blobs.find((blob) => blob.contentId === contentId);
  }
}

/** Content blobs are kept for 7 days after contentCreated. */
export const CONTENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:TZ.]/g, '');
}

/** Shaped like the real ids: `$`-separated, which a client must keep intact in contentUri. */
function makeContentId(created: Date, contentType: string): string {
  const expires = new Date(created.getTime() + CONTENT_RETENTION_MS);
  const type = contentType.replace(/\./g, '_');
  return `${stamp(created)}$${stamp(expires)}$${type.toLowerCase()}$${type}$na${randomBytes(6).toString('hex')}`;
}

/** Added to each handled request, so concurrent clients really overlap. */
export interface LatencySettings {
  exchange: number;
  management: number;
  graph: number;
}
