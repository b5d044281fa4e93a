import { app, type InvocationContext, type Timer } from '@azure/functions';
import { parseSchedule } from '../shared/config/settings';
import { runTimerJob } from './support/run';

export async function snapshotQuarantineHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  await runTimerJob('snapshot', context);
}

app.timer('snapshotQuarantine', {
  schedule: parseSchedule(process.env, 'SNAPSHOT_SCHEDULE'),
  // runOnStartup would fire on every scale-out and restart; the watermark makes catch-up automatic anyway.
  runOnStartup: false,
  handler: snapshotQuarantineHandler,
});
