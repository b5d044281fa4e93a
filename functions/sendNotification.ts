import { app, type InvocationContext } from '@azure/functions';
import { bodyText, failureAction, MAX_DEQUEUE_COUNT, POISON_QUEUE_NAME, QUEUE_NAME } from '../shared/jobs/delivery';
import { MalformedJobError } from '../shared/jobs/notificationJob';
import { messageOf } from '../shared/log/errors';
import { inInvocation } from './support/run';

/** One queued job (a notice or an alert) to at most one email. Retries and the poison queue come from the host (host.json). */
export async function sendNotificationHandler(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const messageId = typeof context.triggerMetadata?.id === 'string' ? context.triggerMetadata.id : context.invocationId;
  await inInvocation(context, async (deployment, log) => {
    try {
      // The job's own tenant sends it (its settings, tables, token); the poison queue is the deployment's.
      const outcome = await deployment.sendQueued(message, messageId);
      log.info('summary sendNotification', { ...outcome });
    } catch (error) {
      const reason = messageOf(error);
      const fields = { messageId, dequeueCount };
      const action = failureAction(error, dequeueCount);
      if (action === 'poisonNow') {
        // Retrying malformed input cannot help: poison it now and let the host delete the original.
        await deployment.home.poisonQueue.add(bodyText(message));
        log.error(
          `job moved to ${POISON_QUEUE_NAME}: ${error instanceof MalformedJobError ? 'malformed' : 'failed for good'}, not retried: ${reason}`,
          fields,
        );
        return;
      }
      if (action === 'lastAttempt')
        log.error(
          `job attempt ${dequeueCount} of ${MAX_DEQUEUE_COUNT} failed; the host moves it to ${POISON_QUEUE_NAME}: ${reason}`,
          fields,
        );
      else
        log.warn(`job attempt ${dequeueCount} of ${MAX_DEQUEUE_COUNT} failed; the host retries it: ${reason}`, fields);
      throw error;
    }
  });
}

app.storageQueue('sendNotification', {
  queueName: QUEUE_NAME,
  connection: 'AzureWebJobsStorage',
  handler: sendNotificationHandler,
});
