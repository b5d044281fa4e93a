import { printable } from '../log/logger';
import { declarations, GROUPS, type Group } from '../config/schema';
import { text } from '../config/validators';
import type { SettingsCheck } from '../config/settings';
import type { CheckResult, DoctorCheck, DoctorContext } from '../checks/check';

/** What one group's settings are set to, from the schema: only the ones set (the rest are their defaults). */
function groupLine(ctx: DoctorContext, group: Group): CheckResult {
  const set = declarations()
    .filter(([name, d]) => d.group === group && !d.read && text(ctx.env, name) !== undefined)
    .map(([name, d]) => `${name}=${d.secret ? '(set)' : printable(text(ctx.env, name) ?? '', 60)}`);
  return { name: `settings: ${group}`, ok: true, detail: `${GROUPS[group]}: ${set.join('; ') || 'all default'}` };
}

/**
 * The settings: one FAIL line per problem (all of them at once), else one summary line and one line
 * per group saying what is set, both derived from shared/config/schema.ts.
 */
export function settingsCheck(report: SettingsCheck): DoctorCheck {
  return {
    name: 'settings',
    report: (ctx) => {
      if (report.problems.length > 0)
        return report.problems.map((p) => ({
          name: `setting ${p.setting ?? ''}`.trim(),
          ok: false,
          detail: p.message,
        }));
      const s = ctx.settings;
      return [
        {
          name: 'settings',
          ok: true,
          detail:
            `tenant ${s.tenantId}; sender ${s.notifySenderMailbox ?? ''}; Exchange ${s.exchangeEndpoint}; Management ${s.managementEndpoint}; Graph ${s.graphEndpoint}` +
            (s.notifyDryRun ? '; NOTIFY_DRY_RUN is true: nothing is sent' : ''),
        },
        ...(Object.keys(GROUPS) as Group[]).map((group) => groupLine(ctx, group)),
      ];
    },
  };
}

const ALERT_SETTINGS = [
  'ALERT_RECIPIENTS',
  'ALERT_RISKY_TYPES',
  'ALERT_BURST_RELEASES',
  'ALERT_RELEASED_TO_OTHER',
  'HEALTH_RECIPIENTS',
  'HEALTH_ALERT_AFTER_MINUTES',
];

/** Who hears of risky releases and of the app's own trouble; a warning while nobody does. */
export const alertsCheck: DoctorCheck = {
  name: 'alerts and health emails',
  report: (ctx) => {
    if (ctx.broken(...ALERT_SETTINGS).length > 0) return [];
    const { alerts, health } = ctx.settings;
    const rules = [
      alerts.riskyTypes.length > 0 ? `risky-type (${alerts.riskyTypes.join(', ')})` : '',
      alerts.burstReleases > 0
        ? `burst (more than ${alerts.burstReleases} releases by one account within 60 minutes)`
        : '',
      alerts.releasedToOther ? 'released-to-other' : '',
    ].filter(Boolean);
    const healthText =
      health.recipients.length > 0
        ? `health emails to ${health.recipients.join(', ')} after ${health.afterMinutes} minutes`
        : 'no health emails (HEALTH_RECIPIENTS and ALERT_RECIPIENTS are empty, or HEALTH_RECIPIENTS is off)';
    const name = 'alerts and health emails';
    return [
      alerts.recipients.length > 0
        ? {
            name,
            ok: true,
            detail: `alerts to ${alerts.recipients.join(', ')}: ${rules.join('; ') || 'every rule is off'}; ${healthText}`,
          }
        : {
            name,
            ok: true,
            warning: true,
            detail: `alerts are off (ALERT_RECIPIENTS is empty or off): releases of malware or phish reach nobody; ${healthText}`,
          },
    ];
  },
};
