/**
 * Microsoft Graph (reference section 3):
 *   POST /v1.0/users/{mailbox}/sendMail: checks the token's audience, the Mail.Send grant
 *     (tenant-wide or an Exchange RBAC scope of mailboxes), that the mailbox exists, and the body the
 *     way Graph does (singleValueExtendedProperties included); answers 202 with no body and records
 *     the message in the tenant's sentMail (sim.world(tid).sentMail), and, with saveToSentItems, in the mailbox's Sent Items
 *     sim.sentItemsDelayMs later.
 *   GET /v1.0/users/{mailbox}/mailFolders('sentitems')/messages (or mailFolders/sentitems/messages):
 *     Sent Items, with the extended-property $filter, $select, $top, $skip and the
 *     singleValueExtendedProperties $expand; needs Mail.Read for that mailbox.
 *   POST /v1.0/security/runHuntingQuery: the two post-delivery hunting queries (simulator/postDelivery.ts).
 * More than 4 requests in flight for one mailbox -> 429 with Retry-After.
 * No tenant in the path: the token's tid picks the tenant's world, and a mailbox of another tenant is
 * as unknown there as a made-up one (404 ErrorInvalidUser).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ADMIN_ACTIONS } from './postDelivery';
import { delay, InFlight, Router, type SimRequest, type SimResponse } from './router';
import type { FaultRequest } from './faults';
import {
  grantCovers,
  type ExtendedProperty,
  type GraphMessage,
  type GraphRecipient,
  type SentItem,
  type SentMail,
} from './tenant';
import type { SimulatorState, TenantWorld } from './world';

export const GRAPH_MAX_MAILBOX_CONCURRENCY = 4;
export const MAILBOX_CONCURRENCY_MESSAGE = 'Application is over its MailboxConcurrency limit.';
/** Retry-After (seconds) on a MailboxConcurrency 429. */
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;

export function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status,
    headers: { 'request-id': randomUUID(), ...headers },
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          'request-id': randomUUID(),
          'client-request-id': randomUUID(),
        },
      },
    },
  };
}

const accessDenied = (): SimResponse =>
  graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

