import {
  parseHoldPolicies,
  parseNotifyOn,
  parseReleaseAuditWait,
  parseReviewContact,
  STORY_DEFAULTS,
  type Parsed,
  type StorySettings,
} from '../story/storySettings';
import { printable } from '../log/logger';

/**
 * Every setting the product reads, parsed and validated in one place. A missing or malformed
 * setting becomes a SettingsError whose message names the setting and shows a valid value, so an
 * admin can fix it from one log line.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class SettingsError extends Error {
  constructor(
    message: string,
    /** The setting at fault, so a preflight can say which checks it blocks. */
    readonly setting?: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** How the app reaches its storage account: a connection string, or its identity plus service URLs. */
export type StorageSettings =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableUrl: string; queueUrl: string | undefined; clientId: string | undefined };

export interface NotifyTemplateSettings {
  /** Subject line template; `{subject}` is replaced by the sanitised original subject. */
  subject: string | undefined;
  intro: string | undefined;
  footer: string | undefined;
  language: string;
  /** IANA time zone every time in the email is shown in (NOTIFY_TIME_ZONE); absent: UTC. */
  timeZone?: string;
  /** Show the releasing admin's address (NOTIFY_SHOW_RELEASER); absent: true. */
  showReleaser?: boolean;
  /** Show the quarantine policy's name (NOTIFY_SHOW_POLICY); absent: true. */
  showPolicy?: boolean;
  /** [story] NOTIFY_REVIEW_CONTACT, shown as written in hold, deletion and expiry notices; absent: none. */
  reviewContact?: string;
}

export interface Settings {
  tenantId: string;
  exchangeEndpoint: string;
  managementEndpoint: string;
  graphEndpoint: string;
  /** Set when AZURE_AUTHORITY_HOST names a sign-in host that is not one of Microsoft's clouds. */
  authorityHost: string | undefined;
  disableInstanceDiscovery: boolean;
  storage: StorageSettings;
  snapshotSchedule: string;
  releasesSchedule: string;
  notifyReleasesSince: Date | undefined;
  notifySenderMailbox: string | undefined;
  notifyMaxPerMinute: number;
  /** Emails a day the sender mailbox may send (NOTIFY_MAX_PER_DAY); the rest waits for the next UTC day. */
  notifyMaxPerDay: number;
  notifySaveToSentItems: boolean;
  notifyDryRun: boolean;
  /** The security team's alerts (ALERT_*); recipients empty: alerts are off. */
  alerts: { recipients: string[]; riskyTypes: string[]; burstReleases: number; releasedToOther: boolean };
  /** Who is told when the product cannot do its job (HEALTH_RECIPIENTS, default ALERT_RECIPIENTS), and after how long. */
  health: { recipients: string[]; afterMinutes: number };
  template: NotifyTemplateSettings;
  /** Who gets the weekly activity report (REPORT_RECIPIENTS); empty: no report is sent. */
  reportRecipients: string[];
  reportSchedule: string;
  /**
   * The app's own identities (AZURE_CLIENT_ID, the storage identity's client id), lower-case: the
   * activity report tells its own header reads apart from the admins' by these.
   */
  ownIdentities: string[];
  /** The held message's whole story (issue 22): NOTIFY_ON, NOTIFY_HOLD_POLICIES, NOTIFY_REVIEW_CONTACT, RELEASE_AUDIT_WAIT_MINUTES. */
  story: StorySettings;
}

/** Names of every setting the product reads. infra/ and local.settings.sample.json must set exactly these. */
export const SETTING_NAMES = [
  'AzureWebJobsStorage',
  'M365_TENANT_ID',
  'EXCHANGE_ENDPOINT',
  'MANAGEMENT_ENDPOINT',
  'GRAPH_ENDPOINT',
  'AZURE_AUTHORITY_HOST',
  'SNAPSHOT_SCHEDULE',
  'RELEASES_SCHEDULE',
  'NOTIFY_RELEASES_SINCE',
  'NOTIFY_SENDER_MAILBOX',
  'NOTIFY_MAX_PER_MINUTE',
  'NOTIFY_MAX_PER_DAY',
  'NOTIFY_SAVE_TO_SENT_ITEMS',
  'NOTIFY_DRY_RUN',
  'NOTIFY_SUBJECT',
  'NOTIFY_INTRO',
  'NOTIFY_FOOTER',
  'NOTIFY_LANGUAGE',
  'NOTIFY_TIME_ZONE',
  'NOTIFY_SHOW_RELEASER',
  'NOTIFY_SHOW_POLICY',
  // Addresses told when the app cannot do its job; infra/ also sends its Azure Monitor alert there.
  'HEALTH_RECIPIENTS',
  'ALERT_RECIPIENTS',
  'ALERT_RISKY_TYPES',
  'ALERT_BURST_RELEASES',
  'ALERT_RELEASED_TO_OTHER',
  'HEALTH_ALERT_AFTER_MINUTES',
  // The weekly activity report: who gets it, and when.
  'REPORT_RECIPIENTS',
  'REPORT_SCHEDULE',
  // The message's whole story: which events are told, and how long a listing-only release waits for its audit record.
  'NOTIFY_ON',
  'NOTIFY_HOLD_POLICIES',
  'NOTIFY_REVIEW_CONTACT',
  'RELEASE_AUDIT_WAIT_MINUTES',
] as const;

