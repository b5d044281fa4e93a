import type { InvocationContext } from '@azure/functions';
import { processDeployment } from '../../shared/app/processRuntime';
import type { Deployment } from '../../shared/app/deployment';
import type { TenantStage } from '../../shared/tenants/tenantRun';
import { messageOf } from '../../shared/log/errors';
import { runWithLogger, type Logger } from '../../shared/log/logger';
import { contextLogger } from './logging';

/** Runs `work` with this process's Deployment, every log line of it going to this invocation. */
export function inInvocation<T>(
  context: InvocationContext,
  work: (deployment: Deployment, log: Logger) => Promise<T>,
): Promise<T> {
  const log = contextLogger(context);
  return runWithLogger(log, () => work(processDeployment(log), log));
}

/**
 * A timer's tick: one tenant-runs message per served tenant (runTenantStage does the work), logged
 * as one `summary <stage> fan-out {...}` trace, or one error trace (the Tenants table or the queue
 * cannot be reached, a setting is wrong), rethrown so the run shows failed.
 */
export async function runTimerJob(stage: TenantStage, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  try {
    const summary = await inInvocation(context, (deployment) => deployment.fanOut(stage));
    log.info(`summary ${stage} fan-out`, { ...summary });
  } catch (error) {
    log.error(`${stage} fan-out failed: ${messageOf(error)}`);
    throw error;
  }
}
