import { app, type InvocationContext, type Timer } from '@azure/functions';
import { parseSchedule } from '../shared/config/settings';
import { runTimerJob } from './support/run';

export async function weeklyReportHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  await runTimerJob('report', context);
}

app.timer('weeklyReport', {
  schedule: parseSchedule(process.env, 'REPORT_SCHEDULE'),
  runOnStartup: false,
  // Each tenant's report is its own tenant-runs message; a report whose send is in doubt is tried
  // again 10 minutes on, up to six times, by that message (app/deployment.ts), not by this timer.
  handler: weeklyReportHandler,
});
