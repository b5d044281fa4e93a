import { z } from 'zod';

/**
 * The product's own validators, as zod schemas over a setting's text. Each failure carries the
 * "expected ..." half of the one-line error the admin sees (settings.ts adds "Setting X is invalid
 * (got ...)"); `params.got` replaces the shown value (the one bad address of a list, or "(hidden)"
 * for a secret) and `params.message` replaces the whole line where the generic one would mislead.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** A setting's text: trimmed, and an empty value counts as unset. */
export function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export const SUPPORTED_LANGUAGES = ['en', 'de', 'fr', 'es', 'nl'] as const;

/** Recipients of one email: the most an address-list setting may hold. */
export const MAX_LISTED_RECIPIENTS = 50;

/** Sign-in hosts of Microsoft's clouds; instance discovery only works against these. */
export const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Deliberately plain: one @, no spaces, no control, format, surrogate, private or unassigned code
// points (the u flag reads a lone surrogate as one, so it is refused, not half-matched), a dotted domain.
const MAILBOX = /^[^\s@<>",;:\\()[\]\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/iu;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function isMailboxAddress(value: string): boolean {
  // An address NFKC would change (the Kelvin sign K, fullwidth letters) is no plain address: folded,
  // it would be another user's (text/clean.ts, addressKey).
  return value.length <= 320 && MAILBOX.test(value) && value.normalize('NFKC') === value;
}

/** Records one failure: `expected` completes "expected ...", `params` as described above. */
export function reject<T>(
  ctx: z.core.$RefinementCtx<T>,
  expected: string,
  params: { got?: string; message?: string; setting?: string } = {},
): never {
  ctx.addIssue({ code: 'custom', message: expected, params });
  return z.NEVER as never;
}

export const guid = (example: string, what = 'the tenant GUID') =>
  z
    .string()
    .regex(GUID, `${what}, such as ${example}`)
    .transform((v) => v.toLowerCase());

export const mailbox = z
  .string()
  .refine(isMailboxAddress, 'a mailbox address such as quarantine-notices@contoso.com')
  .transform((v) => v.toLowerCase());

export const boolean = z
  .string()
  .regex(/^(true|1|yes|false|0|no)$/i, 'true or false')
  .transform((v) => /^(true|1|yes)$/i.test(v));

/** A whole number from min to max; min 0 reads as "0 (off)". */
export const wholeNumber = (min: 0 | 1, max: number) => {
  const expected = `a whole number from ${min === 0 ? '0 (off)' : min} to ${max}`;
  return z.string().regex(/^\d+$/, expected).transform(Number).pipe(z.number().min(min, expected).max(max, expected));
};

/** NCRONTAB as the Functions timer takes it: six fields, seconds first. */
export const schedule = (example: string) =>
  z.string().refine((raw) => {
    const fields = raw.split(/\s+/);
    return fields.length === 6 && fields.every((f) => /^[\d*/,\-A-Za-z]+$/.test(f));
  }, `an NCRONTAB expression with six fields (seconds first), such as "${example}"`);

/** An ISO-8601 instant; an explicit zone is required: a bare local time means different instants on different hosts. */
export const instant = z
  .string()
  .refine(
    (raw) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(raw) &&
      !Number.isNaN(Date.parse(raw)),
    'an ISO-8601 instant with a zone, such as 2026-01-31T00:00:00Z',
  )
  .transform((raw) => new Date(raw));

export const language = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(SUPPORTED_LANGUAGES, `one of ${SUPPORTED_LANGUAGES.join(', ')}`));

export const plainText = z.string();

export const boundedText = (max: number, example: string) =>
  z.string().max(max, `at most ${max} characters, for example: ${example}`);

/** An https origin (no path, query or credentials): where a token for `<origin>/.default` is sent. */
export const endpoint = (example: string) =>
  z.string().transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return reject(ctx, `an https URL such as ${example}`);
    }
    if (
      url.protocol !== 'https:' ||
      (url.pathname !== '/' && url.pathname !== '') ||
      url.search ||
      url.hash ||
      url.username
    )
      return reject(ctx, `an https origin without path or query, such as ${example}`);
    return url.origin;
  });

/** The sign-in host's origin (https only). */
export const authorityHost = z.string().transform((raw, ctx) => {
  const expected = 'an https URL such as https://login.microsoftonline.com';
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' ? url.origin : reject(ctx, expected);
  } catch {
    return reject(ctx, expected);
  }
});

/** An IANA time zone name as Intl knows it, in its canonical spelling (europe/berlin -> Europe/Berlin). */
export const timeZone = z.string().transform((raw, ctx) => {
  const expected = 'an IANA time zone name such as Europe/Berlin, America/New_York or UTC';
  if (raw.length > 64) return reject(ctx, expected);
  try {
    return new Intl.DateTimeFormat('en', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    // Intl throws RangeError for a zone it does not know.
    return reject(ctx, expected);
  }
});

/** Mailbox addresses separated by commas or semicolons, lower-cased, each once; `off`: none. */
export const addressList = z.string().transform((raw, ctx) => {
  if (/^off$/i.test(raw)) return [];
  const expected =
    'mailbox addresses separated by commas or semicolons, such as secops@contoso.com;it@contoso.com, or off';
  const addresses: string[] = [];
  for (const part of raw.split(/[,;]/)) {
    const address = part.trim().toLowerCase();
    if (address === '') continue;
    if (!isMailboxAddress(address)) return reject(ctx, expected, { got: part.trim() });
    if (!addresses.includes(address)) addresses.push(address);
  }
  if (addresses.length > MAX_LISTED_RECIPIENTS)
    return reject(ctx, `at most ${MAX_LISTED_RECIPIENTS} ${expected.replace(/^mailbox /, '')}`);
  return addresses;
});

/** Quarantine type names (letters only), comma separated; `off` (or `none`) switches the rule off. */
export const typeList = z.string().transform((raw, ctx) => {
  if (/^(off|none)$/i.test(raw)) return [];
  const types = raw
    .split(/[,;]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const bad = types.find((type) => !/^[A-Za-z]{1,40}$/.test(type));
  if (bad !== undefined)
    return reject(ctx, 'quarantine types separated by commas, such as Malware,HighConfPhish,Phish, or off', {
      got: bad,
    });
  return types;
});

/** One of the given words, lower-cased. */
export const choice = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values, `one of ${values.join(', ')}`));
