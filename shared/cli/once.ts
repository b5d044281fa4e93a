import { runCommand } from './main';

/**
 * One full cycle, as the functions would run it, for one tenant (`--tenant`, else M365_TENANT_ID):
 * snapshot, detect, then send its queued notices. Other tenants' jobs are left for the deployed app:
 * only its managed identity can sign in to a customer tenant (README, "Many tenants").
 */
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
