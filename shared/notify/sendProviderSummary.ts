/**
 * The provider's summary through the one sending machinery: one ledger item per picture of the
 * tenants' open problems, so each change is told exactly once, even when the send's answer is lost.
 */
import { composeProviderSummary, summaryFingerprint, type TenantHealthLine } from '../tenants/providerSummary';
import { deliver, type DeliverDeps, type DeliveryOutcome } from './deliver';

export interface ProviderSummaryDeps {
  delivery: DeliverDeps;
  recipients: readonly string[];
  timeZone: string;
  app: string | undefined;
}

export function sendProviderSummary(
  lines: readonly TenantHealthLine[],
  deps: ProviderSummaryDeps,
): Promise<DeliveryOutcome> {
  const { delivery } = deps;
  const fingerprint = summaryFingerprint(lines);
  const jobId = `provider-summary-${fingerprint}`;
  return deliver(
    {
      kind: 'health',
      jobId,
      deliveryId: jobId,
      jobText: JSON.stringify({ fingerprint }),
      items: [{ key: { scope: 'provider-summary', item: fingerprint }, value: { fingerprint } }],
      compose: () => composeProviderSummary(lines, deps.recipients, deps.timeZone, deps.app),
      describe: () => ({ tenants: lines.length, troubled: lines.filter((l) => l.open.length > 0).length }),
    },
    // Like health emails: never deferred to the queue (the next tick finds it due again), never capped.
    { ...delivery, scheduler: { later: async () => undefined }, limits: { ...delivery.limits, dailyCap: undefined } },
  );
}
