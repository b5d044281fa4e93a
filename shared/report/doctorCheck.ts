import { tokenFor, type DoctorCheck } from '../checks/check';
import type { Clock } from '../domain/clock';
import { checkPostDeliverySource, type PostDeliveryDeps } from './postDelivery';

/**
 * Which source draws the report's post-delivery charts: advanced hunting (ThreatHunting.Read.All and
 * Defender XDR data), else Exchange's ZAP report. Never fails the doctor: the report says what it
 * cannot show.
 */
export const postDeliveryCheck: DoctorCheck<{ postDeliveryDeps(): PostDeliveryDeps; clock: Clock }> = {
  name: 'post-delivery series (advanced hunting, else the ZAP report)',
  needs: (ctx) => [...ctx.broken('M365_TENANT_ID'), ...tokenFor(ctx, 'Microsoft Graph')],
  run: async ({ runtime }) => {
    const found = await checkPostDeliverySource(runtime.postDeliveryDeps(), runtime.clock);
    if (found.source === 'advanced-hunting') return found.detail;
    return {
      warning: true,
      detail:
        found.source === 'zap-report'
          ? `the ZAP report draws them (ZAP actions only: admin deletes and moves need advanced hunting); ${found.detail}`
          : `no source: the report says so instead of drawing them (${found.detail})`,
    };
  },
};