export const DEFAULTS = {
  EXCHANGE_ENDPOINT: 'https://outlook.office365.com',
  MANAGEMENT_ENDPOINT: 'https://manage.office.com',
  GRAPH_ENDPOINT: 'https://graph.microsoft.com',
  SNAPSHOT_SCHEDULE: '0 */15 * * * *',
  RELEASES_SCHEDULE: '0 */10 * * * *',
  NOTIFY_MAX_PER_MINUTE: 30,
  // Exchange blocks a mailbox past 10,000 recipients a day; this leaves room for anything else it sends.
  NOTIFY_MAX_PER_DAY: 3000,
  ALERT_RISKY_TYPES: 'Malware,HighConfPhish,Phish',
  ALERT_BURST_RELEASES: 20,
  HEALTH_ALERT_AFTER_MINUTES: 120,
  // Reconciliation finds a send whose answer was lost in Sent Items; it is also the admin's record.
  NOTIFY_SAVE_TO_SENT_ITEMS: true,
  NOTIFY_LANGUAGE: 'en',
  NOTIFY_TIME_ZONE: 'UTC',
  // Mondays 07:00 UTC: the week's report is in the inbox when the week starts.
  REPORT_SCHEDULE: '0 0 7 * * 1',
} as const;

export const SUPPORTED_LANGUAGES = ['en', 'de', 'fr', 'es', 'nl'] as const;

/** Sign-in hosts of Microsoft's clouds; instance discovery only works against these. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Deliberately plain: one @, no spaces, no control characters, a dotted domain.
const MAILBOX = /^[^\s@<>",;:\\()[\]\u0000-\u001f\u007f]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function isMailboxAddress(value: string): boolean {
  return value.length <= 320 && MAILBOX.test(value);
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function fail(name: string, value: string, expected: string): never {
  throw new SettingsError(`Setting ${name} is invalid (got "${printable(value, 57)}"): expected ${expected}.`, name);
}

/** An https origin (or http/https on loopback, where the simulator and Azurite live). */
export function parseEndpoint(env: Env, name: keyof typeof DEFAULTS & `${string}_ENDPOINT`): string {
  const raw = text(env, name) ?? DEFAULTS[name];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(name, raw, 'an https URL such as ' + DEFAULTS[name]);
  }
  if (
    url.protocol !== 'https:' ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search ||
    url.hash ||
    url.username
  ) {
    fail(name, raw, 'an https origin without path or query, such as ' + DEFAULTS[name]);
  }
  return url.origin;
}

function parseAuthorityHost(env: Env): { authorityHost: string | undefined; disableInstanceDiscovery: boolean } {
  const raw = text(env, 'AZURE_AUTHORITY_HOST');
  if (!raw) return { authorityHost: undefined, disableInstanceDiscovery: false };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('AZURE_AUTHORITY_HOST', raw, 'an https URL such as https://login.microsoftonline.com');
  }
  if (url.protocol !== 'https:')
    fail('AZURE_AUTHORITY_HOST', raw, 'an https URL such as https://login.microsoftonline.com');
  return {
    authorityHost: url.origin,
    disableInstanceDiscovery: !MICROSOFT_AUTHORITY_HOSTS.has(url.hostname.toLowerCase()),
  };
}

