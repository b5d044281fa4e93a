import { tokenFor, type DoctorCheck, type DoctorContext } from '../checks/check';
import type { CmdletRunner } from './ports';
import { listAcceptedDomains } from './quarantineSource';

/** What the Exchange checks use of the runtime. */
export type ExchangePorts = { exchange: CmdletRunner };

export const READ_QUARANTINE = 'read quarantine (Get-QuarantineMessage)';

function exchangeNeeds(ctx: DoctorContext): string[] {
  return [...ctx.broken('M365_TENANT_ID'), ...tokenFor(ctx, 'Exchange Online')];
}

/** Needs what reading quarantine needs, and the same grant: a refusal there is said once, there. */
export function afterRead(ctx: DoctorContext): string[] {
  if (ctx.passed(READ_QUARANTINE)) return [];
  const needs = exchangeNeeds(ctx);
  return needs.length > 0 ? needs : [`${READ_QUARANTINE} to pass`];
}

export const readQuarantineCheck: DoctorCheck<ExchangePorts> = {
  name: READ_QUARANTINE,
  needs: exchangeNeeds,
  run: async ({ runtime }) => {
    const result = await runtime.exchange.invoke('Get-QuarantineMessage', { Page: 1, PageSize: 1 });
    return `Exchange.ManageAsApp and a directory role are in place (${result.rows.length} row read)`;
  },
};

export const acceptedDomainsCheck: DoctorCheck<ExchangePorts> = {
  name: 'accepted domains (Get-AcceptedDomain)',
  needs: afterRead,
  run: async (ctx) => {
    ctx.facts.domains = await listAcceptedDomains(ctx.runtime.exchange);
    if (ctx.facts.domains.length === 0)
      throw new Error('Get-AcceptedDomain returned no domains: senders cannot be told apart from external ones.');
    return ctx.facts.domains.join(', ');
  },
};
