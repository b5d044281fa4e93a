import { app, type InvocationContext } from '@azure/functions';
import { processRuntime } from '../shared/app/processRuntime';
import { checkSettings, requireSenderMailbox } from '../shared/config/settings';
import { systemClock } from '../shared/domain/clock';
import { DOCTOR_QUEUE, handleDoctorRequest } from '../shared/doctor/request';
import { runWithLogger } from '../shared/log/logger';
import { contextLogger } from './support/logging';

/**
 * The doctor inside the deployed app: an admin drops a message on the doctor-requests queue with
 * their own Entra sign-in (az storage message put --auth-mode login); the same checks as
 * `npm run doctor` run with this process's settings and managed identity, no secret anywhere.
 */
export async function runDoctorHandler(message: unknown, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const { draft } = checkSettings(process.env);
  await runWithLogger(log, () =>
    handleDoctorRequest(message, {
      env: process.env,
      log,
      healthRecipients: draft.health.recipients,
      deployment: { app: draft.deploymentName, tenantId: draft.tenantId },
      timeZone: draft.template.timeZone ?? 'UTC',
      clock: systemClock,
      mail: async (email) => {
        const runtime = processRuntime(log);
        const answer = await runtime.mailer.send(requireSenderMailbox(runtime.settings), email, {
          saveToSentItems: runtime.settings.notifySaveToSentItems,
          marker: `qrn-doctor-${context.invocationId}`,
        });
        if (answer.outcome === 'refused' || answer.outcome === 'unknown') throw new Error(answer.reason);
      },
    }),
  );
}

app.storageQueue('runDoctor', {
  queueName: DOCTOR_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: runDoctorHandler,
});
