import fc from 'fast-check';
import { parseMessageHeader, MAX_FIELDS, MAX_HEADER_CHARS } from '../../shared/detect/messageHeader';
import { decideOrigin, fallbackOrigin, originFromHeader } from '../../shared/detect/origin';
import { quarantined } from '../support/mothers';
import { CORPUS, TENANT_DOMAINS } from './corpus';

const rowsOf = (entry: (typeof CORPUS)[number]) => [
  quarantined({
    networkMessageId: '00000000-0000-4000-8000-000000000001',
    copyId: 'c1',
    senderAddress: entry.row.sender,
    recipients: entry.row.recipients,
    quarantineType: entry.row.quarantineType,
  }),
];

describe('the header corpus: real Exchange Online and Outlook.com headers, and documented shapes', () => {
  it('holds at least 20 headers, most of them real, each with a source', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(20);
    expect(CORPUS.filter((e) => e.provenance !== 'rebuilt').length).toBeGreaterThanOrEqual(14);
    for (const e of CORPUS) expect(e.source.length).toBeGreaterThan(10);
  });

  it.each(CORPUS.map((e) => [e.name, e] as const))('%s: the header says what it must', (_name, entry) => {
    const decided = originFromHeader(parseMessageHeader(entry.text));
    expect(decided.verdict).toBe(entry.header.verdict);
    expect(decided.rule.startsWith(entry.header.rule)).toBe(true);
  });

  it.each(CORPUS.map((e) => [e.name, e] as const))(
    '%s: with the header readable the final verdict is right, and the fallback is what the entry records',
    (_name, entry) => {
      const rows = rowsOf(entry);
      const fallback = fallbackOrigin(rows, entry.row.sender, TENANT_DOMAINS);
      expect(fallback.verdict).toBe(entry.fallback);
      const origin = decideOrigin(
        { status: 'read', parsed: parseMessageHeader(entry.text) },
        rows,
        entry.row.sender,
        TENANT_DOMAINS,
      );
      expect(origin.verdict).toBe(entry.verdict);
      expect(origin.source).toBe(entry.header.verdict === 'unknown' ? 'fallback' : 'header');
    },
  );

  it('the fallback, re-checked on the corpus, never tells a message that came from outside', () => {
    const outside = CORPUS.filter((e) => e.truth.startsWith('external'));
    expect(outside.length).toBeGreaterThanOrEqual(7);
    for (const e of outside) expect(fallbackOrigin(rowsOf(e), e.row.sender, TENANT_DOMAINS).verdict).toBe('external');
    // Where the fallback is wrong it errs towards silence: an inside-only hold of a real user's mail.
    const wrong = CORPUS.filter((e) => e.truth.startsWith('internal') && e.fallback !== 'internal');
    expect(wrong.map((e) => e.header.verdict)).toEqual(wrong.map(() => 'internal'));
  });
});

/** Header text as a sender could shape it: origin-looking fields, junk, odd line ends. */
const LINE_ENDS = ['\r\n', '\n', '\r'];
const fieldLine = fc.oneof(
  fc.constantFrom(
    'X-MS-Exchange-Organization-MessageDirectionality: Originating',
    'X-MS-Exchange-Organization-MessageDirectionality: Incoming',
    'X-MS-Exchange-Organization-AuthAs: Internal',
    'X-MS-Exchange-Organization-AuthAs: Anonymous',
    'X-MS-Exchange-Organization-AuthAs: Partner',
    'X-MS-Exchange-Organization-AuthAs: External',
    'X-MS-Exchange-Organization-AuthMechanism: 10',
    'X-Forefront-Antispam-Report: CIP:255.255.255.255;SFV:NSPM;DIR:OUT;',
    'X-Forefront-Antispam-Report: SFV:SKI; DIR:INB; SFP:;',
    'X-Forefront-Antispam-Report: DIR:INT;',
    'X-MS-Exchange-CrossTenant-AuthAs: Internal',
    'X-MS-Exchange-CrossTenant-AuthAs: Anonymous',
    'X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem',
    'X-MS-Exchange-CrossTenant-FromEntityHeader: Hosted',
    'X-MS-Exchange-CrossTenant-FromEntityHeader: Internet',
    'Authentication-Results: dmarc=fail header.from=contoso.com;compauth=fail reason=601',
    'From: ceo@contoso.com',
    ' folded continuation',
    '',
  ),
  fc.string({ maxLength: 80 }),
);
const headerText = fc
  .tuple(fc.array(fieldLine, { maxLength: 40 }), fc.constantFrom(...LINE_ENDS))
  .map(([lines, end]) => lines.join(end) + end);

describe('header text -> origin, on generated inputs', () => {
  it('never throws and gives the same verdict for the same input', () => {
    fc.assert(
      fc.property(fc.oneof(headerText, fc.string({ maxLength: 2000 })), (text) => {
        const a = originFromHeader(parseMessageHeader(text));
        const b = originFromHeader(parseMessageHeader(text));
        expect(b).toEqual(a);
        expect(['internal', 'external', 'unknown']).toContain(a.verdict);
      }),
      { numRuns: 400 },
    );
  });

  it("a header cut before Exchange's stamps never tells, whatever the sender wrote ahead of the cut", () => {
    const cuts = fc.constantFrom<'size' | 'fields' | 'early-end'>('size', 'fields', 'early-end');
    fc.assert(
      fc.property(headerText, cuts, (senderPart, how) => {
        const stamps =
          'X-MS-Exchange-Organization-MessageDirectionality: Incoming\r\nX-MS-Exchange-Organization-AuthAs: Anonymous\r\n';
        const filler =
          how === 'size'
            ? `X-Filler: ${'f'.repeat(1000)}\r\n`.repeat(Math.ceil(MAX_HEADER_CHARS / 1000) + 1)
            : how === 'fields'
              ? 'X-F: 1\r\n'.repeat(MAX_FIELDS + 1)
              : 'X-Last: value\r\r\r\nX-After: more\r\n';
        const parsed = parseMessageHeader(`From: a@contoso.com\r\n${senderPart}${filler}${stamps}`);
        // Whatever ended it (the filler, or a blank line the sender wrote), the stamps were not reached.
        expect(parsed.truncated).toBe(true);
        expect(originFromHeader(parsed).verdict).not.toBe('internal');
      }),
      { numRuns: 150 },
    );
  });
});
