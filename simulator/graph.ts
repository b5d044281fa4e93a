/**
 * Microsoft Graph sendMail: POST /v1.0/users/{mailbox}/sendMail (reference section 3). Checks the
 * token's audience, the Mail.Send grant (tenant-wide or an Exchange RBAC scope of mailboxes), that
 * the mailbox exists, and the body the way Graph does; answers 202 with no body and records the
 * message in sim.sentMail. More than 4 requests in flight for one mailbox -> 429 with Retry-After.
 */
import { randomUUID } from 'node:crypto';
import { delay, InFlight, Router, type SimRequest, type SimResponse } from './router';
import type { FaultRequest } from './faults';
import type { GraphMessage, GraphRecipient, SimulatorState } from './tenant';

export const GRAPH_MAX_MAILBOX_CONCURRENCY = 4;
export const MAILBOX_CONCURRENCY_MESSAGE = 'Application is over its MailboxConcurrency limit.';
/** Retry-After (seconds) on a MailboxConcurrency 429. */
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'request-id': randomUUID(), ...headers },
    body: {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() },
      },
    },
  };
}

const accessDenied = (): SimResponse => graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

/** What Graph sends for a status when an injected fault gives no body. */
export function graphFaultBody(status: number, _req: FaultRequest): SimResponse {
  switch (status) {
    case 401:
      return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    case 403:
      return accessDenied();
    case 404:
      return graphError(404, 'ErrorInvalidUser', "The requested user is invalid.");
    case 429:
      return graphError(429, 'ApplicationThrottled', MAILBOX_CONCURRENCY_MESSAGE);
    case 503:
      return graphError(503, 'ServiceNotAvailable', 'The service is temporarily unavailable. Please retry later.');
    case 504:
      return graphError(504, 'UnknownError', 'Gateway timeout.');
    default:
      return graphError(status, status >= 500 ? 'InternalServerError' : 'BadRequest', `The request failed with status ${status}.`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Properties of microsoft.graph.message; anything else is refused like Graph's OData reader does. */
const MESSAGE_PROPERTIES = new Set([
  'id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'bccRecipients', 'body', 'bodyPreview',
  'ccRecipients', 'conversationId', 'conversationIndex', 'flag', 'from', 'hasAttachments', 'importance',
  'inferenceClassification', 'internetMessageHeaders', 'internetMessageId', 'isDeliveryReceiptRequested', 'isDraft',
  'isRead', 'isReadReceiptRequested', 'parentFolderId', 'receivedDateTime', 'replyTo', 'sender', 'sentDateTime',
  'subject', 'toRecipients', 'uniqueBody', 'webLink', 'attachments', 'extensions', 'multiValueExtendedProperties',
  'singleValueExtendedProperties',
]);

const ADDRESS = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;

/** Thrown while validating; becomes the Graph error. */
class BodyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const unreadable = (message: string): BodyError => new BodyError('RequestBodyRead', message);

function recipientList(name: string, value: unknown): GraphRecipient[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw unreadable(`Cannot read the value of '${name}': a collection of microsoft.graph.recipient was expected.`);
  return value.map((item): GraphRecipient => {
    const emailAddress = isObject(item) ? item.emailAddress : undefined;
    if (!isObject(emailAddress) || typeof emailAddress.address !== 'string') {
      throw unreadable(`Cannot read a recipient of '${name}': each must look like {"emailAddress":{"address":"..."}}.`);
    }
    if (!ADDRESS.test(emailAddress.address.trim())) {
      throw new BodyError(
        'ErrorInvalidRecipients',
        `At least one recipient is not valid., Recipient '${emailAddress.address}' is not resolved. All recipients must be resolved before a message can be submitted.`,
      );
    }
    return item as unknown as GraphRecipient;
  });
}

function validateMessage(message: Record<string, unknown>): GraphMessage {
  for (const property of Object.keys(message)) {
    if (!MESSAGE_PROPERTIES.has(property) && !property.includes('@odata.')) {
      throw unreadable(
        `The property '${property}' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
  }
  if (message.subject !== undefined && message.subject !== null && typeof message.subject !== 'string') {
    throw unreadable("Cannot convert the value of 'subject' to the expected type 'Edm.String'.");
  }
  if (message.body !== undefined && message.body !== null) {
    const body = message.body;
    if (!isObject(body)) throw unreadable("Cannot read the value of 'body': a microsoft.graph.itemBody was expected.");
    if (body.contentType !== undefined && (typeof body.contentType !== 'string' || !/^(html|text)$/i.test(body.contentType))) {
      throw unreadable(`Cannot convert the literal '${String(body.contentType)}' to the expected type 'microsoft.graph.bodyType'.`);
    }
    if (body.content !== undefined && body.content !== null && typeof body.content !== 'string') {
      throw unreadable("Cannot convert the value of 'content' to the expected type 'Edm.String'.");
    }
  }
  const all = [
    ...recipientList('toRecipients', message.toRecipients),
    ...recipientList('ccRecipients', message.ccRecipients),
    ...recipientList('bccRecipients', message.bccRecipients),
  ];
  recipientList('replyTo', message.replyTo);
  if (all.length === 0) {
    throw new BodyError('ErrorInvalidRecipients', "At least one recipient is not valid., A message can't be sent because it contains no recipients.");
  }
  const headers = message.internetMessageHeaders;
  if (headers !== undefined && headers !== null) {
    if (!Array.isArray(headers)) throw unreadable("Cannot read the value of 'internetMessageHeaders': a collection was expected.");
    for (const header of headers) {
      if (!isObject(header) || typeof header.name !== 'string' || typeof header.value !== 'string') {
        throw unreadable('Each internetMessageHeaders item must look like {"name":"x-...","value":"..."}.');
      }
      if (!/^x-/i.test(header.name)) {
        throw new BodyError('InvalidInternetMessageHeader', `The internet message header name '${header.name}' should start with 'x-' or 'X-'.`);
      }
      if (/[\r\n]/.test(header.value) || /[\r\n]/.test(header.name)) {
        throw new BodyError('InvalidInternetMessageHeader', `The internet message header '${header.name}' has an invalid value: line breaks are not allowed.`);
      }
    }
  }
  return structuredClone(message) as GraphMessage;
}

function validateSendMail(body: unknown): { message: GraphMessage; saveToSentItems: boolean } {
  if (body === undefined) throw new BodyError('BadRequest', 'Empty Payload. JSON content expected.');
  if (!isObject(body)) {
    throw new BodyError('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  for (const name of Object.keys(body)) {
    if (name !== 'message' && name !== 'saveToSentItems' && !name.startsWith('@odata.')) {
      throw new BodyError('BadRequest', `The parameter '${name}' in the request payload is not a valid parameter for the operation 'sendMail'.`);
    }
  }
  if (body.message === undefined || body.message === null) throw new BodyError('ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
  if (!isObject(body.message)) throw unreadable("Cannot read the value of 'message': a microsoft.graph.message was expected.");
  const save = body.saveToSentItems;
  if (save !== undefined && save !== null && typeof save !== 'boolean') {
    throw unreadable(`Cannot convert the literal '${String(save)}' to the expected type 'Edm.Boolean'.`);
  }
  return { message: validateMessage(body.message), saveToSentItems: typeof save === 'boolean' ? save : true };
}

function unauthenticated(reason: 'missing' | 'unknown' | 'expired' | 'audience'): SimResponse {
  const messages = {
    missing: 'Access token is empty.',
    unknown: 'Access token validation failure.',
    expired: 'Lifetime validation failed, the token is expired.',
    audience: 'Access token validation failure. Invalid audience.',
  } as const;
  return graphError(401, 'InvalidAuthenticationToken', messages[reason], { 'WWW-Authenticate': 'Bearer realm="", error="invalid_token"' });
}

async function sendMail(sim: SimulatorState, inFlight: InFlight, req: SimRequest, user: string): Promise<SimResponse> {
  const check = sim.tokens.verify(req.headers.authorization, sim.origins.graph);
  if (!check.ok) return unauthenticated(check.reason);

  const flight = inFlight.enter(user.toLowerCase());
  try {
    if (flight.count > GRAPH_MAX_MAILBOX_CONCURRENCY) {
      return graphError(429, 'ApplicationThrottled', MAILBOX_CONCURRENCY_MESSAGE, { 'Retry-After': String(CONCURRENCY_RETRY_AFTER_SECONDS) });
    }
    await delay(sim.latencyMs.graph);

    const grant = sim.grants.mailSend;
    if (grant === 'none') return accessDenied();
    if (Array.isArray(grant) && !grant.some((mailbox) => mailbox.toLowerCase() === user.toLowerCase())) return accessDenied();
    const mailbox = sim.tenant.findMailbox(user);
    if (!mailbox) return graphError(404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`);

    let accepted: { message: GraphMessage; saveToSentItems: boolean };
    try {
      accepted = validateSendMail(req.body);
    } catch (error) {
      if (error instanceof BodyError) return graphError(400, error.code, error.message);
      throw error;
    }
    sim.sentMail.push({ mailbox, message: accepted.message, saveToSentItems: accepted.saveToSentItems, at: new Date() });
    return { status: 202, headers: { 'request-id': randomUUID() }, body: undefined };
  } finally {
    flight.leave();
  }
}

export function graphRouter(sim: SimulatorState, inFlight: InFlight): Router {
  const handler = (req: SimRequest, p: Record<string, string>): Promise<SimResponse> => sendMail(sim, inFlight, req, p.user);
  return new Router((req) => graphError(404, 'UnknownError', `Resource not found for the segment '${req.path.split('/').pop() ?? ''}'.`))
    .on('POST', '/v1.0/users/:user/sendMail', handler)
    .on('POST', '/v1.0/users/:user/microsoft.graph.sendMail', handler);
}
