import { app, type InvocationContext } from '@azure/functions';
import { productionDoctor } from '../shared/doctor/production';
import { DOCTOR_QUEUE } from '../shared/doctor/request';
import { runWithLogger } from '../shared/log/logger';
import { contextLogger } from './support/logging';

/**
 * The doctor inside the deployed app: an admin drops a message on the doctor-requests queue with
 * their own Entra sign-in (az storage message put --auth-mode login); the same checks as
 * `npm run doctor` run with this process's settings and managed identity, no secret anywhere
 * (`{"tenant":"<id>"}` checks one customer tenant of a service provider's deployment).
 */
export async function runDoctorHandler(message: unknown, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  await runWithLogger(log, () => productionDoctor(message, process.env, log, `qrn-doctor-${context.invocationId}`));
}

app.storageQueue('runDoctor', {
  queueName: DOCTOR_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: runDoctorHandler,
});
