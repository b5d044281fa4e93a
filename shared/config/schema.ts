import { z } from 'zod';
import { readStorage, storage, type StorageInput } from './storage';
import {
  addressList,
  authorityHost,
  boolean,
  boundedText,
  choice,
  endpoint,
  guid,
  instant,
  language,
  mailbox,
  plainText,
  reject,
  schedule,
  timeZone,
  typeList,
  wholeNumber,
  type Env,
} from './validators';
import {
  parseHoldPolicies,
  parseNotifyOn,
  parseReleaseAuditWait,
  parseReviewContact,
  STORY_DEFAULTS,
  type Parsed,
  type StoryEvent,
} from './storySettings';

/**
 * Every setting the product reads, declared once. From this one list come the `Settings` type, the
 * defaults, the all-problems-at-once validation (settings.ts), the doctor's settings lines, the
 * README's settings table (`npm run docs:settings`, checked by test/config/readme-settings.test.ts),
 * Deploy step 1's list and the drift test against infra/ (test/infra/settings-consistency.test.ts).
 *
 * Adding a setting: one entry here, plus its parameter and app setting in infra/main.bicep and its
 * line in infra/main.parameters.json (and local.settings.sample.json); the tests name anything missed.
 *
 * Why zod (not envalid): the validators here must report every problem at once with the setting's
 * name (safeParse collects issues, envalid's reporter is built to exit on the first report), build one
 * value from several variables (storage), and give a typed output that the Settings type is inferred
 * from (z.output); zod's transforms and pipes do all three, and it has no runtime dependencies.
 */

/** Where a setting belongs, for the README, Deploy step 1 and the doctor: one heading each. */
export const GROUPS = {
  connection: 'Connection: tenant, storage and endpoints',
  notices: 'Notices to senders',
  email: 'What the notice says',
  limits: 'Limits and schedules',
  alerts: 'Alerts for the security team',
  health: 'Health: when the app cannot do its job',
  report: 'The weekly activity report',
  story: "The message's whole story: which events senders are told",
} as const;
export type Group = keyof typeof GROUPS;

/** The part of Settings a value lands in: the top level, or one of its nested objects. */
export type Section = 'top' | 'alerts' | 'health' | 'template' | 'story';

export interface Declaration<K extends string, S extends Section, T, I = string> {
  /** The property of Settings (in `section`) that holds the parsed value. */
  key: K;
  section: S;
  group: Group;
  /** One sentence for the README table, the doctor and Deploy step 1. */
  description: string;
  /** A valid value, shown in docs and in "expected ..." texts where the validator has none of its own. */
  example: string;
  /** The text used when the setting is unset; infra/main.bicep's productDefaults must say the same. */
  default?: string;
  /** How the README's default column reads when it is not `default` ("(required)", "ALERT_RECIPIENTS"). */
  defaultText?: string;
  /** The value for a production deployment, for Deploy step 1 (absent: leave it unset). */
  recommended?: string;
  schema: z.ZodType<T, I>;
  /** The value when unset and there is no default. */
  unset: T;
  /** The draft value when the setting is broken (absent: the default, else `unset`): see SettingsCheck.draft. */
  broken?: T;
  /** Unset: the value of this other setting instead (after it is parsed). */
  inherits?: string;
  /** Unset: "Setting X is missing: expected <required>." */
  required?: string;
  /** Never shown (a connection string holds a key). */
  secret?: boolean;
  /** How the text is read; absent: the setting of this name, trimmed, empty as unset. */
  read?: (env: Env) => I | undefined;
}

/** Keeps each entry's literal key and section, so the Settings type can be built from them. */
function setting<const K extends string, const S extends Section, T, I = string>(
  declaration: Declaration<K, S, T, I>,
): Declaration<K, S, T, I> {
  return declaration;
}

/** One of the story's parsers (storySettings.ts, pure functions over one raw value) as a validator. */
function parsedBy<T>(parse: (raw: string | undefined) => Parsed<T>): z.ZodType<T, string> {
  return z.string().transform((raw, ctx) => {
    const parsed = parse(raw);
    return parsed.ok ? parsed.value : reject(ctx, parsed.expected);
  });
}

const TENANT_EXAMPLE = '00000000-0000-0000-0000-000000000001';

