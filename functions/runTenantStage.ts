import { app, type InvocationContext } from '@azure/functions';
import { messageOf } from '../shared/log/errors';
import { MalformedTenantRunError, TENANT_RUNS_QUEUE } from '../shared/tenants/tenantRun';
import { inInvocation } from './support/run';

/**
 * One tenant's snapshot, detection or report, as a timer's fan-out asked. A failure is logged and kept
 * in that tenant's health (its emails go to its HEALTH_RECIPIENTS), and the message is done: the
 * next tick is the retry, so a broken or throttled tenant never loops in the queue or holds up another.
 */
export async function runTenantStageHandler(message: unknown, context: InvocationContext): Promise<void> {
  await inInvocation(context, async (deployment, log) => {
    try {
      const summary = await deployment.runTenant(message, context.invocationId);
      log.info('summary tenant run', { ...summary });
    } catch (error) {
      const what = error instanceof MalformedTenantRunError ? 'tenant run ignored (malformed)' : 'tenant run failed';
      log.error(`${what}: ${messageOf(error)}`, { body: String(JSON.stringify(message)).slice(0, 200) });
    }
  });
}

app.storageQueue('runTenantStage', {
  queueName: TENANT_RUNS_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: runTenantStageHandler,
});
