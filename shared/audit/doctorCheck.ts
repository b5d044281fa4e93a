import { tokenFor, type DoctorCheck } from '../checks/check';
import type { AuditFeed } from '../detect/ports';

/** The Audit.General subscription: where releases are read from (ActivityFeed.Read). */
export const auditFeedCheck: DoctorCheck<{ auditFeed: Pick<AuditFeed, 'ensureSubscription'> }> = {
  name: 'audit feed (Audit.General subscription)',
  needs: (ctx) => [...ctx.broken('M365_TENANT_ID'), ...tokenFor(ctx, 'Office 365 Management APIs')],
  run: async ({ runtime }) => {
    const state = await runtime.auditFeed.ensureSubscription();
    return state === 'started'
      ? 'subscription started now (first content can take up to 12 hours)'
      : 'subscription enabled; ActivityFeed.Read is in place';
  },
};
