import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadSettings, parseSchedule } from '../shared/config/settings';
import { Runtime } from '../shared/app/runtime';
import { contextLogger } from './support/logging';

export async function snapshotQuarantineHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const summary = await new Runtime(loadSettings(), log).snapshot();
  log.info(`summary snapshot ${JSON.stringify(summary)}`);
}

app.timer('snapshotQuarantine', {
  schedule: parseSchedule(process.env, 'SNAPSHOT_SCHEDULE'),
  // runOnStartup would fire on every scale-out and restart; the watermark makes catch-up automatic anyway.
  runOnStartup: false,
  handler: snapshotQuarantineHandler,
});
