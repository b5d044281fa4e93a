import { app, type InvocationContext, type Timer } from '@azure/functions';
import { parseSchedule } from '../shared/config/settings';
import { runTimerJob } from './support/run';

export async function weeklyReportHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  await runTimerJob('report', context, (runtime) => runtime.sendWeeklyReport());
}

app.timer('weeklyReport', {
  schedule: parseSchedule(process.env, 'REPORT_SCHEDULE'),
  runOnStartup: false,
  // A send in doubt throws (sendReport.ts): a retry 10 minutes on looks in Sent Items before sending
  // again; six tries span the 20 minutes Sent Items needs to be trusted. Retries live in memory only:
  // after a host restart the next run of the same ISO week does the same.
  retry: { strategy: 'fixedDelay', maxRetryCount: 6, delayInterval: { minutes: 10 } },
  handler: weeklyReportHandler,
});
