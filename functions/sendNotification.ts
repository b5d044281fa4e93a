import { app, type InvocationContext } from '@azure/functions';
import { loadSettings } from '../shared/config/settings';
import { Runtime } from '../shared/app/runtime';
import { bodyText, failureAction, POISON_QUEUE_NAME } from '../shared/notify/jobMessages';
import { parseJob } from '../shared/notify/jobs';
import { MAX_DEQUEUE_COUNT } from '../shared/notify/storageQueue';
import { QUEUE_NAME } from '../shared/store/tables';
import { contextLogger } from './support/logging';

/** One queued NotificationJob to at most one email. Retries and the poison queue come from the host (host.json). */
export async function sendNotificationHandler(message: unknown, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const messageId = typeof context.triggerMetadata?.id === 'string' ? context.triggerMetadata.id : context.invocationId;
  const runtime = new Runtime(loadSettings(), log);
  try {
    const outcome = await runtime.sendJob(parseJob(message), messageId);
    log.info(`summary sendNotification ${JSON.stringify(outcome)}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const action = failureAction(error, dequeueCount);
    if (action === 'poisonNow') {
      // Retrying malformed input cannot help: poison it now and let the host delete the original.
      await runtime.poisonQueue().add(bodyText(message));
      log.error(`message ${messageId} moved to ${POISON_QUEUE_NAME}: malformed job, not retried: ${reason}`);
      return;
    }
    if (action === 'lastAttempt') {
      log.error(`message ${messageId} attempt ${dequeueCount} of ${MAX_DEQUEUE_COUNT} failed; the host moves it to ${POISON_QUEUE_NAME}: ${reason}`);
    } else {
      log.warn(`message ${messageId} attempt ${dequeueCount} of ${MAX_DEQUEUE_COUNT} failed; the host retries it: ${reason}`);
    }
    throw error;
  }
}

app.storageQueue('sendNotification', {
  queueName: QUEUE_NAME,
  connection: 'AzureWebJobsStorage',
  handler: sendNotificationHandler,
});