export const SCHEMA = {
  // ---- connection
  M365_TENANT_ID: setting({
    key: 'tenantId',
    section: 'top',
    group: 'connection',
    description: "The Microsoft 365 tenant's GUID.",
    example: TENANT_EXAMPLE,
    defaultText: '(required)',
    required: `the tenant GUID, such as ${TENANT_EXAMPLE}`,
    schema: guid(TENANT_EXAMPLE),
    // A placeholder no tenant has: the doctor skips every check that needs the tenant when it is broken.
    unset: '00000000-0000-0000-0000-000000000000',
  }),
  MULTI_TENANT_APP_ID: setting<'multiTenantAppId', 'top', string | undefined>({
    key: 'multiTenantAppId',
    section: 'top',
    group: 'connection',
    description:
      "For a service provider: the client id of the multi-tenant app registration whose federated credential is this deployment's user-assigned identity. Tokens in each customer tenant of the Tenants table come from it, no secret stored (see [Many tenants](#many-tenants)). Unset: M365_TENANT_ID alone, signed in as the identity itself.",
    example: '11111111-2222-3333-4444-555555555555',
    defaultText: '(one tenant)',
    schema: guid('11111111-2222-3333-4444-555555555555', "the app registration's client id (a GUID)"),
    unset: undefined,
  }),
  AzureWebJobsStorage: setting<'storage', 'top', z.output<typeof storage>, StorageInput>({
    key: 'storage',
    section: 'top',
    group: 'connection',
    description:
      'Storage connection string (Azurite locally: `UseDevelopmentStorage=true`). In Azure, identity-based instead: `AzureWebJobsStorage__accountName` (or `__tableServiceUri` and `__queueServiceUri`), with `__credential` = `managedidentity` and `__clientId`.',
    example: 'UseDevelopmentStorage=true',
    defaultText: '(required, or the identity-based form)',
    secret: true,
    schema: storage,
    read: readStorage,
    // Azurite's well-known account: a placeholder only, the doctor skips storage when this setting is broken.
    unset: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
  }),
  EXCHANGE_ENDPOINT: setting({
    key: 'exchangeEndpoint',
    section: 'top',
    group: 'connection',
    description: 'Exchange Online (GCC High: `https://outlook.office365.us`).',
    example: 'https://outlook.office365.com',
    default: 'https://outlook.office365.com',
    schema: endpoint('https://outlook.office365.com'),
    unset: 'https://outlook.office365.com',
  }),
  MANAGEMENT_ENDPOINT: setting({
    key: 'managementEndpoint',
    section: 'top',
    group: 'connection',
    description: 'Office 365 Management APIs (GCC High: `https://manage.office365.us`).',
    example: 'https://manage.office.com',
    default: 'https://manage.office.com',
    schema: endpoint('https://manage.office.com'),
    unset: 'https://manage.office.com',
  }),
  GRAPH_ENDPOINT: setting({
    key: 'graphEndpoint',
    section: 'top',
    group: 'connection',
    description: 'Microsoft Graph (GCC High: `https://graph.microsoft.us`).',
    example: 'https://graph.microsoft.com',
    default: 'https://graph.microsoft.com',
    schema: endpoint('https://graph.microsoft.com'),
    unset: 'https://graph.microsoft.com',
  }),
  AZURE_AUTHORITY_HOST: setting<'authorityHost', 'top', string | undefined>({
    key: 'authorityHost',
    section: 'top',
    group: 'connection',
    description:
      "The standard @azure/identity setting; leave it unset in Azure. For a sign-in host that is not one of Microsoft's clouds (the simulator), instance discovery is turned off.",
    example: 'https://login.microsoftonline.com',
    defaultText: "Microsoft's public cloud",
    schema: authorityHost,
    unset: undefined,
  }),
  // ---- notices
  NOTIFY_SENDER_MAILBOX: setting<'notifySenderMailbox', 'top', string | undefined>({
    key: 'notifySenderMailbox',
    section: 'top',
    group: 'notices',
    description: 'The mailbox notifications come from: an existing user or shared mailbox.',
    example: 'quarantine-notices@contoso.com',
    defaultText: '(required to send)',
    schema: mailbox,
    unset: undefined,
  }),
  NOTIFY_DRY_RUN: setting({
    key: 'notifyDryRun',
    section: 'top',
    group: 'notices',
    description:
      'Compose, log and record, but send nothing. Recommended for the first days; see [First week](#first-week) for what happens to the releases it saw.',
    example: 'true',
    default: 'false',
    defaultText: '`false` (`true` in `local.settings.sample.json`)',
    recommended: 'true for the first days, then false',
    schema: boolean,
    unset: false,
    // A broken dry-run setting must never fall back to sending.
    broken: true,
  }),
  DRY_RUN_RELEASES_AFTER: setting<'dryRunReleasesAfter', 'top', 'drop' | 'tell'>({
    key: 'dryRunReleasesAfter',
    section: 'top',
    group: 'notices',
    description:
      'What a dry run does with the notices it would send: `drop` records them as told, so switching `NOTIFY_DRY_RUN` off never mails them; `tell` records nothing and keeps each waiting in the queue (looked at hourly), so it goes out once dry run is off, unless its newest release is by then more than 7 days old.',
    example: 'drop',
    default: 'drop',
    recommended: 'drop',
    schema: choice(['drop', 'tell'] as const),
    unset: 'drop',
  }),
  NOTIFY_RELEASES_SINCE: setting<'notifyReleasesSince', 'top', Date | undefined>({
    key: 'notifyReleasesSince',
    section: 'top',
    group: 'notices',
    description: 'ISO-8601 instant with a zone; releases before it are never notified.',
    example: '2026-01-31T00:00:00Z',
    defaultText: "the first run's time",
    schema: instant,
    unset: undefined,
  }),
  NOTIFY_SAVE_TO_SENT_ITEMS: setting({
    key: 'notifySaveToSentItems',
    section: 'top',
    group: 'notices',
    description:
      "Keep a copy in the mailbox's Sent Items: how a send whose answer was lost is found again instead of sent twice, and the admins' record of what went out. `false`: such a send is repeated (at-least-once).",
    example: 'true',
    // Reconciliation finds a send whose answer was lost in Sent Items; it is also the admin's record.
    default: 'true',
    recommended: 'true',
    schema: boolean,
    unset: true,
  }),
  // ---- what the notice says
  NOTIFY_SUBJECT: setting<'subject', 'template', string | undefined>({
    key: 'subject',
    section: 'template',
    group: 'email',
    description:
      'Subject template; `{subject}` is the original subject. Unset: the built-in subject of `NOTIFY_LANGUAGE`.',
    example: 'Released: "{subject}"',
    defaultText: 'built-in',
    schema: boundedText(200, 'Released: "{subject}"'),
    unset: undefined,
  }),
  NOTIFY_INTRO: setting<'intro', 'template', string | undefined>({
    key: 'intro',
    section: 'template',
    group: 'email',
    description: "The notice's opening paragraph; see [The email](#the-email).",
    example: 'Your message was held by our mail filter and has now been released.',
    defaultText: 'built-in',
    schema: plainText,
    unset: undefined,
  }),
  NOTIFY_FOOTER: setting<'footer', 'template', string | undefined>({
    key: 'footer',
    section: 'template',
    group: 'email',
    description: "The notice's closing paragraph.",
    example: 'Questions? Write to it@contoso.com.',
    defaultText: 'built-in',
    schema: plainText,
    unset: undefined,
  }),
  NOTIFY_LANGUAGE: setting({
    key: 'language',
    section: 'template',
    group: 'email',
    description: 'Language of the built-in texts: en, de, fr, es or nl.',
    example: 'de',
    default: 'en',
    schema: language,
    unset: 'en',
  }),
  NOTIFY_TIME_ZONE: setting({
    key: 'timeZone',
    section: 'template',
    group: 'email',
    description:
      'IANA time zone of every time in the emails (notices and health emails), e.g. `Europe/Berlin`, `America/New_York`.',
    example: 'Europe/Berlin',
    default: 'UTC',
    recommended: "your users' time zone",
    schema: timeZone,
    unset: 'UTC',
  }),
  NOTIFY_SHOW_RELEASER: setting({
    key: 'showReleaser',
    section: 'template',
    group: 'email',
    description: '`false`: the releasing admin\'s address never appears in the email ("An administrator").',
    example: 'false',
    default: 'true',
    schema: boolean,
    unset: true,
  }),
  NOTIFY_SHOW_POLICY: setting({
    key: 'showPolicy',
    section: 'template',
    group: 'email',
    description: "`false`: the policy's name never appears in the email, only the kind of hold.",
    example: 'false',
    default: 'true',
    schema: boolean,
    unset: true,
  }),
  // ---- limits and schedules
  NOTIFY_MAX_PER_MINUTE: setting({
    key: 'notifyMaxPerMinute',
    section: 'top',
    group: 'limits',
    description: 'Emails per rolling minute from the sender mailbox, across all instances (Exchange allows 30).',
    example: '30',
    default: '30',
    recommended: '30',
    schema: wholeNumber(1, 10_000),
    unset: 30,
  }),
  NOTIFY_MAX_PER_DAY: setting({
    key: 'notifyMaxPerDay',
    section: 'top',
    group: 'limits',
    description:
      'Recipients a day the sender mailbox may send to (every To of every notice, alert, health and report email counts; Exchange blocks a mailbox past 10,000 recipients a day); the rest waits for the next UTC day.',
    example: '3000',
    // Leaves room under Exchange's 10,000 for anything else the mailbox sends.
    default: '3000',
    recommended: '3000',
    schema: wholeNumber(1, 10_000),
    unset: 3000,
  }),
  SNAPSHOT_SCHEDULE: setting({
    key: 'snapshotSchedule',
    section: 'top',
    group: 'limits',
    description: 'NCRONTAB (six fields, seconds first) for the quarantine snapshot.',
    example: '0 */15 * * * *',
    default: '0 */15 * * * *',
    schema: schedule('0 */15 * * * *'),
    unset: '0 */15 * * * *',
  }),
  RELEASES_SCHEDULE: setting({
    key: 'releasesSchedule',
    section: 'top',
    group: 'limits',
    description: 'NCRONTAB for release detection.',
    example: '0 */10 * * * *',
    default: '0 */10 * * * *',
    schema: schedule('0 */10 * * * *'),
    unset: '0 */10 * * * *',
  }),
  // ---- alerts
  ALERT_RECIPIENTS: setting({
    key: 'recipients',
    section: 'alerts',
    group: 'alerts',
    description:
      'Security team addresses (`,` or `;` separated) that get [alerts](#alerts-for-the-security-team) about risky releases; empty or `off`: no alerts.',
    example: 'secops@contoso.com',
    defaultText: '(empty: alerts off)',
    recommended: 'your security team',
    schema: addressList,
    unset: [],
  }),
  ALERT_RISKY_TYPES: setting({
    key: 'riskyTypes',
    section: 'alerts',
    group: 'alerts',
    description: 'Quarantine types whose release raises a `risky-type` alert; `off` turns the rule off.',
    example: 'Malware,HighConfPhish,Phish',
    default: 'Malware,HighConfPhish,Phish',
    schema: typeList,
    unset: [],
    broken: [],
  }),
  ALERT_BURST_RELEASES: setting({
    key: 'burstReleases',
    section: 'alerts',
    group: 'alerts',
    description: 'More releases than this by one account within 60 minutes raise one `burst` alert; `0` turns it off.',
    example: '20',
    default: '20',
    schema: wholeNumber(0, 100_000),
    unset: 20,
  }),
  ALERT_RELEASED_TO_OTHER: setting({
    key: 'releasedToOther',
    section: 'alerts',
    group: 'alerts',
    description: 'Alert when a risky message is released to a mailbox that was not a recipient.',
    example: 'true',
    default: 'true',
    schema: boolean,
    unset: true,
  }),
  // ---- health
  HEALTH_RECIPIENTS: setting({
    key: 'recipients',
    section: 'health',
    group: 'health',
    description:
      'Addresses told when the app [cannot do its job](#when-it-cannot-do-its-job), by the app and by the Azure Monitor [health alert](#health-alert); `off`: nobody.',
    example: 'it-ops@contoso.com',
    defaultText: '`ALERT_RECIPIENTS`',
    recommended: 'whoever runs the app',
    schema: addressList,
    inherits: 'ALERT_RECIPIENTS',
    unset: [],
  }),
  HEALTH_ALERT_AFTER_MINUTES: setting({
    key: 'afterMinutes',
    section: 'health',
    group: 'health',
    description: 'How long a problem lasts before the first health email; `0`: at the first failing run.',
    example: '120',
    default: '120',
    recommended: '120',
    schema: wholeNumber(0, 10_080),
    unset: 120,
  }),
  // ---- report
  REPORT_RECIPIENTS: setting<'reportRecipients', 'top', string[]>({
    key: 'reportRecipients',
    section: 'top',
    group: 'report',
    description: 'Addresses that get the weekly [activity report](#the-activity-report); empty or `off`: no report.',
    example: 'secops@contoso.com',
    defaultText: '(empty: off)',
    recommended: 'your security team',
    schema: addressList,
    unset: [],
  }),
  REPORT_SCHEDULE: setting({
    key: 'reportSchedule',
    section: 'top',
    group: 'report',
    description: 'NCRONTAB of the weekly report.',
    example: '0 0 7 * * 1',
    // Mondays 07:00 UTC: the week's report is in the inbox when the week starts.
    default: '0 0 7 * * 1',
    defaultText: '`0 0 7 * * 1` (Mondays 07:00 UTC)',
    schema: schedule('0 0 7 * * 1'),
    unset: '0 0 7 * * 1',
  }),
  // ---- the message's whole story
  NOTIFY_ON: setting({
    key: 'notifyOn',
    section: 'story',
    group: 'story',
    description:
      'The events senders are told, separated by commas: `released` (a release, seen in the audit feed or in the quarantine listing), `held` (when a copy is first held by a policy in NOTIFY_HOLD_POLICIES), `deleted` (an admin deleted a copy that was never released), `expired` (a copy left quarantine unreleased). Each at most once per message and recipient; switching one on never reaches back.',
    example: 'released,held,deleted,expired',
    default: 'released',
    schema: parsedBy<StoryEvent[]>(parseNotifyOn),
    unset: [...STORY_DEFAULTS.notifyOn],
  }),
  NOTIFY_HOLD_POLICIES: setting({
    key: 'holdPolicies',
    section: 'story',
    group: 'story',
    description:
      "Quarantine types (`DataLossPrevention`, `TransportRule`) and/or policy names whose holds are told as they happen, when `held` is on; empty: none (telling an insider that DLP caught them is the organisation's call).",
    example: 'DataLossPrevention,TransportRule',
    defaultText: '(none)',
    schema: parsedBy(parseHoldPolicies),
    unset: [] as string[],
  }),
  NOTIFY_REVIEW_CONTACT: setting({
    key: 'reviewContact',
    section: 'story',
    group: 'story',
    description:
      'A `mailto:` address or `https://` link shown as written in hold, deletion and expiry notices: where a sender asks for a review.',
    example: 'mailto:dlp-review@contoso.com',
    defaultText: '(none)',
    schema: parsedBy(parseReviewContact),
    unset: undefined as string | undefined,
  }),
  RELEASE_AUDIT_WAIT_MINUTES: setting({
    key: 'releaseAuditWaitMinutes',
    section: 'story',
    group: 'story',
    description:
      'How long a release seen only in the quarantine listing waits for its audit record (which names who released it and when) before it is told with what is known ("released by an administrator"); 0: at once.',
    example: '90',
    // Audit records are typically 60-90 minutes late: waiting that long names the releaser in most notices.
    default: '90',
    recommended: '90',
    schema: parsedBy(parseReleaseAuditWait),
    unset: STORY_DEFAULTS.releaseAuditWaitMinutes,
  }),
};

export type SettingName = keyof typeof SCHEMA;
type Entry<N extends SettingName> = (typeof SCHEMA)[N];

/** The parsed values of one section, keyed by each entry's `key`: the Settings type comes from here. */
export type SectionValues<S extends Section> = {
  [N in SettingName as Entry<N>['section'] extends S ? Entry<N>['key'] : never]: Entry<N>['unset'];
};

/** A declaration with its types erased: what the generic code (validation, docs, doctor) walks over. */
export type AnyDeclaration = Declaration<string, Section, unknown, unknown>;

export function declarations(): [SettingName, AnyDeclaration][] {
  return Object.entries(SCHEMA) as [SettingName, AnyDeclaration][];
}

/** The default text of every setting that has one: what infra/main.bicep's productDefaults mirrors. */
export function schemaDefaults(): Record<string, string> {
  return Object.fromEntries(
    declarations().flatMap(([name, d]) => (d.default !== undefined ? [[name, d.default] as const] : [])),
  );
}
