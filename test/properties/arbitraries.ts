/**
 * Generated inputs for the property tests: hostile text (controls, lone surrogates, non-characters,
 * bidi controls, markup, long runs), addresses and releases. QRN_PROPERTY_RUNS sets how many inputs
 * each property tries (npm test: a few seconds each; npm run properties: many more).
 */
import fc from 'fast-check';
import type { ReleasedMessageFacts } from '../../shared/domain/types';

export const RUNS = Number(process.env.QRN_PROPERTY_RUNS ?? 60);
/** Inputs tried in this file, reported once by `reportTried`. */
let tried = 0;
export function params<T>(extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  return { numRuns: RUNS, ...extra };
}
export function count(): void {
  tried++;
}
export function reportTried(name: string): void {
  // The longer run (npm run properties) reads this line to say how many inputs it tried.
  process.stdout.write(`properties: ${name}: ${tried} generated inputs tried\n`);
}

/** Characters an attacker or a broken system puts into outside text. */
const hostileChar = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\u000b',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\u200b',
  '\u202e',
  '\u2066',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udfff',
  '\u212a',
  '<',
  '>',
  '&',
  '"',
  "'",
  '`',
  '\\',
  '/',
  '%',
  '#',
  '?',
  '~',
  '@',
  '.',
  '_',
  '-',
  'é',
  '😀',
  '\ud83d\ude00',
  'K',
  'k',
  ' ',
  '\t',
  '\n',
  'http://',
  'evil.com',
  '<script>',
  ']]>',
  '-->',
  'a',
  'Z',
  '0',
);
export const hostileText = (maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(
    fc.array(hostileChar, { maxLength }).map((cs) => cs.join('')),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ maxLength }),
  );
/** Sometimes very long: the budgets must hold for the longest values a field may carry. */
export const sizedText = (max: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: hostileText(40) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(hostileText(8), fc.integer({ min: 1, max }))
        .map(([t, n]) => (t || 'x').repeat(n).slice(0, max)),
    },
  );

export const address: fc.Arbitrary<string> = fc.oneof(
  fc.emailAddress(),
  fc.tuple(hostileText(20), fc.constantFrom('@contoso.com', '@fabrikam.example', '')).map(([l, d]) => `${l}${d}`),
  fc.integer({ min: 1, max: 900 }).map((n) => `${'r'.repeat(n)}@fabrikam.example`),
);

export const guid: fc.Arbitrary<string> = fc.uuid();
const iso = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

export const release = (networkMessageId: fc.Arbitrary<string> = guid): fc.Arbitrary<ReleasedMessageFacts> =>
  fc.record({
    networkMessageId,
    subject: sizedText(1000),
    receivedAt: iso,
    recipients: fc.array(address, { maxLength: 60 }),
    releasedTo: fc.oneof(fc.constant(''), address),
    releasedBy: fc.option(address, { nil: undefined }),
    releasedAt: iso,
    quarantineType: sizedText(1000),
    policyName: sizedText(2000),
  });

const alertView = fc.record({
  release: fc.record({
    recordId: fc.string({ minLength: 1, maxLength: 40 }),
    networkMessageId: guid,
    releasedTo: fc.oneof(fc.constant(''), address),
    releasedBy: fc.option(address, { nil: undefined }),
    releasedAt: fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }),
  }),
  message: fc.option(
    fc.record({
      sender: address,
      recipients: fc.array(address, { maxLength: 12 }),
      subject: sizedText(1000),
      receivedAt: fc.constant('2026-11-20T09:00:00.000Z'),
      quarantineType: sizedText(1000),
      policyName: sizedText(2000),
      origin: fc.constantFrom('internal', 'external', 'unknown'),
    }),
    { nil: undefined },
  ),
});
/** What the alert rules find (alerts/rules.ts), as alertJobsFor takes it. */
export const alertFinding = fc.record({
  rule: fc.constantFrom('risky-type' as const, 'burst' as const, 'released-to-other' as const),
  key: hostileText(30),
  account: fc.option(address, { nil: undefined }),
  releases: fc.array(alertView, { minLength: 1, maxLength: 60 }),
});