/** NCRONTAB as the Functions timer takes it: six fields, seconds first. */
export function parseSchedule(env: Env, name: 'SNAPSHOT_SCHEDULE' | 'RELEASES_SCHEDULE' | 'REPORT_SCHEDULE'): string {
  const raw = text(env, name) ?? DEFAULTS[name];
  const fields = raw.split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => /^[\d*/,\-A-Za-z]+$/.test(f))) {
    fail(name, raw, `an NCRONTAB expression with six fields (seconds first), such as "${DEFAULTS[name]}"`);
  }
  return raw;
}

function parseBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  return fail(name, raw, 'true or false');
}

function parseInstant(env: Env, name: string): Date | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  // Require an explicit zone: a bare local time would mean different instants on different hosts.
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(raw) ||
    Number.isNaN(Date.parse(raw))
  ) {
    fail(name, raw, 'an ISO-8601 instant with a zone, such as 2026-01-31T00:00:00Z');
  }
  return new Date(raw);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
// The services this app and the Functions host reach with the string (File only with its own setting).
const STORAGE_SERVICES = ['Blob', 'Queue', 'Table'] as const;

/** True for an http(s) URL whose host is this machine: the only place a plain-http storage endpoint is safe. */
function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
}

/**
 * The first host a storage connection string would reach over plain http other than loopback
 * (Azurite), or undefined. An http endpoint given outright counts, and so does
 * DefaultEndpointsProtocol=http for any service whose endpoint the SDK (or the Functions host,
 * which uses Blob) would derive from the account name.
 */
export function insecureStorageEndpoint(connectionString: string): string | undefined {
  const pairs = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) pairs.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (pairs.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    const proxy = pairs.get('developmentstorageproxyuri');
    return proxy !== undefined ? insecureUrl(proxy) : undefined;
  }
  for (const service of STORAGE_SERVICES) {
    const explicit = pairs.get(`${service.toLowerCase()}endpoint`);
    if (explicit !== undefined) {
      const bad = insecureUrl(explicit);
      if (bad) return bad;
    } else if (pairs.get('defaultendpointsprotocol')?.toLowerCase() === 'http') {
      return `${pairs.get('accountname') ?? '(account)'}.${service.toLowerCase()}.${pairs.get('endpointsuffix') ?? 'core.windows.net'}`;
    }
  }
  return undefined;
}

/** The host of an endpoint that is not https and not loopback; an unparsable one counts as unsafe. */
function insecureUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.slice(0, 80);
  }
  if (url.protocol === 'https:' || isLoopback(url)) return undefined;
  return url.host;
}

function parseStorage(env: Env): StorageSettings {
  const connectionString = text(env, 'AzureWebJobsStorage');
  if (connectionString) {
    if (!/(^|;)\s*(UseDevelopmentStorage=true|AccountName=|TableEndpoint=)/i.test(connectionString)) {
      fail(
        'AzureWebJobsStorage',
        '(hidden)',
        'a storage connection string (AccountName=...;AccountKey=... or UseDevelopmentStorage=true)',
      );
    }
    const insecure = insecureStorageEndpoint(connectionString);
    if (insecure) {
      // The connection string is secret: name the host, never the string.
      throw new SettingsError(
        `Setting AzureWebJobsStorage is invalid: it sends requests over http to ${printable(insecure, 80)}, so the account key would travel in clear; ` +
          'use https (DefaultEndpointsProtocol=https), or http only to Azurite on 127.0.0.1, localhost or [::1].',
      );
    }
    return { kind: 'connectionString', connectionString };
  }
  const account = text(env, 'AzureWebJobsStorage__accountName');
  if (account !== undefined && !/^[a-z0-9]{3,24}$/.test(account)) {
    fail('AzureWebJobsStorage__accountName', account, 'a storage account name (3-24 lower-case letters and digits)');
  }
  const serviceUrl = (name: string, service: 'table' | 'queue'): string | undefined => {
    const raw = text(env, name);
    if (raw === undefined) return account ? `https://${account}.${service}.core.windows.net` : undefined;
    try {
      const url = new URL(raw);
      // A bearer token over plain http is as exposed as a key: http is for Azurite on loopback only.
      if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url)))
        return url.href.replace(/\/$/, '');
    } catch {
      // fall through to the error below
    }
    return fail(name, raw, `the ${service} service URL, such as https://myaccount.${service}.core.windows.net`);
  };
  const tableUrl = serviceUrl('AzureWebJobsStorage__tableServiceUri', 'table');
  const queueUrl = serviceUrl('AzureWebJobsStorage__queueServiceUri', 'queue');
  if (!tableUrl) {
    throw new SettingsError(
      'Setting AzureWebJobsStorage is missing: set a connection string (UseDevelopmentStorage=true for Azurite), or AzureWebJobsStorage__accountName ' +
        '(or AzureWebJobsStorage__tableServiceUri and __queueServiceUri) for identity-based access.',
      'AzureWebJobsStorage',
    );
  }
  if (!queueUrl) {
    // Without it the notification queue cannot be reached: no run could enqueue or send anything.
    throw new SettingsError(
      'Setting AzureWebJobsStorage__queueServiceUri is missing: with AzureWebJobsStorage__tableServiceUri set, the queue service URL is needed too, such as https://myaccount.queue.core.windows.net (or set AzureWebJobsStorage__accountName instead of both).',
      'AzureWebJobsStorage__queueServiceUri',
    );
  }
  return { kind: 'identity', tableUrl, queueUrl, clientId: text(env, 'AzureWebJobsStorage__clientId') };
}

