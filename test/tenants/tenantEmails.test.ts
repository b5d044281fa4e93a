import { composeHealth } from '../../shared/email/health';
import {
  composeProviderSummary,
  summaryFingerprint,
  type TenantHealthLine,
} from '../../shared/tenants/providerSummary';

const state = {
  problem: 'sign-in' as const,
  status: 'open' as const,
  since: '2026-12-02T05:10:00Z',
  lastSeen: '2026-12-02T09:10:00Z',
  count: 3,
  reason: 'AADSTS700016: the app was not found in the directory',
  affected: 'nothing is read or sent for this tenant',
};

describe("a customer tenant's health email", () => {
  it('names the tenant by its Tenants-table name and id, escaped', () => {
    const email = composeHealth(state, { kind: 'open', item: 'open@x' }, ['noc@fabrikam.com'], 'UTC', {
      app: 'qrn-msp',
      tenantId: '3f2a0000-0000-0000-0000-00000000009c',
      tenantName: 'Fabrikam <b>Ltd</b>',
    });
    expect(email.text).toContain('Microsoft 365 tenant Fabrikam <b>Ltd</b> (3f2a0000-0000-0000-0000-00000000009c)');
    expect(email.html).toContain('Fabrikam &lt;b&gt;Ltd&lt;/b&gt; (3f2a0000');
    expect(email.html).not.toContain('<b>Ltd');
  });
});

const line = (tenantId: string, name: string, open: string[]): TenantHealthLine => ({
  tenantId,
  name,
  open,
  lastRun: { stage: 'detect', ok: open.length === 0, at: '2026-12-04T10:00:00Z' },
});

describe("the provider's summary", () => {
  const lines = [
    line('00000000-0000-0000-0000-00000000000a', 'Alpha', []),
    line('00000000-0000-0000-0000-00000000000b', '<script>Bravo</script>', ['sign-in', 'snapshot-failing']),
  ];

  it('lists only the tenants that need attention, each value escaped, to every recipient', () => {
    const email = composeProviderSummary(lines, ['noc@msp.example', 'oncall@msp.example'], 'UTC', 'qrn-msp');
    expect(email.subject).toBe('Quarantine notifier: 1 of 2 tenants need attention');
    expect([email.to, ...(email.moreTo ?? [])]).toEqual(['noc@msp.example', 'oncall@msp.example']);
    expect(email.html).toContain('&lt;script&gt;Bravo&lt;/script&gt;');
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('Alpha');
    expect(email.text).toContain('sign-in, snapshot-failing');
  });

  it('changes its fingerprint exactly when a problem opens or closes somewhere, not when runs merely happen', () => {
    const later = lines.map((l) => ({ ...l, lastRun: { ...l.lastRun, at: '2026-12-04T11:00:00Z' } }));
    expect(summaryFingerprint(later)).toBe(summaryFingerprint(lines));
    expect(summaryFingerprint([lines[0]!, { ...lines[1]!, open: ['sign-in'] }])).not.toBe(summaryFingerprint(lines));
    expect(summaryFingerprint([...lines].reverse())).toBe(summaryFingerprint(lines));
  });
});
