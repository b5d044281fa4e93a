/**
 * One customer tenant of a service provider's deployment, as the Tenants table holds it: its id, a
 * display name, whether it is served, and the settings it overrides. The settings are the ordinary
 * setting names and texts, so each tenant's values go through the one schema (config/schema.ts) and
 * a bad value is reported exactly as a bad app setting would be.
 */
import { isGuid } from '../config/settings';
import type { SettingName } from '../config/schema';

/**
 * What a tenant may set for itself: what its senders read, who hears about it, and its limits.
 * Connection settings (storage, endpoints, sign-in host) and the timers' schedules are the deployment's.
 */
export const TENANT_SETTING_NAMES = [
  'NOTIFY_SENDER_MAILBOX',
  'NOTIFY_DRY_RUN',
  'DRY_RUN_RELEASES_AFTER',
  'NOTIFY_RELEASES_SINCE',
  'NOTIFY_SAVE_TO_SENT_ITEMS',
  'NOTIFY_SUBJECT',
  'NOTIFY_INTRO',
  'NOTIFY_FOOTER',
  'NOTIFY_LANGUAGE',
  'NOTIFY_TIME_ZONE',
  'NOTIFY_SHOW_RELEASER',
  'NOTIFY_SHOW_POLICY',
  'NOTIFY_MAX_PER_MINUTE',
  'NOTIFY_MAX_PER_DAY',
  'ALERT_RECIPIENTS',
  'ALERT_RISKY_TYPES',
  'ALERT_BURST_RELEASES',
  'ALERT_RELEASED_TO_OTHER',
  'HEALTH_RECIPIENTS',
  'HEALTH_ALERT_AFTER_MINUTES',
  'REPORT_RECIPIENTS',
  'NOTIFY_ON',
  'NOTIFY_HOLD_POLICIES',
  'NOTIFY_REVIEW_CONTACT',
  'RELEASE_AUDIT_WAIT_MINUTES',
] as const satisfies readonly SettingName[];

export type TenantSettingName = (typeof TENANT_SETTING_NAMES)[number];

const OVERRIDABLE: ReadonlySet<string> = new Set(TENANT_SETTING_NAMES);

export interface TenantRecord {
  /** Lower-case GUID; the row key. */
  tenantId: string;
  /** For people: lists, logs and the provider's summary. */
  name: string;
  /** A disabled tenant is not run; its queued notices wait until it is enabled again. */
  disabled: boolean;
  settings: Partial<Record<TenantSettingName, string>>;
  addedAt: string;
}

export class TenantRecordError extends Error {
  readonly code = 'tenant-record' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TenantRecordError';
  }
}

/**
 * A tenant the deployment knows but cannot serve as things stand: its Tenants row cannot be read, or
 * its settings are invalid. Its notices wait (they are not a removed tenant's) and the provider is told.
 */
export class TenantUnavailableError extends Error {
  readonly code = 'tenant-unavailable' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TenantUnavailableError';
  }
}

const MAX_NAME = 100;
const MAX_SETTING_TEXT = 2_000;

/** A tenant id as the table keys it, or a clear error naming what was given. */
export function tenantIdOf(value: unknown): string {
  if (typeof value !== 'string' || !isGuid(value.trim()))
    throw new TenantRecordError(
      `"${String(value).slice(0, 60)}" is not a tenant id: expected the tenant's GUID, such as 00000000-0000-0000-0000-000000000001.`,
    );
  return value.trim().toLowerCase();
}

/** The overrides, checked to be settings a tenant may set (each value is checked by the schema later). */
export function tenantSettingsOf(value: unknown): Partial<Record<TenantSettingName, string>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new TenantRecordError("the tenant's settings are not an object of setting names and texts");
  const settings: Partial<Record<TenantSettingName, string>> = {};
  for (const [name, text] of Object.entries(value)) {
    if (!OVERRIDABLE.has(name))
      throw new TenantRecordError(
        `${name.slice(0, 60)} cannot be set per tenant: only ${TENANT_SETTING_NAMES.join(', ')} can (connection settings and schedules are the deployment's).`,
      );
    if (typeof text !== 'string' || text.length > MAX_SETTING_TEXT)
      throw new TenantRecordError(`${name}: expected a text of at most ${MAX_SETTING_TEXT} characters`);
    settings[name as TenantSettingName] = text;
  }
  return settings;
}

/** A display name: printable, one line, bounded (it reaches logs and the provider's email). */
export function tenantNameOf(value: unknown, tenantId: string): string {
  const text = typeof value === 'string' ? value.replace(/[\p{Cc}\p{Cf}]/gu, ' ').trim() : '';
  return text.length === 0 ? tenantId : text.slice(0, MAX_NAME);
}
