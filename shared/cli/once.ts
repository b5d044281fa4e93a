import { runCommand } from './main';

/** One full cycle, as the three functions would run it: snapshot, detect, then send everything queued. */
void runCommand('once', async (runtime) => {
  const snapshot = await runtime.runStage('snapshot', () => runtime.snapshot());
  const detect = await runtime.runStage('detection', () => runtime.detect());
  const send = await runtime.drainNotifications();
  if (send.failed > 0 || send.poisoned > 0) {
    // The summary still goes out (as the error line's context); the log above says why each failed.
    throw new Error(
      `${send.failed} notification attempt(s) failed and stay queued for the next run, ${send.poisoned} moved to release-notifications-poison; ` +
        `see the log lines above. Summary: ${JSON.stringify({ snapshot, detect, send })}`,
    );
  }
  return { snapshot, detect, send, openProblems: detect.openProblems };
});
