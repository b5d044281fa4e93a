import { tokenFor, needsText, type DoctorCheck, type DoctorContext, type Verdict } from '../doctor/check';
import { describeHeaderRead, FALLBACK_TEXT } from '../doctor/headers';
import { messageOf } from '../log/errors';
import { parseQuarantineRow } from './quarantineRow';
import { listAcceptedDomains, readQuarantineMessageHeader } from './quarantineSource';

const READ_QUARANTINE = 'read quarantine (Get-QuarantineMessage)';

function exchangeNeeds(ctx: DoctorContext): string[] {
  return [...ctx.broken('M365_TENANT_ID'), ...tokenFor(ctx, 'Exchange Online')];
}

/** Needs what reading quarantine needs, and the same grant: a refusal there is said once, there. */
function afterRead(ctx: DoctorContext): string[] {
  if (ctx.passed(READ_QUARANTINE)) return [];
  const needs = exchangeNeeds(ctx);
  return needs.length > 0 ? needs : [`${READ_QUARANTINE} to pass`];
}

export const readQuarantineCheck: DoctorCheck = {
  name: READ_QUARANTINE,
  needs: exchangeNeeds,
  run: async ({ runtime }) => {
    const result = await runtime.exchange.invoke('Get-QuarantineMessage', { Page: 1, PageSize: 1 });
    return `Exchange.ManageAsApp and a directory role are in place (${result.rows.length} row read)`;
  },
};

async function headerVerdict(ctx: DoctorContext): Promise<Verdict> {
  const probe = await ctx.runtime.exchange.invoke('Get-QuarantineMessage', { Page: 1, PageSize: 1 });
  const parsed = probe.rows.length > 0 ? parseQuarantineRow(probe.rows[0]) : undefined;
  if (parsed?.ok !== true) {
    return {
      warning: true,
      detail: `no quarantined message to read a header from, so whether headers are readable is not known yet; ${FALLBACK_TEXT} where a header cannot be read.`,
    };
  }
  const identity = `${parsed.message.networkMessageId}\\${parsed.message.copyId}`;
  const read = describeHeaderRead(await readQuarantineMessageHeader(ctx.runtime.exchange, identity));
  return read.warning ? { warning: true, detail: read.detail } : read.detail;
}

/** Never fails the doctor: without headers the product still works, with the fallback. */
export const headersCheck: DoctorCheck = {
  name: 'message headers (Get-QuarantineMessageHeader)',
  needs: (ctx) => {
    const needs = afterRead(ctx);
    return needs.length > 0
      ? [`${needsText(needs).replace(/^needs /, '')}; ${FALLBACK_TEXT} where a header cannot be read.`]
      : [];
  },
  run: async (ctx) => {
    try {
      return await headerVerdict(ctx);
    } catch (error) {
      return {
        warning: true,
        detail: `not checked (${messageOf(error)}); ${FALLBACK_TEXT} where a header cannot be read.`,
      };
    }
  },
};

export const acceptedDomainsCheck: DoctorCheck = {
  name: 'accepted domains (Get-AcceptedDomain)',
  needs: afterRead,
  run: async (ctx) => {
    ctx.facts.domains = await listAcceptedDomains(ctx.runtime.exchange);
    if (ctx.facts.domains.length === 0)
      throw new Error('Get-AcceptedDomain returned no domains: senders cannot be told apart from external ones.');
    return ctx.facts.domains.join(', ');
  },
};