function parsePositiveInteger(env: Env, name: string, fallback: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) fail(name, raw, `a whole number from 1 to ${max}`);
  return value;
}

/** An IANA time zone name as Intl knows it, returned in its canonical spelling (europe/berlin -> Europe/Berlin). */
export function parseTimeZone(env: Env): string {
  const raw = text(env, 'NOTIFY_TIME_ZONE') ?? DEFAULTS.NOTIFY_TIME_ZONE;
  const expected = 'an IANA time zone name such as Europe/Berlin, America/New_York or UTC';
  if (raw.length > 64) fail('NOTIFY_TIME_ZONE', raw, expected);
  try {
    return new Intl.DateTimeFormat('en', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    // Intl throws RangeError for a zone it does not know.
    return fail('NOTIFY_TIME_ZONE', raw, expected);
  }
}

/** Recipients of one email: the most an address-list setting may hold. */
export const MAX_LISTED_RECIPIENTS = 50;

/** Mailbox addresses separated by commas or semicolons, lower-cased, each once; empty or unset: none. */
export function parseAddressList(env: Env, name: string): string[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  const expected = 'mailbox addresses separated by commas or semicolons, such as secops@contoso.com;it@contoso.com';
  const addresses: string[] = [];
  for (const part of raw.split(/[,;]/)) {
    const address = part.trim().toLowerCase();
    if (address === '') continue;
    if (!isMailboxAddress(address)) fail(name, part.trim(), expected);
    if (!addresses.includes(address)) addresses.push(address);
  }
  if (addresses.length > MAX_LISTED_RECIPIENTS)
    fail(name, raw, `at most ${MAX_LISTED_RECIPIENTS} ${expected.replace(/^mailbox /, '')}`);
  return addresses;
}

/** What checkSettings found: every problem, not just the first. */
export interface SettingsCheck {
  /** Every missing or malformed setting, in the order loadSettings meets them. */
  problems: SettingsError[];
  /** The settings when there is no problem. */
  settings: Settings | undefined;
  /**
   * The settings with each broken one replaced by its default or a placeholder: what a preflight may
   * still try for the checks that do not depend on a broken setting. Never run the product on it.
   */
  draft: Settings;
}

/** The tenant placeholder a draft carries when M365_TENANT_ID is broken (no tenant has it). */
const NO_TENANT = '00000000-0000-0000-0000-000000000000';

/**
 * Parses every setting and collects every problem, for the doctor: an admin fixes them all from one
 * run instead of one per run. `requireSenderMailbox` reports a missing NOTIFY_SENDER_MAILBOX too
 * (the functions only need it once something is to be sent).
 */
export function checkSettings(env: Env = process.env, options: { requireSenderMailbox?: boolean } = {}): SettingsCheck {
  const problems: SettingsError[] = [];
  const collect = <T>(parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      problems.push(error);
      return fallback;
    }
  };

  const tenantId = collect(() => {
    const raw = text(env, 'M365_TENANT_ID');
    if (!raw)
      throw new SettingsError(
        'Setting M365_TENANT_ID is missing: expected the tenant GUID, such as 00000000-0000-0000-0000-000000000001.',
        'M365_TENANT_ID',
      );
    if (!GUID.test(raw)) fail('M365_TENANT_ID', raw, 'the tenant GUID, such as 00000000-0000-0000-0000-000000000001');
    return raw.toLowerCase();
  }, NO_TENANT);

  const mailbox = collect(() => {
    const raw = text(env, 'NOTIFY_SENDER_MAILBOX');
    if (raw !== undefined && !isMailboxAddress(raw))
      fail('NOTIFY_SENDER_MAILBOX', raw, 'a mailbox address such as quarantine-notices@contoso.com');
    if (raw === undefined && options.requireSenderMailbox) {
      throw new SettingsError(
        'Setting NOTIFY_SENDER_MAILBOX is missing: expected the mailbox notifications are sent from, such as quarantine-notices@contoso.com (nothing can be sent without it).',
        'NOTIFY_SENDER_MAILBOX',
      );
    }
    return raw?.toLowerCase();
  }, undefined);

  const language = collect(() => {
    const raw = (text(env, 'NOTIFY_LANGUAGE') ?? DEFAULTS.NOTIFY_LANGUAGE).toLowerCase();
    if (!(SUPPORTED_LANGUAGES as readonly string[]).includes(raw))
      fail('NOTIFY_LANGUAGE', raw, `one of ${SUPPORTED_LANGUAGES.join(', ')}`);
    return raw;
  }, DEFAULTS.NOTIFY_LANGUAGE);

  const subject = collect(() => {
    const raw = text(env, 'NOTIFY_SUBJECT');
    if (raw !== undefined && raw.length > 200)
      fail('NOTIFY_SUBJECT', raw, 'at most 200 characters, for example: Released: "{subject}"');
    return raw;
  }, undefined);

  const draft: Settings = {
    tenantId,
    exchangeEndpoint: collect(() => parseEndpoint(env, 'EXCHANGE_ENDPOINT'), DEFAULTS.EXCHANGE_ENDPOINT),
    managementEndpoint: collect(() => parseEndpoint(env, 'MANAGEMENT_ENDPOINT'), DEFAULTS.MANAGEMENT_ENDPOINT),
    graphEndpoint: collect(() => parseEndpoint(env, 'GRAPH_ENDPOINT'), DEFAULTS.GRAPH_ENDPOINT),
    ...collect(() => parseAuthorityHost(env), { authorityHost: undefined, disableInstanceDiscovery: false }),
    // Azurite's well-known account: a placeholder only, the doctor skips storage when this setting is broken.
    storage: collect(() => parseStorage(env), {
      kind: 'connectionString',
      connectionString: 'UseDevelopmentStorage=true',
    }),
    snapshotSchedule: collect(() => parseSchedule(env, 'SNAPSHOT_SCHEDULE'), DEFAULTS.SNAPSHOT_SCHEDULE),
    releasesSchedule: collect(() => parseSchedule(env, 'RELEASES_SCHEDULE'), DEFAULTS.RELEASES_SCHEDULE),
    notifyReleasesSince: collect(() => parseInstant(env, 'NOTIFY_RELEASES_SINCE'), undefined),
    notifySenderMailbox: mailbox,
    notifyMaxPerMinute: collect(
      () => parsePositiveInteger(env, 'NOTIFY_MAX_PER_MINUTE', DEFAULTS.NOTIFY_MAX_PER_MINUTE, 10_000),
      DEFAULTS.NOTIFY_MAX_PER_MINUTE,
    ),
    notifyMaxPerDay: collect(
      () => parsePositiveInteger(env, 'NOTIFY_MAX_PER_DAY', DEFAULTS.NOTIFY_MAX_PER_DAY, 10_000),
      DEFAULTS.NOTIFY_MAX_PER_DAY,
    ),
    notifySaveToSentItems: collect(
      () => parseBoolean(env, 'NOTIFY_SAVE_TO_SENT_ITEMS', DEFAULTS.NOTIFY_SAVE_TO_SENT_ITEMS),
      DEFAULTS.NOTIFY_SAVE_TO_SENT_ITEMS,
    ),
    // A broken dry-run setting must never fall back to sending.
    notifyDryRun: collect(() => parseBoolean(env, 'NOTIFY_DRY_RUN', false), true),
    alerts: {
      recipients: collect(() => parseAddressList(env, 'ALERT_RECIPIENTS'), []),
      riskyTypes: collect(() => parseTypeList(env, 'ALERT_RISKY_TYPES', DEFAULTS.ALERT_RISKY_TYPES), []),
      burstReleases: collect(
        () => parseCount(env, 'ALERT_BURST_RELEASES', DEFAULTS.ALERT_BURST_RELEASES, 100_000),
        DEFAULTS.ALERT_BURST_RELEASES,
      ),
      releasedToOther: collect(() => parseBoolean(env, 'ALERT_RELEASED_TO_OTHER', true), true),
    },
    health: {
      // Empty: the security team hears of it too (ALERT_RECIPIENTS); "off": nobody is mailed.
      recipients: collect(
        () =>
          /^off$/i.test(text(env, 'HEALTH_RECIPIENTS') ?? '')
            ? []
            : text(env, 'HEALTH_RECIPIENTS')
              ? parseAddressList(env, 'HEALTH_RECIPIENTS')
              : parseAddressList(env, 'ALERT_RECIPIENTS'),
        [],
      ),
      afterMinutes: collect(
        () => parseCount(env, 'HEALTH_ALERT_AFTER_MINUTES', DEFAULTS.HEALTH_ALERT_AFTER_MINUTES, 10_080),
        DEFAULTS.HEALTH_ALERT_AFTER_MINUTES,
      ),
    },
    template: {
      subject,
      intro: text(env, 'NOTIFY_INTRO'),
      footer: text(env, 'NOTIFY_FOOTER'),
      language,
      timeZone: collect(() => parseTimeZone(env), DEFAULTS.NOTIFY_TIME_ZONE),
      showReleaser: collect(() => parseBoolean(env, 'NOTIFY_SHOW_RELEASER', true), true),
      showPolicy: collect(() => parseBoolean(env, 'NOTIFY_SHOW_POLICY', true), true),
    },
    reportRecipients: collect(() => parseAddressList(env, 'REPORT_RECIPIENTS'), []),
    reportSchedule: collect(() => parseSchedule(env, 'REPORT_SCHEDULE'), DEFAULTS.REPORT_SCHEDULE),
    story: {
      notifyOn: collect(() => storyValue(env, 'NOTIFY_ON', parseNotifyOn), STORY_DEFAULTS.notifyOn),
      holdPolicies: collect(() => storyValue(env, 'NOTIFY_HOLD_POLICIES', parseHoldPolicies), []),
      reviewContact: collect(() => storyValue(env, 'NOTIFY_REVIEW_CONTACT', parseReviewContact), undefined),
      releaseAuditWaitMinutes: collect(
        () => storyValue(env, 'RELEASE_AUDIT_WAIT_MINUTES', parseReleaseAuditWait),
        STORY_DEFAULTS.releaseAuditWaitMinutes,
      ),
    },
    ownIdentities: [
      ...new Set(
        [text(env, 'AZURE_CLIENT_ID'), text(env, 'AzureWebJobsStorage__clientId')]
          .filter((id): id is string => id !== undefined)
          .map((id) => id.toLowerCase()),
      ),
    ],
  };
  return { problems, settings: problems.length === 0 ? draft : undefined, draft };
}

