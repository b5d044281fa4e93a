import { checkSettings, requireSenderMailbox, type Env } from '../config/settings';
import { systemClock } from '../domain/clock';
import type { ComposedEmail } from '../email/compose';
import { handleDoctorRequest, parseDoctorRequest, type DoctorRequestDeps } from './request';
import type { Logger } from '../log/logger';
import { processDeployment, processRuntime } from '../app/processRuntime';
import type { Runtime } from '../app/runtime';
import { TenantUnavailableError } from '../tenants/tenantRecord';
import type { DoctorTenant } from './doctor';

/** Mails the doctor's result from a tenant's notices mailbox, with that tenant's token. */
function mailFrom(runtime: () => Runtime, marker: string): (email: ComposedEmail) => Promise<void> {
  return async (email) => {
    const r = runtime();
    const answer = await r.mailer.send(requireSenderMailbox(r.settings), email, {
      saveToSentItems: r.settings.notifySaveToSentItems,
      marker,
    });
    if (answer.outcome === 'refused' || answer.outcome === 'unknown') throw new Error(answer.reason);
  };
}

/**
 * One doctor-requests message inside the deployed app. Without a tenant: the deployment's own, with
 * whatever settings it has (broken ones are what the doctor is for). With `"tenant":"<id>"`: that
 * customer of the Tenants table, with its settings, tables and sign-in, its result mailed from its own
 * mailbox to its own HEALTH_RECIPIENTS.
 */
export async function productionDoctor(message: unknown, env: Env, log: Logger, marker: string): Promise<void> {
  const { request } = parseDoctorRequest(message);
  const common: Pick<DoctorRequestDeps, 'env' | 'log' | 'clock'> = { env, log, clock: systemClock };
  if (request.tenant === undefined) {
    const { draft } = checkSettings(env);
    await handleDoctorRequest(message, {
      ...common,
      healthRecipients: draft.health.recipients,
      deployment: { app: draft.deploymentName, tenantId: draft.tenantId },
      timeZone: draft.template.timeZone ?? 'UTC',
      mail: mailFrom(() => processRuntime(log, env), marker),
    });
    return;
  }
  const deployment = processDeployment(log, env);
  const served = await deployment.tenant(request.tenant).catch(async (error: unknown) => {
    if (!(error instanceof TenantUnavailableError)) throw error;
    // Invalid settings are what the doctor is for: check them from the row, and log (nothing to mail from).
    const record = await (await deployment.registry()).get(request.tenant!).catch(() => undefined);
    if (!record) log.error(`doctor request: ${error.message}`);
    else await unavailableDoctor(message, { ...common, tenant: { record, homeTenantId: deployment.homeTenantId } });
    return null;
  });
  if (served === null) return;
  if (!served) {
    log.error(`doctor request: ${request.tenant} is not a tenant of this deployment (npm run tenants -- list)`);
    return;
  }
  const s = served.runtime.settings;
  await handleDoctorRequest(message, {
    ...common,
    healthRecipients: s.health.recipients,
    deployment: { app: s.deploymentName, tenantId: s.tenantId, tenantName: served.record.name },
    timeZone: s.template.timeZone ?? 'UTC',
    mail: mailFrom(() => served.runtime, marker),
    tenant: { record: served.record, homeTenantId: deployment.homeTenantId },
  });
}

/** The doctor of a tenant whose settings are invalid: every check it can make, logged; nobody to mail from. */
async function unavailableDoctor(
  message: unknown,
  deps: Pick<DoctorRequestDeps, 'env' | 'log' | 'clock'> & { tenant: DoctorTenant },
): Promise<void> {
  await handleDoctorRequest(message, {
    ...deps,
    healthRecipients: [],
    deployment: { app: undefined, tenantId: deps.tenant.record.tenantId, tenantName: deps.tenant.record.name },
    timeZone: 'UTC',
    mail: () => Promise.reject(new Error("the tenant's settings are invalid")),
  });
}
