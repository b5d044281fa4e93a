import { isGuid, isMailboxAddress, type Env } from '../config/settings';
import type { Clock } from '../domain/clock';
import { printable, type Logger } from '../log/logger';
import { isAcceptedDomain } from '../detect/decide';
import type { ComposedEmail } from '../email/compose';
import { composeDoctorReport } from '../email/doctorReport';
import { messageOf } from '../log/errors';
import type { CheckResult } from '../checks/check';
import { formatResults, runDoctor, summarize, type DoctorTenant } from './doctor';

/** The queue an admin drops a message on to run the doctor inside the deployed app (README, "Check production"). */
export const DOCTOR_QUEUE = 'doctor-requests';

/** What a request may ask for; anything else in the message is ignored. */
export interface DoctorRequest {
  /** Also send one test notice to this address (proves Mail.Send). */
  sendTestTo?: string;
  /** Also mail the result to this address (only inside the tenant's accepted domains). */
  replyTo?: string;
  /** Check this tenant of a service provider's deployment (its settings, tables and sign-in); absent: M365_TENANT_ID. */
  tenant?: string;
}

/** Reads a queue message: a JSON object (or nothing); a bad field is dropped with a reason, never fatal. */
export function parseDoctorRequest(message: unknown): { request: DoctorRequest; ignored: string[] } {
  const body = typeof message === 'string' ? tryJson(message) : message;
  const ignored: string[] = [];
  const request: DoctorRequest = {};
  if (body === undefined || body === null || body === '') return { request, ignored };
  if (typeof body !== 'object' || Array.isArray(body))
    return { request, ignored: ['the message is not a JSON object'] };
  for (const field of ['sendTestTo', 'replyTo'] as const) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (typeof value === 'string' && isMailboxAddress(value.trim())) request[field] = value.trim().toLowerCase();
    else ignored.push(`${field} is not a mailbox address (${printable(String(value), 60)})`);
  }
  const tenant = (body as Record<string, unknown>).tenant;
  if (typeof tenant === 'string' && isGuid(tenant.trim())) request.tenant = tenant.trim().toLowerCase();
  else if (tenant !== undefined) ignored.push(`tenant is not a tenant id (${printable(String(tenant), 60)})`);
  return { request, ignored };
}

function tryJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Who gets the result: the health recipients, and the requester when inside the tenant's own domains. */
function recipientsOf(results: readonly CheckResult[], health: readonly string[], replyTo?: string) {
  const domains = results.find((r) => r.name === 'accepted domains (Get-AcceptedDomain)' && r.ok)?.detail.split(', ');
  // A queue message is no proof of who sent it: the result never leaves the tenant's own domains.
  const reply = replyTo && domains && isAcceptedDomain(replyTo, domains) ? [replyTo] : [];
  return [...new Set([...reply, ...health])];
}

export interface DoctorRequestDeps {
  env: Env;
  log: Logger;
  /** Mails the result from the sender mailbox; throws when it cannot. */
  mail: (email: ComposedEmail) => Promise<void>;
  /** HEALTH_RECIPIENTS as the app reads them (empty when the settings are broken). */
  healthRecipients: readonly string[];
  deployment: { app: string | undefined; tenantId: string; tenantName?: string };
  timeZone: string;
  clock: Clock;
  /** The Tenants-table tenant the request named; absent: the deployment's own. */
  tenant?: DoctorTenant;
}

/**
 * One production doctor run: the same checks as `npm run doctor`, with the identity and settings
 * of the process it runs in (the deployed app's managed identity); every line logged, the result
 * mailed. Never throws: a retry would only repeat the checks and the email.
 */
export async function handleDoctorRequest(message: unknown, deps: DoctorRequestDeps): Promise<CheckResult[]> {
  const { request, ignored } = parseDoctorRequest(message);
  for (const why of ignored) deps.log.warn(`doctor request: ${why}; ignored`);
  const results = await runDoctor(deps.env, deps.log, { sendTestTo: request.sendTestTo, tenant: deps.tenant });
  for (const line of formatResults(results).split('\n')) deps.log.info(`doctor ${line}`);
  const summary = summarize(results);
  deps.log.info(`summary doctor ${JSON.stringify(summary)}`);
  const to = recipientsOf(results, deps.healthRecipients, request.replyTo);
  if (request.replyTo && !to.includes(request.replyTo))
    deps.log.warn(
      `doctor request: replyTo ${request.replyTo} is not in the tenant's accepted domains; not mailed there`,
    );
  if (to.length === 0) {
    deps.log.warn('doctor result not mailed: HEALTH_RECIPIENTS is empty or off and no replyTo in the tenant was given');
    return results;
  }
  try {
    const { deployment, timeZone } = deps;
    await deps.mail(
      composeDoctorReport({ results, summary, recipients: to, deployment, timeZone, now: deps.clock.now() }),
    );
    deps.log.info(`doctor result mailed to ${to.join(', ')}`);
  } catch (error) {
    deps.log.error(`doctor result not mailed (${messageOf(error)}); the lines above are the result`);
  }
  return results;
}