/** Parses every setting. Throws SettingsError naming the first bad one (the functions log it and stop). */
export function loadSettings(env: Env = process.env): Settings {
  const { problems, settings } = checkSettings(env);
  if (problems.length > 0 || !settings) throw problems[0];
  return settings;
}

/** For the sending stage: the mailbox is only required once something is to be sent. */
export function requireSenderMailbox(settings: Settings): string {
  if (!settings.notifySenderMailbox) {
    throw new SettingsError(
      'Setting NOTIFY_SENDER_MAILBOX is missing: expected the mailbox notifications are sent from, such as quarantine-notices@contoso.com.',
      'NOTIFY_SENDER_MAILBOX',
    );
  }
  return settings.notifySenderMailbox;
}

/** Quarantine type names (letters only), comma separated; "off" switches the rule off, empty means the default. */
function parseTypeList(env: Env, name: string, fallback: string): string[] {
  const raw = text(env, name) ?? fallback;
  if (/^(off|none)$/i.test(raw)) return [];
  const types = raw
    .split(/[,;]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const type of types)
    if (!/^[A-Za-z]{1,40}$/.test(type))
      fail(name, type, 'quarantine types separated by commas, such as Malware,HighConfPhish,Phish, or off');
  return types;
}

/** One of the story's settings (shared/story/storySettings.ts parses it). */
function storyValue<T>(env: Env, name: string, parse: (raw: string | undefined) => Parsed<T>): T {
  const raw = text(env, name);
  const parsed = parse(raw);
  if (!parsed.ok) fail(name, raw ?? '', parsed.expected);
  return parsed.value;
}

/** A whole number from 0 (off) to max. */
function parseCount(env: Env, name: string, fallback: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > max) fail(name, raw, `a whole number from 0 (off) to ${max}`);
  return value;
}
