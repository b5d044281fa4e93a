import { oneWitnessEach } from '../../shared/detect/releaseSources';

const NMID = '5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d';
const release = (recordId: string, releasedTo: string, source?: 'listing') => ({
  recordId,
  networkMessageId: NMID,
  releasedTo,
  ...(source ? { source } : {}),
});

describe('a release both sources saw is counted once (the burst rule)', () => {
  it('keeps the audit record and drops the listing row of the same message and recipient', () => {
    const kept = oneWitnessEach([
      release('audit-1', 'bob@contoso.com'),
      release('list-1', 'bob@contoso.com', 'listing'),
    ]);
    expect(kept.map((r) => r.recordId)).toEqual(['audit-1']);
  });

  it('keeps a listing row whose audit record never came', () => {
    const kept = oneWitnessEach([
      release('audit-1', 'bob@contoso.com'),
      release('list-2', 'eve@contoso.com', 'listing'),
    ]);
    expect(kept.map((r) => r.recordId)).toEqual(['audit-1', 'list-2']);
  });

  it('an audit record "to all recipients" covers every listing row of its message', () => {
    const kept = oneWitnessEach([
      release('audit-all', ''),
      release('list-1', 'bob@contoso.com', 'listing'),
      release('list-2', 'eve@contoso.com', 'listing'),
    ]);
    expect(kept.map((r) => r.recordId)).toEqual(['audit-all']);
  });
});
