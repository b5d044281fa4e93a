import { needsText, type DoctorCheck, type DoctorContext, type Verdict } from '../checks/check';
import { afterRead, type ExchangePorts } from '../exchange/doctorCheck';
import { parseQuarantineRow } from '../exchange/quarantineRow';
import { readQuarantineMessageHeader } from '../exchange/quarantineSource';
import { messageOf } from '../log/errors';
import type { HeaderRead } from '../exchange/quarantineSource';
import { parseMessageHeader } from '../detect/messageHeader';
import { originFromHeader } from '../detect/origin';

export const FALLBACK_TEXT =
  'meanwhile the fallback decides origin (sender domain accepted, and a recipient outside the accepted domains or a policy hold, ' +
  'and no filtering verdict on mail addressed only inside)';

/** What the header check says about one read; a warning for anything but a readable header. */
export function describeHeaderRead(read: HeaderRead): { warning: boolean; detail: string } {
  switch (read.kind) {
    case 'header': {
      const origin = originFromHeader(parseMessageHeader(read.text));
      return {
        warning: false,
        detail: `headers are readable; origin is decided from them (the copy tried: ${origin.verdict}, ${origin.rule})`,
      };
    }
    case 'forbidden':
      return {
        warning: true,
        detail:
          "Get-QuarantineMessageHeader was refused (403): the app's directory role does not allow it. Microsoft does not document which role does; " +
          'the candidates are Security Reader, Security Administrator and the Email & collaboration role group Quarantine Administrator ' +
          "(assign one to the app's service principal; a new role reaches the app only when its cached token expires, up to 24 hours). " +
          `Until then ${FALLBACK_TEXT}.`,
      };
    case 'not-found':
      return {
        warning: true,
        detail: `the copy tried has left quarantine (400), so whether headers are readable is not known yet: run the doctor again later; ${FALLBACK_TEXT} where a header cannot be read.`,
      };
    case 'failed':
      return {
        warning: true,
        detail: `Get-QuarantineMessageHeader did not answer usefully (${read.why}); ${FALLBACK_TEXT} where a header cannot be read.`,
      };
  }
}

async function headerVerdict(ctx: DoctorContext<ExchangePorts>): Promise<Verdict> {
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
export const headersCheck: DoctorCheck<ExchangePorts> = {
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
