/** What `npm run doctor` says about the story's settings (issue 22): which events are on, and how. */
import type { CheckResult, DoctorCheck } from '../checks/check';
import { SETTING_NAMES } from '../config/settings';
import type { StorySettings } from '../config/storySettings';

/** Said right after the settings lines, and only when every setting is whole. */
export const storyCheck: DoctorCheck = {
  name: 'events told',
  report: (ctx) => (ctx.broken(...SETTING_NAMES).length > 0 ? [] : [storyLine(ctx.settings.story)]),
};

function storyLine(story: StorySettings): CheckResult {
  const events = story.notifyOn.length > 0 ? story.notifyOn.join(', ') : 'none';
  const wait =
    story.releaseAuditWaitMinutes === 0
      ? 'releases seen only in the quarantine listing are told at once'
      : `releases seen only in the quarantine listing wait ${story.releaseAuditWaitMinutes} minutes for their audit record`;
  const parts = [`senders are told: ${events}`, wait];
  if (story.notifyOn.includes('held'))
    parts.push(
      story.holdPolicies.length > 0
        ? `holds told for: ${story.holdPolicies.join(', ')}`
        : 'held is on but NOTIFY_HOLD_POLICIES is empty: no hold is told',
    );
  if (story.reviewContact) parts.push(`review contact ${story.reviewContact}`);
  const heldWithoutPolicies = story.notifyOn.includes('held') && story.holdPolicies.length === 0;
  return {
    name: 'events told',
    ok: true,
    ...(heldWithoutPolicies || story.notifyOn.length === 0 ? { warning: true } : {}),
    detail: parts.join('; '),
  };
}
