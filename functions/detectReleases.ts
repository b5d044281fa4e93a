import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadSettings, parseSchedule } from '../shared/config/settings';
import { Runtime } from '../shared/app/runtime';
import { contextLogger } from './support/logging';

export async function detectReleasesHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const summary = await new Runtime(loadSettings(), log).detect();
  log.info(`summary detect ${JSON.stringify(summary)}`);
}

app.timer('detectReleases', {
  schedule: parseSchedule(process.env, 'RELEASES_SCHEDULE'),
  runOnStartup: false,
  handler: detectReleasesHandler,
});
