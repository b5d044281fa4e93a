import { printable } from '../log/logger';
import {
  declarations,
  SCHEMA,
  schemaDefaults,
  type AnyDeclaration,
  type SectionValues,
  type SettingName,
} from './schema';
import { MICROSOFT_AUTHORITY_HOSTS, text, type Env } from './validators';

/**
 * Every setting the product reads, parsed and validated in one place, from the one declaration of
 * each in schema.ts. A missing or malformed setting becomes a SettingsError whose message names the
 * setting and shows a valid value, so an admin can fix it from one log line.
 */

export type { Env } from './validators';
export type { StorageSettings } from './storage';
export { insecureStorageEndpoint } from './storage';
export { isGuid, isMailboxAddress, MAX_LISTED_RECIPIENTS, SUPPORTED_LANGUAGES } from './validators';

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

type Template = SectionValues<'template'>;
/** The notice's texts; the display choices are optional so a caller can give only the texts. */
export type NotifyTemplateSettings = Omit<Template, 'timeZone' | 'showReleaser' | 'showPolicy'> &
  Partial<Pick<Template, 'timeZone' | 'showReleaser' | 'showPolicy'>> & {
    /** NOTIFY_REVIEW_CONTACT, shown as written in hold, deletion and expiry notices; absent: none. */
    reviewContact?: string;
  };

/** Values computed from settings rather than set. */
interface Derived {
  /** True when AZURE_AUTHORITY_HOST names a sign-in host that is not one of Microsoft's clouds. */
  disableInstanceDiscovery: boolean;
  /**
   * The app's own identities (AZURE_CLIENT_ID, the storage identity's client id, MULTI_TENANT_APP_ID), lower-case: the
   * activity report tells its own header reads apart from the admins' by these.
   */
  ownIdentities: string[];
  /** The function app's name in Azure (the platform's WEBSITE_SITE_NAME): health emails say which deployment they are about. */
  deploymentName: string | undefined;
}

/** The parsed settings: its shape is the schema's (each entry's key, in its section), plus Derived. */
export type Settings = SectionValues<'top'> &
  Derived & {
    alerts: SectionValues<'alerts'>;
    health: SectionValues<'health'>;
    template: NotifyTemplateSettings;
    /** The held message's whole story: NOTIFY_ON, NOTIFY_HOLD_POLICIES, NOTIFY_REVIEW_CONTACT, RELEASE_AUDIT_WAIT_MINUTES. */
    story: SectionValues<'story'>;
  };

/** Names of every setting the product reads. infra/ and local.settings.sample.json must set exactly these. */
export const SETTING_NAMES = Object.keys(SCHEMA) as SettingName[];

/** Each default as its setting's text (what infra/main.bicep's productDefaults mirrors). */
export const DEFAULTS: Readonly<Record<string, string>> = schemaDefaults();

/** What checkSettings found: every problem, not just the first. */
export interface SettingsCheck {
  /** Every missing or malformed setting, in the schema's order. */
  problems: SettingsError[];
  /** The settings when there is no problem. */
  settings: Settings | undefined;
  /**
   * The settings with each broken one replaced by its default or a placeholder: what a preflight may
   * still try for the checks that do not depend on a broken setting. Never run the product on it.
   */
  draft: Settings;
}

interface Parsed {
  value: unknown;
  problem?: SettingsError;
}

/** The one-line error for a failed parse: names the setting, shows the bad text (never a secret) and a valid value. */
function problemOf(name: string, d: AnyDeclaration, raw: unknown, issues: readonly IssueLike[]): SettingsError {
  const issue = issues[0];
  const params = (issue?.params ?? {}) as { got?: string; message?: string; setting?: string };
  const setting = params.setting ?? name;
  if (params.message) return new SettingsError(params.message, setting);
  const got = params.got ?? (d.secret ? '(hidden)' : typeof raw === 'string' ? raw : '');
  const expected = issue?.message || `a value such as ${d.example}`;
  return new SettingsError(
    `Setting ${setting} is invalid (got "${printable(got, 57)}"): expected ${expected}.`,
    setting,
  );
}

