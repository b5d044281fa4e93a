import { app, type InvocationContext, type Timer } from '@azure/functions';
import { parseSchedule } from '../shared/config/settings';
import { runTimerJob } from './support/run';

export async function weeklyReportHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  await runTimerJob('report', context);
}

app.timer('weeklyReport', {
  schedule: parseSchedule(process.env, 'REPORT_SCHEDULE'),
  runOnStartup: false,
  // Each tenant's report is its own tenant-runs message, tried again 10 minutes on (six tries) when it
  // fails (app/deployment.ts). This retry is for the fan-out itself (the Tenants table or the queue
  // unreachable at the weekly tick): a repeated fan-out costs a look, as each report is sent once a week.
  retry: { strategy: 'fixedDelay', maxRetryCount: 6, delayInterval: { minutes: 10 } },
  handler: weeklyReportHandler,
});
