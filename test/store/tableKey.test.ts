import { tableKey } from '../../shared/store/tables';

// Keys name ledger rows, release records and pace counters: two values sharing one key would make
// one sender's notice suppress another's, so distinct values must always give distinct keys.
describe('tableKey', () => {
  const shared = `${'a'.repeat(185)}.mailbox`; // 193 characters in common, more than the 190 a cut key keeps
  const first = `${shared}.${'x'.repeat(80)}@contoso.com`;
  const second = `${shared}.${'y'.repeat(80)}@contoso.com`;

  it('keeps two long addresses that share their first 190 characters apart', () => {
    expect(first.slice(0, 190)).toBe(second.slice(0, 190));
    const a = tableKey(first);
    const b = tableKey(second);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(255);
    expect(b.length).toBeLessThanOrEqual(255);
  });

  it('never gives a literal "prefix~hash" value the key of the long value it imitates', () => {
    const cut = tableKey(first);
    expect(cut).toMatch(/^a{185}\.mail~[0-9a-f]{64}$/);
    // Someone sends from (or releases to) exactly that string.
    expect(tableKey(cut)).not.toBe(cut);
    expect(tableKey(cut)).not.toBe(tableKey(second));
  });

  it('escapes the separator and the escape character, so encoded values stay distinct', () => {
    expect(tableKey('a~b')).toBe('a%7Eb');
    expect(tableKey('a%7Eb')).toBe('a%257Eb');
    expect(tableKey('a~b')).not.toBe(tableKey('a%7Eb'));
    expect(tableKey('x/y#z?')).toBe('x%2Fy%23z%3F');
  });

  it('leaves ordinary addresses and GUIDs as they are', () => {
    expect(tableKey('alice@contoso.com')).toBe('alice@contoso.com');
    expect(tableKey('5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d')).toBe('5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d');
  });
});