interface IssueLike {
  message: string;
  params?: unknown;
}

function parseOne(env: Env, name: string, d: AnyDeclaration, parsed: ReadonlyMap<string, Parsed>): Parsed {
  const raw = d.read ? d.read(env) : text(env, name);
  if (raw === undefined) {
    if (d.inherits) return { value: parsed.get(d.inherits)?.value ?? d.unset };
    if (d.required) {
      return {
        value: d.unset,
        problem: new SettingsError(`Setting ${name} is missing: expected ${d.required}.`, name),
      };
    }
    if (d.default === undefined) return { value: d.unset };
  }
  const input = raw ?? d.default;
  const result = d.schema.safeParse(input);
  if (result.success) return { value: result.data };
  const fallback = d.broken !== undefined ? d.broken : d.default !== undefined ? d.schema.parse(d.default) : d.unset;
  return { value: fallback, problem: problemOf(name, d, input, result.error.issues) };
}

/** Places each parsed value at its key and section: the Settings object. */
function assemble(env: Env, parsed: ReadonlyMap<string, Parsed>): Settings {
  const sections: Record<string, Record<string, unknown>> = {
    top: {},
    alerts: {},
    health: {},
    template: {},
    story: {},
  };
  for (const [name, d] of declarations()) sections[d.section][d.key] = parsed.get(name)?.value;
  const top = sections.top as SectionValues<'top'>;
  const storage = top.storage;
  return {
    ...top,
    alerts: sections.alerts as SectionValues<'alerts'>,
    health: sections.health as SectionValues<'health'>,
    template: sections.template as Template,
    story: sections.story as SectionValues<'story'>,
    disableInstanceDiscovery:
      top.authorityHost !== undefined && !MICROSOFT_AUTHORITY_HOSTS.has(new URL(top.authorityHost).hostname),
    deploymentName: text(env, 'WEBSITE_SITE_NAME'),
    ownIdentities: [
      ...new Set(
        // In a customer tenant the app reads headers as the multi-tenant app: that is the app too.
        [text(env, 'AZURE_CLIENT_ID'), storage.kind === 'identity' ? storage.clientId : undefined, top.multiTenantAppId]
          .filter((id): id is string => id !== undefined)
          .map((id) => id.toLowerCase()),
      ),
    ],
  };
}

/**
 * Parses every setting and collects every problem, for the doctor: an admin fixes them all from one
 * run instead of one per run. `requireSenderMailbox` reports a missing NOTIFY_SENDER_MAILBOX too
 * (the functions only need it once something is to be sent).
 */
export function checkSettings(env: Env = process.env, options: { requireSenderMailbox?: boolean } = {}): SettingsCheck {
  const parsed = new Map<string, Parsed>();
  for (const [name, d] of declarations()) parsed.set(name, parseOne(env, name, d, parsed));
  const problems = [...parsed.values()].flatMap((p) => (p.problem ? [p.problem] : []));
  if (options.requireSenderMailbox && text(env, 'NOTIFY_SENDER_MAILBOX') === undefined) {
    // In the schema's order, like every other problem.
    const rank = (setting = ''): number => SETTING_NAMES.indexOf(setting.split('__')[0] as SettingName);
    const at = problems.findIndex((p) => rank(p.setting) > rank('NOTIFY_SENDER_MAILBOX'));
    const missing = new SettingsError(
      'Setting NOTIFY_SENDER_MAILBOX is missing: expected the mailbox notifications are sent from, such as quarantine-notices@contoso.com (nothing can be sent without it).',
      'NOTIFY_SENDER_MAILBOX',
    );
    problems.splice(at < 0 ? problems.length : at, 0, missing);
  }
  const draft = assemble(env, parsed);
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

/** One schedule setting, checked (the function registrations read theirs before the settings load). */
export function parseSchedule(env: Env, name: 'SNAPSHOT_SCHEDULE' | 'RELEASES_SCHEDULE' | 'REPORT_SCHEDULE'): string {
  const { value, problem } = parseOne(env, name, SCHEMA[name] as AnyDeclaration, new Map());
  if (problem) throw problem;
  return value as string;
}
