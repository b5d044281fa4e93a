import {
  MAX_HEADER_CHARS,
  MAX_REPEATS,
  MAX_VALUE_CHARS,
  parseMessageHeader,
  singleValue,
} from '../../shared/detect/messageHeader';
import { originFromHeader } from '../../shared/detect/origin';
import { INTERNAL_OUTBOUND, INTERNET_SPOOF, INTRA_ORG, OWN_NOTICE, withLineEnds } from './headerFixtures';

const DIRECTIONALITY = 'x-ms-exchange-organization-messagedirectionality';
const AUTH_AS = 'x-ms-exchange-organization-authas';
const ANTISPAM = 'x-forefront-antispam-report';

describe('parsing a quarantined message header', () => {
  it('finds the organisation stamps of internal mail, unfolding the folded antispam report', () => {
    const parsed = parseMessageHeader(INTERNAL_OUTBOUND);
    expect(parsed.fields[DIRECTIONALITY]).toEqual(['Originating']);
    expect(parsed.fields[AUTH_AS]).toEqual(['Internal']);
    expect(parsed.fields[ANTISPAM]).toEqual([
      'CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:CH0PR11MB0001.namprd11.prod.outlook.com;PTR:;CAT:NONE; SFS:(13230040)(366016)(1800799024);DIR:OUT;SFP:1101;',
    ]);
    expect(parsed).toMatchObject({ productHeader: false, badLines: 0, truncated: false });
    expect(originFromHeader(parsed)).toEqual({ verdict: 'internal', rule: 'Originating+AuthAs:Internal+DIR:OUT' });
  });

  it('reads intra-organisation mail as internal (DIR:INT)', () => {
    expect(originFromHeader(parseMessageHeader(INTRA_ORG))).toEqual({
      verdict: 'internal',
      rule: 'Originating+AuthAs:Internal+DIR:INT',
    });
  });

  it('reads internet mail spoofing the own domain as external, with compauth=fail unfolded from Authentication-Results', () => {
    const parsed = parseMessageHeader(INTERNET_SPOOF);
    expect(parsed.fields['authentication-results']?.[0]).toMatch(/header\.from=contoso\.com;compauth=fail reason=000$/);
    expect(originFromHeader(parsed)).toEqual({
      verdict: 'external',
      rule: 'Incoming+AuthAs:Anonymous+DIR:INB+compauth=fail',
    });
  });

  it("spots the product's own x-qrn- headers", () => {
    expect(parseMessageHeader(OWN_NOTICE).productHeader).toBe(true);
  });

  it.each([
    ['bare LF', '\n'],
    ['bare CR', '\r'],
  ])('parses the same fields when lines end with a %s', (_what, end) => {
    for (const header of [INTERNAL_OUTBOUND, INTERNET_SPOOF, INTRA_ORG]) {
      expect(parseMessageHeader(withLineEnds(header, end)).fields).toEqual(parseMessageHeader(header).fields);
    }
  });

  it('keeps a field given twice as a list, and a disagreeing pair decides nothing', () => {
    const agreeing = parseMessageHeader(`${INTERNAL_OUTBOUND}X-MS-Exchange-Organization-AuthAs: internal\r\n`);
    expect(agreeing.fields[AUTH_AS]).toEqual(['Internal', 'internal']);
    expect(originFromHeader(agreeing).verdict).toBe('internal');

    // A sender's own X-Forefront-Antispam-Report claiming DIR:OUT next to Exchange's DIR:INB.
    const forged = INTERNAL_OUTBOUND.replace('X-MS-Exchange-Organization-AuthAs: Internal\r\n', '').replace(
      'X-MS-Exchange-Organization-MessageDirectionality: Originating\r\n',
      '',
    );
    const twice = parseMessageHeader(`${forged}X-Forefront-Antispam-Report: CIP:203.0.113.7;SCL:9;DIR:INB;\r\n`);
    expect(twice.fields[ANTISPAM]).toHaveLength(2);
    expect(singleValue(twice, ANTISPAM)).toEqual({ kind: 'conflict' });
    expect(originFromHeader(twice)).toEqual({ verdict: 'unknown', rule: 'conflicting-duplicates' });
  });

  it('lets the organisation stamps say "external" whatever a forged antispam report claims', () => {
    const header = INTERNET_SPOOF.replace('DIR:INB;', 'DIR:OUT;');
    expect(originFromHeader(parseMessageHeader(header))).toMatchObject({ verdict: 'external' });
  });

  it('decides nothing from contradictory or missing stamps', () => {
    const contradictory = INTERNAL_OUTBOUND.replace('DIR:OUT', 'DIR:INB');
    expect(originFromHeader(parseMessageHeader(contradictory))).toEqual({ verdict: 'unknown', rule: 'contradictory' });
    expect(originFromHeader(parseMessageHeader('From: a@contoso.com\r\nSubject: hi\r\n'))).toEqual({
      verdict: 'unknown',
      rule: 'no-origin-fields',
    });
    expect(
      originFromHeader(parseMessageHeader('X-MS-Exchange-Organization-MessageDirectionality: Originating\r\n')),
    ).toEqual({ verdict: 'unknown', rule: 'incomplete' });
    expect(originFromHeader(parseMessageHeader('not a header at all'))).toEqual({
      verdict: 'unknown',
      rule: 'unparseable',
    });
  });

  it('tolerates non-ASCII bytes in values and garbage lines', () => {
    const header = `Subject: =?utf-8?B?w7xiZXI=?= Grüße 你好 \u0000\u00ff\ud800\r\n€€€ no colon here\r\n${INTERNAL_OUTBOUND}`;
    const parsed = parseMessageHeader(header);
    expect(parsed.badLines).toBe(1);
    expect(originFromHeader(parsed).verdict).toBe('internal');
    // A non-ASCII field name is not a field.
    expect(parseMessageHeader('X-MS-Exchange-Organization-AuthAs\u00e9: Internal\r\n').fields[AUTH_AS]).toBeUndefined();
  });

  it('stops at the blank line that ends the header', () => {
    const parsed = parseMessageHeader(`From: a@contoso.com\r\n\r\nX-MS-Exchange-Organization-AuthAs: Internal\r\n`);
    expect(parsed.fields[AUTH_AS]).toBeUndefined();
  });

  it('stays bounded on a 300 KB header: reads the first 256 KB, caps values and repeats', () => {
    const filler = `X-Filler: ${'a'.repeat(998)}\r\n`;
    const huge = `${INTERNET_SPOOF}${filler.repeat(300)}X-MS-Exchange-Organization-AuthAs: Internal\r\n`;
    expect(huge.length).toBeGreaterThan(300_000);
    const started = Date.now();
    const parsed = parseMessageHeader(huge);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(parsed.truncated).toBe(true);
    // The stamp after the 256 KB mark was not read: the early ones decide.
    expect(parsed.fields[AUTH_AS]).toEqual(['Anonymous']);
    expect(originFromHeader(parsed).verdict).toBe('external');

    const oneValue = parseMessageHeader(
      `X-Forefront-Antispam-Report: DIR:OUT;\r\n${` ${'b'.repeat(1000)}\r\n`.repeat(300)}`,
    );
    expect(oneValue.fields[ANTISPAM]?.[0].length).toBeLessThanOrEqual(MAX_VALUE_CHARS);

    const repeated = parseMessageHeader('X-MS-Exchange-Organization-AuthAs: Internal\r\n'.repeat(5000));
    expect(repeated.fields[AUTH_AS]).toHaveLength(MAX_REPEATS);
    expect(repeated.truncated).toBe(true);

    const oneLine = parseMessageHeader(`X-Forefront-Antispam-Report: ${'c'.repeat(MAX_HEADER_CHARS * 2)}`);
    expect(oneLine.fields[ANTISPAM]?.[0].length).toBeLessThanOrEqual(MAX_VALUE_CHARS);
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [
      undefined,
      null,
      42,
      {},
      '',
      '\r\n\r\n',
      ':',
      ' folded first',
      '\t\t',
      'a:'.repeat(100_000),
    ];
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200; i++)
      inputs.push(Array.from({ length: 400 }, () => String.fromCharCode(Math.floor(random() * 0x10000))).join(''));
    for (const input of inputs) expect(() => parseMessageHeader(input)).not.toThrow();
  });
});

