import { app, type InvocationContext, type Timer } from '@azure/functions';
import { parseSchedule } from '../shared/config/settings';
import { runTimerJob } from './support/run';

export async function detectReleasesHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  await runTimerJob('detect', context);
}

app.timer('detectReleases', {
  schedule: parseSchedule(process.env, 'RELEASES_SCHEDULE'),
  runOnStartup: false,
  handler: detectReleasesHandler,
});
