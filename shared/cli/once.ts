import { runCommand } from './main';

/**
 * One full cycle, as the functions would run it: snapshot and detect for the tenant (`--tenant`, else
 * M365_TENANT_ID), then send everything queued, each job by its own tenant as the sending function does.
 */
void runCommand('once', async (runtime, { deployment }) => {
  const snapshot = await runtime.runStage('snapshot', () => runtime.snapshot());
  const detect = await runtime.runStage('detection', () => runtime.detect());
  const send = await deployment().drainNotifications();
  if (send.failed > 0 || send.poisoned > 0) {
    // The summary still goes out (as the error line's context); the log above says why each failed.
    throw new Error(
      `${send.failed} notification attempt(s) failed and stay queued for the next run, ${send.poisoned} moved to release-notifications-poison; ` +
        `see the log lines above. Summary: ${JSON.stringify({ snapshot, detect, send })}`,
    );
  }
  return { snapshot, detect, send, openProblems: detect.openProblems };
});
