import { decideClaim, ledgerRetentionCutoff } from '../../shared/notify/claim';
import { noticeKey } from '../../shared/notify/sendNotification';
import { entityKeys, keySafe } from '../../shared/store/notificationLedger';
import { type LedgerEntry } from '../../shared/notify/ports';

const NOW = new Date('2026-08-21T10:00:00Z');
const owner = { jobId: 'job-1', deliveryId: 'msg-1' };
const entry = (overrides: Partial<LedgerEntry>): LedgerEntry => ({
  status: 'claimed',
  jobId: 'job-1',
  deliveryId: 'msg-1',
  claimedAt: new Date(NOW.getTime() - 60_000),
  attemptAt: undefined,
  marker: undefined,
  sentAt: undefined,
  dryRun: false,
  ...overrides,
});

describe('decideClaim', () => {
  it('a sent row means the sender was told, whoever sent it and however long ago', () => {
    expect(decideClaim(entry({ status: 'sent' }), owner, NOW)).toEqual({ kind: 'alreadyTold' });
    expect(decideClaim(entry({ status: 'sent', jobId: 'x', claimedAt: new Date(0) }), owner, NOW)).toEqual({
      kind: 'alreadyTold',
    });
  });

  it('our own claim (a retry of the same delivery) is ours, even when old', () => {
    expect(decideClaim(entry({}), owner, NOW)).toEqual({ kind: 'ours' });
    expect(decideClaim(entry({ claimedAt: new Date(0) }), owner, NOW)).toEqual({ kind: 'ours' });
  });

  it('a live claim of another delivery is owned elsewhere, even for the same job (a duplicate message)', () => {
    expect(decideClaim(entry({ jobId: 'job-2', deliveryId: 'msg-2' }), owner, NOW)).toEqual({ kind: 'ownedElsewhere' });
    expect(decideClaim(entry({ deliveryId: 'msg-2' }), owner, NOW)).toEqual({ kind: 'ownedElsewhere' });
    expect(
      decideClaim(entry({ deliveryId: 'msg-2', claimedAt: new Date(NOW.getTime() - 9 * 60_000) }), owner, NOW),
    ).toEqual({ kind: 'ownedElsewhere' });
  });

  it('a claim older than 10 minutes, or unreadable, is taken over', () => {
    expect(
      decideClaim(entry({ deliveryId: 'msg-2', claimedAt: new Date(NOW.getTime() - 10 * 60_000) }), owner, NOW),
    ).toEqual({ kind: 'takeOver' });
    expect(decideClaim(entry({ deliveryId: 'msg-2', claimedAt: undefined }), owner, NOW)).toEqual({ kind: 'takeOver' });
    expect(decideClaim(entry({ status: 'unknown' }), owner, NOW)).toEqual({ kind: 'takeOver' });
  });
});

describe('ledger keys', () => {
  it('lower-cases and percent-encodes what Table Storage forbids, and % itself', () => {
    expect(keySafe('Bob@Fabrikam.example')).toBe('bob@fabrikam.example');
    expect(keySafe('a/b\\c#d?e%f@x.example')).toBe('a%2Fb%5Cc%23d%3Fe%25f@x.example');
    expect(keySafe('tab\there\u007f\u0085@x.example')).toBe('tab%09here%7F%85@x.example');
    // Reversible, so distinct addresses never share a row.
    expect(keySafe('a%2Fb@x.example')).not.toBe(keySafe('a/b@x.example'));
  });

  it('cuts very long keys and keeps them unique with a hash', () => {
    const long = `${'a'.repeat(300)}@x.example`;
    const other = `${'a'.repeat(300)}b@x.example`;
    expect(keySafe(long).length).toBeLessThanOrEqual(255);
    expect(keySafe(long)).not.toBe(keySafe(other));
  });

  it('keys a release by NetworkMessageId and released-to address', () => {
    expect(
      entityKeys(
        noticeKey({ networkMessageId: '5B0F7C1E-3C1A-4E22-9D3C-08DE0A1B2C3D', releasedTo: 'Bob@Fabrikam.example' }),
      ),
    ).toEqual({
      partitionKey: '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d',
      rowKey: 'bob@fabrikam.example',
    });
  });

  it('keeps rows 30 days', () => {
    expect(ledgerRetentionCutoff(NOW).toISOString()).toBe('2026-07-22T10:00:00.000Z');
  });
});