describe('a header that ends before its text does', () => {
  it('says why it was cut: size, field count, repeats, or a blank line with more header after it', () => {
    expect(parseMessageHeader(`X-A: ${'a'.repeat(MAX_HEADER_CHARS)}\r\n`).cut).toBe('size');
    expect(parseMessageHeader('X-F: 1\r\n'.repeat(2_001)).cut).toBe('fields');
    expect(parseMessageHeader('X-MS-Exchange-Organization-AuthAs: Internal\r\n'.repeat(9)).cut).toBe('repeats');
    // A CR CR inside a sender's value makes a blank line: Exchange's stamps after it are never read.
    const early = parseMessageHeader(
      'From: ceo@contoso.com\r\nX-Forefront-Antispam-Report: DIR:OUT;\r\r\nX-MS-Exchange-Organization-MessageDirectionality: Incoming\r\n',
    );
    expect(early).toMatchObject({ truncated: true, cut: 'early-end' });
    expect(originFromHeader(early)).toEqual({ verdict: 'unknown', rule: 'truncated:early-end' });
    // Trailing blank lines are not a cut.
    expect(parseMessageHeader('From: a@contoso.com\r\n\r\n\r\n  \r\n')).toMatchObject({
      truncated: false,
      cut: 'none',
    });
  });

  it('reads a cut header as outside when the stamps it reached say so, never as inside', () => {
    const outside = `X-MS-Exchange-Organization-AuthAs: Anonymous\r\nX-Forefront-Antispam-Report: DIR:INB;\r\n${'X-F: 1\r\n'.repeat(2_001)}`;
    expect(originFromHeader(parseMessageHeader(outside))).toEqual({
      verdict: 'external',
      rule: 'cut:AuthAs:Anonymous+DIR:INB',
    });
    const inside = INTERNAL_OUTBOUND + 'X-F: 1\r\n'.repeat(2_001);
    expect(originFromHeader(parseMessageHeader(inside))).toEqual({ verdict: 'unknown', rule: 'truncated:fields' });
  });
});
