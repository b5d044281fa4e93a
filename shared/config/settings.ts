import { printable } from '../log/logger';

/**
 * Every setting the product reads, parsed and validated in one place. A missing or malformed
 * setting becomes a SettingsError whose message names the setting and shows a valid value, so an
 * admin can fix it from one log line.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class SettingsError extends Error {
  constructor(message: string) {
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
  template: NotifyTemplateSettings;
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
  // Reconciliation finds a send whose answer was lost in Sent Items; it is also the admin's record.
  NOTIFY_SAVE_TO_SENT_ITEMS: true,
  NOTIFY_LANGUAGE: 'en',
  NOTIFY_TIME_ZONE: 'UTC',
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
  throw new SettingsError(`Setting ${name} is invalid (got "${printable(value, 57)}"): expected ${expected}.`);
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
  if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
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
  if (url.protocol !== 'https:') fail('AZURE_AUTHORITY_HOST', raw, 'an https URL such as https://login.microsoftonline.com');
  return { authorityHost: url.origin, disableInstanceDiscovery: !MICROSOFT_AUTHORITY_HOSTS.has(url.hostname.toLowerCase()) };
}

/** NCRONTAB as the Functions timer takes it: six fields, seconds first. */
export function parseSchedule(env: Env, name: 'SNAPSHOT_SCHEDULE' | 'RELEASES_SCHEDULE'): string {
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
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(raw) || Number.isNaN(Date.parse(raw))) {
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
      fail('AzureWebJobsStorage', '(hidden)', 'a storage connection string (AccountName=...;AccountKey=... or UseDevelopmentStorage=true)');
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
      if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))) return url.href.replace(/\/$/, '');
    } catch {
      // fall through to the error below
    }
    return fail(name, raw, `the ${service} service URL, such as https://myaccount.${service}.core.windows.net`);
  };
  const tableUrl = serviceUrl('AzureWebJobsStorage__tableServiceUri', 'table');
  const queueUrl = serviceUrl('AzureWebJobsStorage__queueServiceUri', 'queue');
  if (!tableUrl) {
    throw new SettingsError(
      'Setting AzureWebJobsStorage is missing: set a connection string, or AzureWebJobsStorage__accountName ' +
        '(or AzureWebJobsStorage__tableServiceUri and __queueServiceUri) for identity-based access.',
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

/** Parses every setting. Throws SettingsError naming the first bad one. */
export function loadSettings(env: Env = process.env): Settings {
  const tenantId = text(env, 'M365_TENANT_ID');
  if (!tenantId) throw new SettingsError('Setting M365_TENANT_ID is missing: expected the tenant GUID, such as 00000000-0000-0000-0000-000000000001.');
  if (!GUID.test(tenantId)) fail('M365_TENANT_ID', tenantId, 'the tenant GUID, such as 00000000-0000-0000-0000-000000000001');

  const mailbox = text(env, 'NOTIFY_SENDER_MAILBOX');
  if (mailbox !== undefined && !isMailboxAddress(mailbox)) fail('NOTIFY_SENDER_MAILBOX', mailbox, 'a mailbox address such as quarantine-notices@contoso.com');

  const language = (text(env, 'NOTIFY_LANGUAGE') ?? DEFAULTS.NOTIFY_LANGUAGE).toLowerCase();
  if (!(SUPPORTED_LANGUAGES as readonly string[]).includes(language)) fail('NOTIFY_LANGUAGE', language, `one of ${SUPPORTED_LANGUAGES.join(', ')}`);

  const subject = text(env, 'NOTIFY_SUBJECT');
  if (subject !== undefined && subject.length > 200) fail('NOTIFY_SUBJECT', subject, 'at most 200 characters, for example: Released: "{subject}"');

  return {
    tenantId: tenantId.toLowerCase(),
    exchangeEndpoint: parseEndpoint(env, 'EXCHANGE_ENDPOINT'),
    managementEndpoint: parseEndpoint(env, 'MANAGEMENT_ENDPOINT'),
    graphEndpoint: parseEndpoint(env, 'GRAPH_ENDPOINT'),
    ...parseAuthorityHost(env),
    storage: parseStorage(env),
    snapshotSchedule: parseSchedule(env, 'SNAPSHOT_SCHEDULE'),
    releasesSchedule: parseSchedule(env, 'RELEASES_SCHEDULE'),
    notifyReleasesSince: parseInstant(env, 'NOTIFY_RELEASES_SINCE'),
    notifySenderMailbox: mailbox?.toLowerCase(),
    notifyMaxPerMinute: parsePositiveInteger(env, 'NOTIFY_MAX_PER_MINUTE', DEFAULTS.NOTIFY_MAX_PER_MINUTE, 10_000),
    notifyMaxPerDay: parsePositiveInteger(env, 'NOTIFY_MAX_PER_DAY', DEFAULTS.NOTIFY_MAX_PER_DAY, 10_000),
    notifySaveToSentItems: parseBoolean(env, 'NOTIFY_SAVE_TO_SENT_ITEMS', DEFAULTS.NOTIFY_SAVE_TO_SENT_ITEMS),
    notifyDryRun: parseBoolean(env, 'NOTIFY_DRY_RUN', false),
    template: {
      subject,
      intro: text(env, 'NOTIFY_INTRO'),
      footer: text(env, 'NOTIFY_FOOTER'),
      language,
      timeZone: parseTimeZone(env),
      showReleaser: parseBoolean(env, 'NOTIFY_SHOW_RELEASER', true),
      showPolicy: parseBoolean(env, 'NOTIFY_SHOW_POLICY', true),
    },
  };
}

/** For the sending stage: the mailbox is only required once something is to be sent. */
export function requireSenderMailbox(settings: Settings): string {
  if (!settings.notifySenderMailbox) {
    throw new SettingsError('Setting NOTIFY_SENDER_MAILBOX is missing: expected the mailbox notifications are sent from, such as quarantine-notices@contoso.com.');
  }
  return settings.notifySenderMailbox;
}
