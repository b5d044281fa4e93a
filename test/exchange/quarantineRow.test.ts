import { parseQuarantineRow } from '../../shared/exchange/quarantineRow';
import { exchangeErrorText } from '../../shared/exchange/exchangeClient';

const row = {
  Identity: '5B0F7C1E-3C1A-4E22-9D3C-08DE0A1B2C3D\\9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
  'ReceivedTime@data.type': 'System.DateTime',
  ReceivedTime: '2026-08-20T14:02:11.1234567+00:00',
  MessageId: '<CH0PR11MB0001.contoso.onmicrosoft.com@contoso.com>',
  SenderAddress: 'Alice@Contoso.com',
  'RecipientAddress@odata.type': '#Collection(String)',
  RecipientAddress: ['bob@fabrikam.example'],
  Subject: 'Q3 pricing sheet',
  Size: 48211,
  Type: 'TransportRule',
  PolicyType: 'ExchangeTransportRule',
  PolicyName: 'Quarantine outbound attachments to external',
  ReleaseStatus: 'NOTRELEASED',
  QuarantineTypes: 'TransportRule',
  Expires: '2026-09-19T14:02:11.1234567+00:00',
  Direction: 'Outbound',
};

describe('a Get-QuarantineMessage row', () => {
  it('splits Identity into a lower-case NetworkMessageId and copy id and keeps what the notification needs', () => {
    const parsed = parseQuarantineRow(row);
    expect(parsed).toMatchObject({
      ok: true,
      message: {
        networkMessageId: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d',
        copyId: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
        senderAddress: 'alice@contoso.com',
        recipients: ['bob@fabrikam.example'],
        subject: 'Q3 pricing sheet',
        quarantineType: 'TransportRule',
        policyName: 'Quarantine outbound attachments to external',
        direction: 'Outbound',
        size: 48211,
      },
    });
    if (parsed.ok) expect(parsed.message.receivedAt.toISOString()).toBe('2026-08-20T14:02:11.123Z');
  });

  it.each([
    ['no backslash', { ...row, Identity: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d' }],
    ['a key-illegal character', { ...row, Identity: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d\\a/b#c' }],
    ['a control character', { ...row, Identity: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d\\ab\u0001' }],
    ['not a GUID', { ...row, Identity: 'hello\\world' }],
    ['no ReceivedTime', { ...row, ReceivedTime: 'yesterday' }],
    ['not an object', 'Identity'],
  ])('is skipped with a reason when it has %s', (_what, raw) => {
    const parsed = parseQuarantineRow(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/\w/);
  });

  it('keeps rows with an empty sender or no recipients: who to tell is decided later and logged there', () => {
    const parsed = parseQuarantineRow({ ...row, SenderAddress: '', RecipientAddress: [] });
    expect(parsed).toMatchObject({ ok: true, message: { senderAddress: '', recipients: [] } });
  });
});

describe('an Exchange error body', () => {
  it('yields the inner exception text, not the constant "Invalid Operation"', () => {
    const body = {
      error: {
        code: 'BadRequest',
        message: 'Invalid Operation',
        innererror: { internalexception: { message: "Cannot bind parameter 'StartReceivedDate'." } },
      },
    };
    expect(exchangeErrorText(body)).toBe("Cannot bind parameter 'StartReceivedDate'.");
    expect(
      exchangeErrorText({
        error: { message: 'Invalid Operation', details: [{ message: 'A positional parameter cannot be found' }] },
      }),
    ).toBe('A positional parameter cannot be found');
    expect(exchangeErrorText('\u0000\u0000')).toBeUndefined();
  });
});
