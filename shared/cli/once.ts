import { runCommand } from './main';

/** One full cycle, as the three functions would run it: snapshot, detect, then send everything queued. */
void runCommand('once', async (runtime) => {
  const snapshot = await runtime.snapshot();
  const detect = await runtime.detect();
  const send = await runtime.drainNotifications();
  return { snapshot, detect, send };
});