/** What Graph sends for a status when an injected fault gives no body. */
export function graphFaultBody(status: number, _req: FaultRequest): SimResponse {
  switch (status) {
    case 401:
      return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    case 403:
      return accessDenied();
    case 400:
      return graphError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.');
    case 404:
      return graphError(404, 'ErrorInvalidUser', 'The requested user is invalid.');
    case 413:
      return graphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
    case 429:
      return graphError(429, 'ApplicationThrottled', MAILBOX_CONCURRENCY_MESSAGE);
    case 500:
      return graphError(500, 'ErrorInternalServerError', 'An internal server error occurred. The operation failed.');
    case 502:
      return graphError(502, 'BadGateway', 'The server returned an invalid response.');
    case 503:
      return graphError(503, 'ServiceNotAvailable', 'The service is temporarily unavailable. Please retry later.');
    case 504:
      return graphError(504, 'UnknownError', 'Gateway timeout.');
    default:
      return graphError(
        status,
        status >= 500 ? 'InternalServerError' : 'BadRequest',
        `The request failed with status ${status}.`,
      );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Properties of microsoft.graph.message; anything else is refused like Graph's OData reader does. */
const MESSAGE_PROPERTIES = new Set([
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'bccRecipients',
  'body',
  'bodyPreview',
  'ccRecipients',
  'conversationId',
  'conversationIndex',
  'flag',
  'from',
  'hasAttachments',
  'importance',
  'inferenceClassification',
  'internetMessageHeaders',
  'internetMessageId',
  'isDeliveryReceiptRequested',
  'isDraft',
  'isRead',
  'isReadReceiptRequested',
  'parentFolderId',
  'receivedDateTime',
  'replyTo',
  'sender',
  'sentDateTime',
  'subject',
  'toRecipients',
  'uniqueBody',
  'webLink',
  'attachments',
  'extensions',
  'multiValueExtendedProperties',
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
  if (!Array.isArray(value))
    throw unreadable(`Cannot read the value of '${name}': a collection of microsoft.graph.recipient was expected.`);
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
    if (
      body.contentType !== undefined &&
      (typeof body.contentType !== 'string' || !/^(html|text)$/i.test(body.contentType))
    ) {
      throw unreadable(
        `Cannot convert the literal '${String(body.contentType)}' to the expected type 'microsoft.graph.bodyType'.`,
      );
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
    throw new BodyError(
      'ErrorInvalidRecipients',
      "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
    );
  }
  const headers = message.internetMessageHeaders;
  if (headers !== undefined && headers !== null) {
    if (!Array.isArray(headers))
      throw unreadable("Cannot read the value of 'internetMessageHeaders': a collection was expected.");
    for (const header of headers) {
      if (!isObject(header) || typeof header.name !== 'string' || typeof header.value !== 'string') {
        throw unreadable('Each internetMessageHeaders item must look like {"name":"x-...","value":"..."}.');
      }
      if (!/^x-/i.test(header.name)) {
        throw new BodyError(
          'InvalidInternetMessageHeader',
          `The internet message header name '${header.name}' should start with 'x-' or 'X-'.`,
        );
      }
      if (/[\r\n]/.test(header.value) || /[\r\n]/.test(header.name)) {
        throw new BodyError(
          'InvalidInternetMessageHeader',
          `The internet message header '${header.name}' has an invalid value: line breaks are not allowed.`,
        );
      }
    }
  }
  extendedProperties(message.singleValueExtendedProperties);
  return structuredClone(message) as GraphMessage;
}

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PROPERTY_TYPES = 'Binary|Boolean|CLSID|Currency|Double|Float|Integer|Long|Object|Short|String|SystemTime';
/** 'String {guid} Name x', 'Integer {guid} Id 0x8001' or 'String 0x007D' (type words any case). */
const PROPERTY_ID = new RegExp(
  `^(${PROPERTY_TYPES}) (?:\\{(${GUID})\\} (?:Name (\\S(?:.*\\S)?)|Id (0x[0-9a-fA-F]{1,4}))|(0x[0-9a-fA-F]{1,4}))$`,
  'i',
);

/** A parsed property id; `key` compares ids the way Exchange does (GUID and type any case, Name exact). */
export interface PropertyId {
  type: string;
  guid?: string;
  name?: string;
  tag?: string;
  /** Normalised: as Graph returns it (type capitalised as Graph spells it, GUID lower-case). */
  canonical: string;
}

export function parsePropertyId(id: string): PropertyId | undefined {
  const match = PROPERTY_ID.exec(id);
  if (!match) return undefined;
  const type = PROPERTY_TYPES.split('|').find((t) => t.toLowerCase() === match[1].toLowerCase()) ?? match[1];
  const guid = match[2]?.toLowerCase();
  const name = match[3];
  const tag = (match[4] ?? match[5])?.toLowerCase();
  const canonical = guid
    ? name !== undefined
      ? `${type} {${guid}} Name ${name}`
      : `${type} {${guid}} Id ${tag}`
    : `${type} ${tag}`;
  return { type, guid, name, tag, canonical };
}

/** Two ids name the same property: type and GUID compared case-insensitively, the Name case-sensitively. */
function sameProperty(a: PropertyId, b: PropertyId): boolean {
  return a.canonical.toLowerCase() === b.canonical.toLowerCase() && a.name === b.name;
}

function extendedProperties(value: unknown): ExtendedProperty[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw unreadable("Cannot read the value of 'singleValueExtendedProperties': a collection was expected.");
  return value.map((item): ExtendedProperty => {
    if (!isObject(item))
      throw unreadable(
        'Each singleValueExtendedProperties item must look like {"id":"String {guid} Name name","value":"..."}.',
      );
    for (const key of Object.keys(item)) {
      if (key !== 'id' && key !== 'value' && !key.includes('@odata.')) {
        throw unreadable(
          `The property '${key}' does not exist on type 'microsoft.graph.singleValueLegacyExtendedProperty'.`,
        );
      }
    }
    if (typeof item.value !== 'string')
      throw unreadable("Cannot convert the value of 'value' to the expected type 'Edm.String'.");
    if (typeof item.id !== 'string' || !parsePropertyId(item.id)) {
      throw new BodyError('ErrorInvalidExtendedProperty', 'The extended property attribute combination is invalid.');
    }
    return { id: item.id, value: item.value };
  });
}

function validateSendMail(body: unknown): { message: GraphMessage; saveToSentItems: boolean } {
  if (body === undefined) throw new BodyError('BadRequest', 'Empty Payload. JSON content expected.');
  if (!isObject(body)) {
    throw new BodyError(
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  for (const name of Object.keys(body)) {
    if (name !== 'message' && name !== 'saveToSentItems' && !name.startsWith('@odata.')) {
      throw new BodyError(
        'BadRequest',
        `The parameter '${name}' in the request payload is not a valid parameter for the operation 'sendMail'.`,
      );
    }
  }
  if (body.message === undefined || body.message === null)
    throw new BodyError('ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
  if (!isObject(body.message))
    throw unreadable("Cannot read the value of 'message': a microsoft.graph.message was expected.");
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
  return graphError(401, 'InvalidAuthenticationToken', messages[reason], {
    'WWW-Authenticate': 'Bearer realm="", error="invalid_token"',
  });
}

/** The token's tenant's world, or the 401 for a missing, unknown, expired or misdirected token. */
function signedIn(sim: SimulatorState, req: SimRequest): TenantWorld | SimResponse {
  const check = sim.tokens.verify(req.headers.authorization, sim.origins.graph);
  if (!check.ok) return unauthenticated(check.reason);
  return sim.worldNamedBy(check.token.tenantId) ?? unauthenticated('unknown');
}

async function sendMail(sim: SimulatorState, inFlight: InFlight, req: SimRequest, user: string): Promise<SimResponse> {
  const world = signedIn(sim, req);
  if ('status' in world) return world;

  const flight = inFlight.enter(`${world.tenantId}/${user.toLowerCase()}`);
  try {
    if (flight.count > GRAPH_MAX_MAILBOX_CONCURRENCY) {
      return graphError(429, 'ApplicationThrottled', MAILBOX_CONCURRENCY_MESSAGE, {
        'Retry-After': String(CONCURRENCY_RETRY_AFTER_SECONDS),
      });
    }
    await delay(sim.latencyMs.graph);

    if (!grantCovers(world.grants.mailSend, user)) return accessDenied();
    const mailbox = world.tenant.findMailbox(user);
    if (!mailbox) return graphError(404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`);

    let accepted: { message: GraphMessage; saveToSentItems: boolean };
    try {
      accepted = validateSendMail(req.body);
    } catch (error) {
      if (error instanceof BodyError) return graphError(400, error.code, error.message);
      throw error;
    }
    const at = new Date();
    const sent: SentMail = { mailbox, message: accepted.message, saveToSentItems: accepted.saveToSentItems, at };
    if (accepted.saveToSentItems) {
      const item = sentItemOf(mailbox, accepted.message, at, sim.sentItemsDelayMs);
      world.sentItems.add(item);
      sent.sentItemId = item.id;
    }
    world.sentMail.push(sent);
    return { status: 202, headers: { 'request-id': randomUUID() }, body: undefined };
  } finally {
    flight.leave();
  }
}

/** An Outlook item id: long base64url, like the real ones (AAMkAD...). */
function itemId(): string {
  return `AAMkAD${randomBytes(96).toString('base64url')}`;
}

function sentItemOf(mailbox: string, message: GraphMessage, at: Date, delayMs: number): SentItem {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    id: itemId(),
    mailbox,
    subject: typeof message.subject === 'string' ? message.subject : '',
    createdDateTime: stamp,
    sentDateTime: stamp,
    toRecipients: message.toRecipients ?? [],
    ccRecipients: message.ccRecipients ?? [],
    bccRecipients: message.bccRecipients ?? [],
    // Graph hands ids back in its own spelling (GUID lower-case), not as the client wrote them.
    singleValueExtendedProperties: extendedProperties(message.singleValueExtendedProperties).map((p) => ({
      id: parsePropertyId(p.id)?.canonical ?? p.id,
      value: p.value,
    })),
    visibleAt: new Date(at.getTime() + Math.max(0, delayMs)),
  };
}

// ---- Sent Items -------------------------------------------------------------------------------

/** Properties $select may name on a Sent Items message. */
const SELECTABLE = new Set([
  'id',
  'subject',
  'createdDateTime',
  'sentDateTime',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'from',
  'sender',
  'isDraft',
  'parentFolderId',
]);
const DEFAULT_SELECT = [
  'id',
  'createdDateTime',
  'sentDateTime',
  'subject',
  'isDraft',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'parentFolderId',
];
const DEFAULT_TOP = 10;
const MAX_TOP = 1000;
const MAX_QUERY_OPTION_LENGTH = 2048;

/** A $filter or $expand Graph cannot parse: 400 BadRequest "Invalid filter clause". */
class QueryError extends Error {
  constructor(
    message: string,
    readonly code = 'BadRequest',
  ) {
    super(message);
  }
}

/** An OData string literal at `text[at]`: '...' with '' for a quote. Returns the value and where it ends. */
function stringLiteral(text: string, at: number): { value: string; end: number } {
  if (text[at] !== "'") throw new QueryError(`Invalid filter clause: a string literal was expected at position ${at}.`);
  let value = '';
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i++;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += text[i];
  }
  throw new QueryError('Invalid filter clause: unterminated string literal.');
}

/** A tiny tokenizer for the one filter shape Graph's Outlook backend answers for extended properties. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (/\s/.test(char)) {
      i++;
    } else if (char === "'") {
      const literal = stringLiteral(text, i);
      out.push(`'${literal.value.replace(/'/g, "''")}'`);
      i = literal.end;
    } else if ('():'.includes(char)) {
      out.push(char);
      i++;
    } else {
      const match = /^[A-Za-z_][\w./]*/.exec(text.slice(i));
      if (!match) throw new QueryError(`Invalid filter clause: syntax error at position ${i} in '${text}'.`);
      out.push(match[0]);
      i += match[0].length;
    }
  }
  return out;
}

const literalValue = (token: string | undefined): string | undefined =>
  token !== undefined && token.startsWith("'") ? token.slice(1, -1).replace(/''/g, "'") : undefined;

export interface ExtendedPropertyFilter {
  id: PropertyId;
  value: string;
}

/**
 * Parses `singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')` (either order
 * of the two comparisons, any lambda variable, keywords any case). Anything else: QueryError.
 */
export function parseExtendedPropertyFilter(filter: string): ExtendedPropertyFilter {
  const t = tokens(filter);
  const fail = (): never => {
    throw new QueryError(
      `Invalid filter clause: '${filter}' is not a supported filter on singleValueExtendedProperties.`,
    );
  };
  const head = /^singleValueExtendedProperties\/any$/i.test(t[0] ?? '');
  if (!head) {
    if (t.length > 0 && /^[A-Za-z]/.test(t[0])) {
      throw new QueryError('The query filter contains one or more invalid nodes.', 'ErrorInvalidUrlQueryFilter');
    }
    fail();
  }
  if (t[1] !== '(' || t[3] !== ':' || t[t.length - 1] !== ')') fail();
  const variable = t[2];
  if (!/^[A-Za-z_]\w*$/.test(variable ?? '')) fail();
  const body = t.slice(4, -1);
  if (body.length !== 7 || body[3].toLowerCase() !== 'and') fail();
  const comparisons = [body.slice(0, 3), body.slice(4, 7)];
  let id: string | undefined;
  let value: string | undefined;
  for (const [left, op, right] of comparisons) {
    if (op.toLowerCase() !== 'eq') fail();
    const literal = literalValue(right);
    if (literal === undefined) fail();
    if (left.toLowerCase() === `${variable.toLowerCase()}/id` && id === undefined) id = literal;
    else if (left.toLowerCase() === `${variable.toLowerCase()}/value` && value === undefined) value = literal;
    else fail();
  }
  const parsed = id === undefined ? undefined : parsePropertyId(id);
  if (!parsed || value === undefined)
    throw new QueryError('The extended property attribute combination is invalid.', 'ErrorInvalidExtendedProperty');
  return { id: parsed, value };
}

/** `singleValueExtendedProperties($filter=id eq '...')`: the property ids to return. */
function parseExpand(expand: string): PropertyId[] {
  const match = /^\s*singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*(.*)\)\s*$/i.exec(expand);
  if (!match)
    throw new QueryError(
      `Parsing OData Select and Expand failed: Could not find a property named '${expand.split('(')[0].trim()}' on type 'microsoft.graph.message'.`,
    );
  const t = tokens(match[1]);
  const ids: PropertyId[] = [];
  // id eq '...' [or id eq '...']*
  for (let i = 0; i < t.length; i += 4) {
    const literal = literalValue(t[i + 2]);
    if (
      t[i]?.toLowerCase() !== 'id' ||
      t[i + 1]?.toLowerCase() !== 'eq' ||
      literal === undefined ||
      (i + 3 < t.length && t[i + 3].toLowerCase() !== 'or')
    ) {
      throw new QueryError(`Invalid filter clause in $expand: '${match[1]}'.`);
    }
    const id = parsePropertyId(literal);
    if (!id)
      throw new QueryError('The extended property attribute combination is invalid.', 'ErrorInvalidExtendedProperty');
    ids.push(id);
  }
  if (ids.length === 0) throw new QueryError(`Invalid filter clause in $expand: '${match[1]}'.`);
  return ids;
}

/** A query option by name, `$` optional and any case, as Graph reads them. */
function option(req: SimRequest, name: string): string | undefined {
  const key = Object.keys(req.query).find((k) => k.replace(/^\$/, '').toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : req.query[key];
}

function intOption(req: SimRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = option(req, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new QueryError(`Invalid value '${raw}' for query option $${name}.`);
  const value = Number(raw.trim());
  if (value < min || value > max)
    throw new QueryError(`The value '${raw}' for $${name} is out of range (${min}..${max}).`);
  return value;
}

function outlookMessage(
  item: SentItem,
  select: readonly string[],
  expand: PropertyId[] | undefined,
  origin: string,
): Record<string, unknown> {
  const address = { emailAddress: { name: item.mailbox, address: item.mailbox } };
  const all: Record<string, unknown> = {
    id: item.id,
    createdDateTime: item.createdDateTime,
    sentDateTime: item.sentDateTime,
    subject: item.subject,
    isDraft: false,
    sender: address,
    from: address,
    toRecipients: item.toRecipients,
    ccRecipients: item.ccRecipients,
    bccRecipients: item.bccRecipients,
    parentFolderId: 'AQMkAD-sentitems',
  };
  const out: Record<string, unknown> = { '@odata.etag': `W/"CQAAABYAAAA${item.id.slice(-12)}"` };
  for (const name of ['id', ...select]) out[name] = all[name];
  if (expand) {
    const wanted = item.singleValueExtendedProperties.filter((p) => {
      const parsed = parsePropertyId(p.id);
      return parsed !== undefined && expand.some((id) => sameProperty(id, parsed));
    });
    out[`singleValueExtendedProperties@odata.context`] =
      `${origin}/v1.0/$metadata#users('${encodeURIComponent(item.mailbox)}')/mailFolders('sentitems')/messages('${item.id}')/singleValueExtendedProperties`;
    out.singleValueExtendedProperties = wanted;
  }
  return out;
}

function sentItemsQuery(sim: SimulatorState, world: TenantWorld, req: SimRequest, mailbox: string): SimResponse {
  for (const value of Object.values(req.query)) {
    if (value.length > MAX_QUERY_OPTION_LENGTH) return graphError(400, 'BadRequest', 'The query option is too long.');
  }
  let filter: ExtendedPropertyFilter | undefined;
  let expand: PropertyId[] | undefined;
  let select = DEFAULT_SELECT;
  let top: number;
  let skip: number;
  try {
    const rawFilter = option(req, 'filter');
    if (rawFilter !== undefined) filter = parseExtendedPropertyFilter(rawFilter);
    const rawExpand = option(req, 'expand');
    if (rawExpand !== undefined) expand = parseExpand(rawExpand);
    const rawSelect = option(req, 'select');
    if (rawSelect !== undefined) {
      select = rawSelect.split(',').map((name) => name.trim());
      for (const name of select) {
        const known = [...SELECTABLE].find((candidate) => candidate.toLowerCase() === name.toLowerCase());
        if (!known)
          throw new QueryError(
            `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.message'.`,
          );
      }
      select = select.map(
        (name) => [...SELECTABLE].find((candidate) => candidate.toLowerCase() === name.toLowerCase()) ?? name,
      );
    }
    top = intOption(req, 'top', DEFAULT_TOP, 1, MAX_TOP);
    skip = intOption(req, 'skip', 0, 0, 1_000_000);
  } catch (error) {
    if (error instanceof QueryError) return graphError(400, error.code, error.message);
    throw error;
  }
  const matching = world.sentItems.visible(mailbox).filter((item) => {
    if (!filter) return true;
    const wanted = filter;
    return item.singleValueExtendedProperties.some((p) => {
      const parsed = parsePropertyId(p.id);
      // The name is matched case-sensitively, the value case-insensitively (Exchange's behaviour).
      return (
        parsed !== undefined && sameProperty(parsed, wanted.id) && p.value.toLowerCase() === wanted.value.toLowerCase()
      );
    });
  });
  const page = matching.slice(skip, skip + top);
  const origin = sim.origins.graph;
  const body: Record<string, unknown> = {
    '@odata.context': `${origin}/v1.0/$metadata#users('${encodeURIComponent(mailbox)}')/mailFolders('sentitems')/messages`,
    value: page.map((item) => outlookMessage(item, select, expand, origin)),
  };
  if (skip + top < matching.length) {
    const next = new URLSearchParams({ ...req.query });
    for (const key of Object.keys(req.query)) if (key.replace(/^\$/, '').toLowerCase() === 'skip') next.delete(key);
    next.set('$skip', String(skip + top));
    body['@odata.nextLink'] = `${origin}${req.path}?${next.toString()}`;
  }
  return {
    status: 200,
    headers: {
      'request-id': randomUUID(),
      'Content-Type':
        'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    },
    body,
  };
}

/** mailFolders('sentitems') or mailFolders('SentItems'): the one well-known folder simulated. */
function isSentItems(folderSegment: string): boolean {
  return /^mailFolders\(\s*'sentitems'\s*\)$/i.test(folderSegment);
}

async function listSentItems(
  sim: SimulatorState,
  inFlight: InFlight,
  req: SimRequest,
  user: string,
  folder: string,
): Promise<SimResponse> {
  const world = signedIn(sim, req);
  if ('status' in world) return world;
  const flight = inFlight.enter(`${world.tenantId}/${user.toLowerCase()}`);
  try {
    if (flight.count > GRAPH_MAX_MAILBOX_CONCURRENCY) {
      return graphError(429, 'ApplicationThrottled', MAILBOX_CONCURRENCY_MESSAGE, {
        'Retry-After': String(CONCURRENCY_RETRY_AFTER_SECONDS),
      });
    }
    await delay(sim.latencyMs.graph);
    if (!grantCovers(world.grants.mailRead, user)) return accessDenied();
    const mailbox = world.tenant.findMailbox(user);
    if (!mailbox) return graphError(404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`);
    if (folder.toLowerCase() !== 'sentitems')
      return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return sentItemsQuery(sim, world, req, mailbox);
  } finally {
    flight.leave();
  }
}

/** The columns Kusto would describe for each of the two queries' results. */
const ADMIN_SCHEMA = [
  { name: 'Timestamp', type: 'DateTime' },
  ...ADMIN_ACTIONS.map((name) => ({ name, type: 'Int64' })),
];
const LOCATION_SCHEMA = [
  { name: 'Count', type: 'Object' },
  { name: 'Details', type: 'String' },
  { name: 'Timestamp', type: 'Object' },
];

async function runHuntingQuery(sim: SimulatorState, req: SimRequest): Promise<SimResponse> {
  const world = signedIn(sim, req);
  if ('status' in world) return world;
  await delay(sim.latencyMs.graph);
  if (!world.grants.threatHuntingRead)
    return graphError(403, 'Forbidden', 'Missing application roles. API required roles: ThreatHunting.Read.All.');
  const log = world.postDelivery;
  if (log.throttleNext > 0) {
    log.throttleNext--;
    return graphError(
      429,
      'TooManyRequests',
      'Too many requests: the tenant reached its advanced hunting call quota.',
      {
        'Retry-After': String(log.throttleRetryAfterSeconds),
      },
    );
  }
  const body = req.body;
  const query =
    body !== null &&
    typeof body === 'object' &&
    !Array.isArray(body) &&
    typeof (body as Record<string, unknown>).Query === 'string'
      ? ((body as Record<string, unknown>).Query as string)
      : undefined;
  if (query === undefined) return graphError(400, 'BadRequest', "The request body must have a string 'Query'.");
  if (!log.defenderXdr)
    return graphError(
      400,
      'BadRequest',
      "Failed to resolve table expression named 'EmailPostDeliveryEvents': the tenant has no Microsoft Defender XDR advanced hunting data.",
    );
  const now = new Date();
  const q = query.replace(/\s+/g, ' ');
  if (/EmailPostDeliveryEvents/.test(q) && /ActionTrigger has "AdminAction"/.test(q) && /make-series/.test(q) === false)
    return { status: 200, body: { schema: ADMIN_SCHEMA, results: log.adminSeries(now) } };
  if (/EmailPostDeliveryEvents/.test(q) && /DeliveryLocation has 'Quarantine'/.test(q) && /make-series/.test(q))
    return { status: 200, body: { schema: LOCATION_SCHEMA, results: log.locationSeries(now) } };
  return graphError(
    400,
    'BadRequest',
    'Query could not be parsed (the simulator answers only the two post-delivery queries).',
  );
}

export function graphRouter(sim: SimulatorState, inFlight: InFlight): Router {
  const handler = (req: SimRequest, p: Record<string, string>): Promise<SimResponse> =>
    sendMail(sim, inFlight, req, p.user);
  return new Router((req) =>
    graphError(404, 'UnknownError', `Resource not found for the segment '${req.path.split('/').pop() ?? ''}'.`),
  )
    .on('POST', '/v1.0/security/runHuntingQuery', (req) => runHuntingQuery(sim, req))
    .on('POST', '/v1.0/users/:user/sendMail', handler)
    .on('POST', '/v1.0/users/:user/microsoft.graph.sendMail', handler)
    .on('GET', '/v1.0/users/:user/mailFolders/:folder/messages', (req, p) =>
      listSentItems(sim, inFlight, req, p.user, p.folder),
    )
    .on('GET', '/v1.0/users/:user/:folder/messages', (req, p) =>
      // mailFolders('sentitems'); any other folder expression is a folder this simulator does not hold.
      isSentItems(p.folder)
        ? listSentItems(sim, inFlight, req, p.user, 'sentitems')
        : Promise.resolve(graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.')),
    );
}
