import { classifyAuditRecord } from '../../shared/detect/releaseRecords';
import { isMailboxAddress } from '../../shared/config/settings';
import { idsHeaderValue } from '../../shared/email/compose';
import { defang } from '../../shared/email/sanitize';
import { parseQuarantineRow } from '../../shared/exchange/quarantineRow';
import { ledgerKey } from '../../shared/jobs/notificationJob';
import { noticeKey } from '../../shared/notify/sendNotification';
import { tableKey } from '../../shared/store/tables';
import { addressKey, cleanText, cutText, plainAddress } from '../../shared/text/clean';

const id = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';

describe('outside text cleaned once, at the boundary', () => {
  it.each([
    ['a C0 control', 'adm\u0001in', 'adm in'],
    ['a vertical tab', 'a\u000bb', 'a b'],
    ['a non-character', 'a\ufffeb\uffff', 'ab'],
    ['a lone surrogate', 'a\ud800b', 'a\ufffdb'],
    ['a bidi override', 'abc\u202egnp.exe', 'abcgnp.exe'],
    ['a zero-width space', 'pay\u200bpal', 'paypal'],
    ['a C1 control', 'a\u0085b', 'a b'],
  ])('removes %s', (_name, input, expected) => {
    expect(cleanText(input)).toBe(expected);
    expect(cleanText(cleanText(input))).toBe(expected);
  });

  it('keys the Kelvin sign apart from the user whose name it folds into', () => {
    expect(plainAddress('\u212Aim@contoso.com')).toBeUndefined();
    expect(isMailboxAddress('\u212Aim@contoso.com')).toBe(false);
    expect(addressKey('\u212Aim@contoso.com')).not.toBe(addressKey('kim@contoso.com'));
    expect(noticeKey({ networkMessageId: id, releasedTo: '\u212Aim@contoso.com' })).not.toEqual(
      noticeKey({ networkMessageId: id, releasedTo: 'Kim@contoso.com' }),
    );
    expect(ledgerKey({ networkMessageId: id, releasedTo: 'Kim@Contoso.com' })).toBe(`${id}|kim@contoso.com`);
  });

  it('refuses a lone surrogate in an address (it passed without the u flag)', () => {
    expect(isMailboxAddress('a\ud800@contoso.com')).toBe(false);
    expect(isMailboxAddress('a\u202e@contoso.com')).toBe(false);
    expect(isMailboxAddress('kim@contoso.com')).toBe(true);
  });

  it('never cuts a table key after a lone high surrogate, and encodes lone ones', () => {
    const long = 'a'.repeat(189) + '\ud83d\ude00' + 'b'.repeat(300);
    const key = tableKey(long);
    expect(key).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(() => encodeURIComponent(key)).not.toThrow();
    expect(() => encodeURIComponent(tableKey('x\ud800y'))).not.toThrow();
    expect(tableKey('x\ud800y')).not.toBe(tableKey('x\ud801y'));
    expect(cutText('ab\ud83d\ude00', 3)).toBe('ab');
  });

  it('cleans a UserId with U+0001 where the audit record enters', () => {
    const verdict = classifyAuditRecord({
      Id: '0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      Operation: 'QuarantineReleaseMessage',
      RequestType: 2,
      ResultStatus: 'Successful',
      NetworkMessageId: id,
      CreationTime: '2026-11-20T10:00:00',
      UserId: 'adm\u0001in@contoso.com\ufffe',
    });
    expect(verdict.kind).toBe('release');
    if (verdict.kind === 'release') expect(verdict.event.releasedBy).toBe('adm in@contoso.com');
  });

  it('cleans quarantine row fields where the row enters', () => {
    const row = parseQuarantineRow({
      Identity: `${id}\\6c6b8b1a-1111-2222-3333-444455556666`,
      ReceivedTime: '2026-11-20T09:00:00Z',
      SenderAddress: 'alice@contoso.com',
      RecipientAddress: ['bob@fabrikam.example\u0000'],
      Subject: 'Hi\u0001 there\uffff',
      QuarantineTypes: 'Transport\uffffRule',
    });
    expect(row.ok).toBe(true);
    if (row.ok) {
      expect(row.message.subject).toBe('Hi  there');
      expect(row.message.quarantineType).toBe('TransportRule');
    }
  });

  it.each([
    ['login_paypal.com', 'login_paypal[.]com'],
    ['evil.com-', 'evil[.]com-'],
    ['-evil.com', '-evil[.]com'],
  ])('defangs a domain next to _ or - (%s)', (input, expected) => {
    expect(defang(input)).toBe(expected);
  });

  it('never cuts x-qrn-network-message-ids inside an id', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(8, '0')}-3c1a-4e22-9d3c-08de0a1b2c3d`);
    const value = idsHeaderValue(ids);
    expect(value.length).toBeLessThanOrEqual(900);
    for (const part of value.split(',')) expect(ids).toContain(part);
  });
});
