/**
 * The settings of a held message's whole story (issue 22): which events are told, which holds are
 * told as they happen, and how long a release seen only in the quarantine listing waits for its
 * audit record. Pure parsers over one raw value each, so they port to a schema as they are.
 */

export const STORY_EVENTS = ['released', 'held', 'deleted', 'expired'] as const;
export type StoryEvent = (typeof STORY_EVENTS)[number];

export interface StorySettings {
  /** NOTIFY_ON: the events told; default released only. */
  notifyOn: StoryEvent[];
  /** NOTIFY_HOLD_POLICIES: quarantine types and/or policy names whose holds are told (lower case); empty: none. */
  holdPolicies: string[];
  /** NOTIFY_REVIEW_CONTACT: a mailto: or https: address shown as written; undefined: none. */
  reviewContact: string | undefined;
  /** RELEASE_AUDIT_WAIT_MINUTES: how long a listing-only release waits for its audit record. */
  releaseAuditWaitMinutes: number;
}

/**
 * 90 minutes: audit records are typically 60-90 minutes late; waiting that long names the releasing
 * account in most notices, and a record later than that no longer holds the sender's notice back.
 */
export const DEFAULT_RELEASE_AUDIT_WAIT_MINUTES = 90;
/** A week: past the feed's own 7-day reach, waiting longer can only delay the notice. */
export const MAX_RELEASE_AUDIT_WAIT_MINUTES = 10_080;

export const STORY_DEFAULTS: StorySettings = {
  notifyOn: ['released'],
  holdPolicies: [],
  reviewContact: undefined,
  releaseAuditWaitMinutes: DEFAULT_RELEASE_AUDIT_WAIT_MINUTES,
};

/** What a bad value should have been, for the settings error. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const blank = (raw: string | undefined): boolean => raw === undefined || raw.trim() === '';

/** NOTIFY_ON: comma or semicolon separated events; empty: released. */
export function parseNotifyOn(raw: string | undefined): Parsed<StoryEvent[]> {
  if (blank(raw)) return { ok: true, value: [...STORY_DEFAULTS.notifyOn] };
  const expected = `a list of ${STORY_EVENTS.join(', ')} separated by commas, such as released,held`;
  const events: StoryEvent[] = [];
  for (const part of (raw as string).split(/[,;]/)) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    const event = STORY_EVENTS.find((e) => e === name);
    if (!event) return { ok: false, expected };
    if (!events.includes(event)) events.push(event);
  }
  return { ok: true, value: events };
}

/** NOTIFY_HOLD_POLICIES: quarantine types or policy names (letters, digits, spaces, - _ . ( )), separated by commas or semicolons. */
export function parseHoldPolicies(raw: string | undefined): Parsed<string[]> {
  if (blank(raw)) return { ok: true, value: [] };
  const expected =
    'quarantine types and/or policy names separated by commas, such as DataLossPrevention,TransportRule,Block card numbers';
  const names: string[] = [];
  for (const part of (raw as string).split(/[,;]/)) {
    const name = part.trim();
    if (name === '') continue;
    if (!/^[\p{L}\p{N} _.()-]{1,100}$/u.test(name)) return { ok: false, expected };
    if (!names.includes(name.toLowerCase())) names.push(name.toLowerCase());
  }
  return { ok: true, value: names };
}

/** NOTIFY_REVIEW_CONTACT: one mailto: or https: address, kept as written (the email escapes it). */
export function parseReviewContact(raw: string | undefined): Parsed<string | undefined> {
  if (blank(raw)) return { ok: true, value: undefined };
  const value = (raw as string).trim();
  const expected = 'a mailto: address or an https:// link, such as mailto:dlp-review@contoso.com';
  // No spaces, controls, quotes or angle brackets: the value goes into a link in an email.
  if (value.length > 500 || /[\s"'<>\\\p{Cc}]/u.test(value)) return { ok: false, expected };
  if (/^mailto:[^@]+@[^@]+$/i.test(value)) return { ok: true, value };
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' && url.hostname !== '') return { ok: true, value };
  } catch {
    // not a URL: reported below
  }
  return { ok: false, expected };
}

/** RELEASE_AUDIT_WAIT_MINUTES: a whole number from 0 (tell at once) to a week. */
export function parseReleaseAuditWait(raw: string | undefined): Parsed<number> {
  if (blank(raw)) return { ok: true, value: DEFAULT_RELEASE_AUDIT_WAIT_MINUTES };
  const value = Number((raw as string).trim());
  if (!/^\d+$/.test((raw as string).trim()) || value > MAX_RELEASE_AUDIT_WAIT_MINUTES)
    return { ok: false, expected: `a whole number of minutes from 0 to ${MAX_RELEASE_AUDIT_WAIT_MINUTES}` };
  return { ok: true, value };
}
