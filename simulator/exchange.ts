/**
 * Exchange Online admin REST: POST /adminapi/beta/{tenant}/InvokeCommand, the endpoint the EXO V3
 * module runs cmdlets over. Implements Get-QuarantineMessage, Get-QuarantineMessageHeader (with a ViewHeader audit record per read), Get-AggregateZapReport and Get-AcceptedDomain with the
 * quirks in the reference (section 1): type-hint sibling keys, "Invalid Operation" errors with the
 * useful text deep inside, 401 / 403-with-NUL-bytes for missing grants, PageSize 0 answering
 * nothing, the truncated window with an unusable nextLink, and a per-tenant concurrency limit.
 */
import { randomBytes } from 'node:crypto';
import { delay, InFlight, Router, type SimRequest, type SimResponse } from './router';
import type { FaultRequest } from './faults';
import { parseExchangeTime, quarantineRecord } from './fixtures';
import { ZAP_REPORT_MAX_DAYS } from './postDelivery';
import type { AuditRecord, QuarantineRow } from './tenant';
import type { SimulatorState, TenantWorld } from './world';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Without dates, Get-QuarantineMessage looks back this far... */
const DEFAULT_LOOKBACK_MS = 16 * DAY_MS;
/** ...and never further than this. */
const MAX_LOOKBACK_MS = 30 * DAY_MS;
/** More InvokeCommand calls than this in flight for one tenant are refused. */
export const EXCHANGE_MAX_CONCURRENT = 3;

export const CONCURRENCY_MESSAGE =
  'You have reached the maximum number of concurrent requests per tenant. Please wait for your previous requests to complete.';
export const TRUNCATION_WARNING =
  'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

const JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** A cmdlet failure, turned into the "Invalid Operation" envelope. */
class CmdletError extends Error {
  constructor(
    message: string,
    readonly exceptionType: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The error envelope: error.message is always "Invalid Operation"; the real text is further in. */
export function exchangeError(
  status: number,
  text: string,
  exceptionType: string,
  code = status === 429 ? 'TooManyRequests' : 'BadRequest',
): SimResponse {
  return {
    status,
    headers: { 'Content-Type': JSON_CONTENT_TYPE },
    body: {
      error: {
        code,
        message: 'Invalid Operation',
        details: [{ code: 'Context', target: '', message: text }],
        innererror: {
          message: text,
          type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
          stacktrace: '',
          internalexception: { message: text, type: exceptionType, stacktrace: '' },
        },
      },
    },
  };
}

function unauthorized(sim: SimulatorState): SimResponse {
  return {
    status: 401,
    headers: {
      'WWW-Authenticate':
        `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", ` +
        `token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="${sim.origins.authority}/common/oauth2/authorize", error="invalid_token"`,
    },
    body: undefined,
  };
}

/** Observed: with the app role but no directory role, a 403 whose body is NUL bytes, not JSON. */
function forbiddenNulBytes(): SimResponse {
  return { status: 403, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: Buffer.alloc(8) };
}

function tooManyConcurrent(): SimResponse {
  return exchangeError(429, CONCURRENCY_MESSAGE, 'Microsoft.Exchange.Admin.OData.Core.ThrottlingException');
}

/** What Exchange sends for a status when an injected fault gives no body. */
export function exchangeFaultBody(status: number, _req: FaultRequest): SimResponse {
  if (status === 401)
    return { status, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' }, body: undefined };
  if (status === 403) return forbiddenNulBytes();
  if (status === 429) return tooManyConcurrent();
  if (status === 503)
    return exchangeError(
      503,
      'The service is temporarily unavailable. Please try again later.',
      'System.ServiceModel.ServerTooBusyException',
      'ServiceUnavailable',
    );
  if (status === 504 || status === 408)
    return exchangeError(status, 'The operation has timed out.', 'System.TimeoutException', 'GatewayTimeout');
  return exchangeError(
    status,
    `The request failed with status ${status}.`,
    'System.Exception',
    status >= 500 ? 'InternalServerError' : 'BadRequest',
  );
}

// ---- parameter binding, PowerShell style -------------------------------------------------------

type Parameters = Map<string, unknown>;

/** Binds a Parameters object to the cmdlet's parameter names (case-insensitive, like PowerShell). */
function bind(parameters: Record<string, unknown>, known: readonly string[]): Parameters {
  const bound: Parameters = new Map();
  for (const [name, value] of Object.entries(parameters)) {
    const canonical = known.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!canonical) {
      throw new CmdletError(
        `A parameter cannot be found that matches parameter name '${name}'.`,
        'System.Management.Automation.ParameterBindingException',
      );
    }
    bound.set(canonical, value);
  }
  return bound;
}

function cannotConvert(name: string, value: unknown, type: string, reason: string): CmdletError {
  return new CmdletError(
    `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${String(value)}" to type "${type}". Error: "${reason}"`,
    'System.Management.Automation.ParameterBindingArgumentTransformationException',
  );
}

function intParameter(params: Parameters, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === undefined || raw === null) return fallback;
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value))
    throw cannotConvert(name, raw, 'System.Int32', 'Input string was not in a correct format.');
  if (value < min) {
    throw new CmdletError(
      `Cannot validate argument on parameter '${name}'. The ${value} argument is less than the minimum allowed range of ${min}. Supply an argument that is greater than or equal to ${min} and then try the command again.`,
      'System.Management.Automation.ParameterBindingValidationException',
    );
  }
  if (value > max) {
    throw new CmdletError(
      `Cannot validate argument on parameter '${name}'. The ${value} argument is greater than the maximum allowed range of ${max}. Supply an argument that is less than or equal to ${max} and then try the command again.`,
      'System.Management.Automation.ParameterBindingValidationException',
    );
  }
  return value;
}

/** An instant to 100 ns, as [epoch ms, extra ticks]: Exchange times carry 7 fractional digits. */
type Instant = readonly [number, number];

function toInstant(value: string): Instant | undefined {
  const fraction = /T\d{2}:\d{2}(?::\d{2})?\.(\d+)/.exec(value)?.[1] ?? '';
  const ms = parseExchangeTime(value.replace(/(T\d{2}:\d{2}(?::\d{2})?)\.\d+/, '$1'));
  if (Number.isNaN(ms)) return undefined;
  const digits = fraction.padEnd(7, '0').slice(0, 7);
  return [ms + Number(digits.slice(0, 3)), Number(digits.slice(3))];
}

function compareInstants(a: Instant, b: Instant): number {
  return a[0] - b[0] || a[1] - b[1];
}

function dateParameter(params: Parameters, name: string): Instant | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === null) return undefined;
  const instant = typeof raw === 'string' ? toInstant(raw.trim()) : undefined;
  if (!instant)
    throw cannotConvert(
      name,
      raw,
      'System.DateTime',
      `String '${String(raw)}' was not recognized as a valid DateTime.`,
    );
  return instant;
}

function stringParameter(params: Parameters, name: string): string | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string')
    throw cannotConvert(name, JSON.stringify(raw), 'System.String', 'Specified method is not supported.');
  return raw;
}

function listParameter(params: Parameters, name: string, allowed?: readonly string[]): string[] | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === null) return undefined;
  const values = Array.isArray(raw) ? raw : [raw];
  if (!values.every((value): value is string => typeof value === 'string')) {
    throw cannotConvert(name, JSON.stringify(raw), 'System.String[]', 'Specified method is not supported.');
  }
  if (allowed) {
    for (const value of values) {
      if (!allowed.some((option) => option.toLowerCase() === value.toLowerCase())) {
        throw new CmdletError(
          `Cannot bind parameter '${name}'. Cannot convert value "${value}" to type "Microsoft.Exchange.Management.FfoQuarantine.${name}Enum". ` +
            `Error: "Unable to match the identifier name ${value} to a valid enumerator name. Specify one of the following enumerator names and try again:\n${allowed.join(', ')}"`,
          'System.Management.Automation.ParameterBindingException',
        );
      }
    }
  }
  return values;
}

function booleanParameter(params: Parameters, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^\$?(true|false)$/i.test(raw)) return /true/i.test(raw);
  throw cannotConvert(name, raw, 'System.Boolean', 'Boolean parameters accept only Boolean values and numbers.');
}

// ---- Get-QuarantineMessage ---------------------------------------------------------------------

const QUARANTINE_PARAMETERS = [
  'Identity',
  'Page',
  'PageSize',
  'StartReceivedDate',
  'EndReceivedDate',
  'StartExpiresDate',
  'EndExpiresDate',
  'Direction',
  'ReleaseStatus',
  'QuarantineTypes',
  'Type',
  'SenderAddress',
  'RecipientAddress',
  'MessageId',
  'Subject',
  'PolicyName',
  'PolicyTypes',
  'EntityType',
  'Reported',
] as const;

const DIRECTIONS = ['Inbound', 'Outbound'] as const;
const RELEASE_STATUSES = [
  'Approved',
  'Denied',
  'Error',
  'NotReleased',
  'PreparingToRelease',
  'Released',
  'Requested',
] as const;

/** Key order of a row on the wire, type hints included (as in the reference's sample). */
const WIRE_ORDER = [
  'Identity',
  'ReceivedTime@data.type',
  'ReceivedTime',
  'Organization',
  'MessageId',
  'SenderAddress',
  'RecipientAddress@odata.type',
  'RecipientAddress',
  'Subject',
  'Size@data.type',
  'Size',
  'Type',
  'PolicyType',
  'PolicyName',
  'TagName',
  'PermissionToRelease',
  'Released',
  'ReleaseStatus',
  'SystemReleased',
  'RecipientCount',
  'QuarantineTypes',
  'Expires@data.type',
  'Expires',
  'RecipientTag',
  'DeletedForRecipients',
  'QuarantinedUser',
  'ReleasedUser',
  'Reported',
  'Direction',
  'EntityType',
  'ReleasedCount',
  'ReleasedBy',
] as const;

const TYPE_HINTS: Readonly<Record<string, string>> = {
  'ReceivedTime@data.type': 'System.DateTime',
  'RecipientAddress@odata.type': '#Collection(String)',
  'Size@data.type': 'System.Int32',
  'Expires@data.type': 'System.DateTime',
};

function toWireRow(row: QuarantineRow): Record<string, unknown> {
  const fields = row as unknown as Record<string, unknown>;
  const wire: Record<string, unknown> = {};
  for (const key of WIRE_ORDER) {
    if (key in TYPE_HINTS) wire[key] = TYPE_HINTS[key];
    else if (key in fields) wire[key] = fields[key];
  }
  for (const [key, value] of Object.entries(fields)) if (!(key in wire)) wire[key] = value;
  return wire;
}

const lower = (values: readonly string[]): Set<string> => new Set(values.map((value) => value.toLowerCase()));

function rowInstant(value: string): Instant {
  return toInstant(value) ?? [Number.NaN, 0];
}

function within(instant: Instant, start: Instant | undefined, end: Instant | undefined): boolean {
  if (Number.isNaN(instant[0])) return false;
  return (!start || compareInstants(instant, start) >= 0) && (!end || compareInstants(instant, end) <= 0);
}

/** Rows matching every filter, newest ReceivedTime first, ties by Identity. */
function matchingRows(world: TenantWorld, params: Parameters): QuarantineRow[] {
  const now = Date.now();
  const identity = stringParameter(params, 'Identity');
  const startReceived = dateParameter(params, 'StartReceivedDate');
  const endReceived = dateParameter(params, 'EndReceivedDate');
  const startExpires = dateParameter(params, 'StartExpiresDate');
  const endExpires = dateParameter(params, 'EndExpiresDate');
  const directions = listParameter(params, 'Direction', DIRECTIONS);
  const statuses = listParameter(params, 'ReleaseStatus', RELEASE_STATUSES);
  const quarantineTypes = listParameter(params, 'QuarantineTypes');
  const types = listParameter(params, 'Type');
  const senders = listParameter(params, 'SenderAddress');
  const recipients = listParameter(params, 'RecipientAddress');
  const messageId = stringParameter(params, 'MessageId');
  const subject = stringParameter(params, 'Subject');
  const policyName = stringParameter(params, 'PolicyName');
  const policyTypes = listParameter(params, 'PolicyTypes');
  const entityType = stringParameter(params, 'EntityType');
  const reported = booleanParameter(params, 'Reported');

  // The received-date window: 16 days back by default, never more than 30.
  const floor: Instant = [now - MAX_LOOKBACK_MS, 0];
  let start: Instant = startReceived ?? [now - DEFAULT_LOOKBACK_MS, 0];
  if (compareInstants(start, floor) < 0) start = floor;

  const has = (set: Set<string> | undefined, value: string): boolean => !set || set.has(value.toLowerCase());
  const directionSet = directions && lower(directions);
  const statusSet = statuses && lower(statuses);
  const quarantineTypeSet = quarantineTypes && lower(quarantineTypes);
  const typeSet = types && lower(types);
  const senderSet = senders && lower(senders);
  const recipientSet = recipients && lower(recipients);
  const policyTypeSet = policyTypes && lower(policyTypes);

  const rows = world.tenant.quarantine.rows.filter((row) => {
    // Expired rows are gone from quarantine.
    if (parseExchangeTime(row.Expires) <= now) return false;
    if (identity !== undefined) return row.Identity.toLowerCase() === identity.toLowerCase();
    return (
      within(rowInstant(row.ReceivedTime), start, endReceived) &&
      (!startExpires && !endExpires ? true : within(rowInstant(row.Expires), startExpires, endExpires)) &&
      has(directionSet, row.Direction) &&
      has(statusSet, row.ReleaseStatus) &&
      has(quarantineTypeSet, row.QuarantineTypes) &&
      has(typeSet, row.Type) &&
      has(senderSet, row.SenderAddress) &&
      (!recipientSet || row.RecipientAddress.some((address) => recipientSet.has(address.toLowerCase()))) &&
      (messageId === undefined || row.MessageId.toLowerCase() === messageId.toLowerCase()) &&
      (subject === undefined || row.Subject.toLowerCase().includes(subject.toLowerCase())) &&
      (policyName === undefined || row.PolicyName.toLowerCase() === policyName.toLowerCase()) &&
      has(policyTypeSet, row.PolicyType) &&
      (entityType === undefined || row.EntityType.toLowerCase() === entityType.toLowerCase()) &&
      (reported === undefined || row.Reported === reported)
    );
  });
  return rows
    .map((row) => ({ row, at: rowInstant(row.ReceivedTime) }))
    .sort(
      (a, b) =>
        compareInstants(b.at, a.at) || (a.row.Identity < b.row.Identity ? -1 : a.row.Identity > b.row.Identity ? 1 : 0),
    )
    .map(({ row }) => row);
}

function envelope(sim: SimulatorState, tenantSegment: string, rows: unknown[], truncated: boolean): SimResponse {
  const base = `${sim.origins.exchange}/adminapi/beta/${encodeURIComponent(tenantSegment)}`;
  const body: Record<string, unknown> = {
    '@odata.context': `${base}/$metadata#Collection(Exchange.GenericHashTable)`,
    'adminapi.warnings@odata.type': '#Collection(String)',
    '@adminapi.warnings': truncated ? [TRUNCATION_WARNING] : [],
    value: rows,
  };
  // The link is opaque and cannot be replayed (see paginationExpired).
  if (truncated)
    body['@odata.nextLink'] = `${base}/InvokeCommand?%24skiptoken=${randomBytes(48).toString('base64url')}`;
  return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body };
}

function getQuarantineMessage(
  sim: SimulatorState,
  world: TenantWorld,
  tenantSegment: string,
  parameters: Record<string, unknown>,
): SimResponse {
  const params = bind(parameters, QUARANTINE_PARAMETERS);
  const page = intParameter(params, 'Page', 1, 1, 1000);
  // PageSize 0 is accepted and answers no rows (observed).
  const pageSize = intParameter(params, 'PageSize', 100, 0, 1000);
  const rows = matchingRows(world, params);
  // Truncation: past the window limit, rows cannot be paged at all, and every page says so.
  const truncated = rows.length > sim.exchangeWindowLimit;
  const window = truncated ? rows.slice(0, sim.exchangeWindowLimit) : rows;
  const pageRows = pageSize === 0 ? [] : window.slice((page - 1) * pageSize, page * pageSize);
  return envelope(sim, tenantSegment, pageRows.map(toWireRow), truncated);
}

// ---- Get-AcceptedDomain ------------------------------------------------------------------------

function getAcceptedDomain(
  sim: SimulatorState,
  world: TenantWorld,
  tenantSegment: string,
  parameters: Record<string, unknown>,
): SimResponse {
  const params = bind(parameters, ['Identity', 'ResultSize']);
  const identity = stringParameter(params, 'Identity');
  const initial = world.tenant.acceptedDomains.find((domain) => /\.onmicrosoft\.com$/i.test(domain));
  const rows = world.tenant.acceptedDomains
    .map((domain, index) => ({
      Identity: domain,
      Name: domain,
      DomainName: domain,
      DomainType: 'Authoritative',
      Default: index === 0,
      InitialDomain: domain === initial,
    }))
    .filter((row) => identity === undefined || row.DomainName.toLowerCase() === identity.toLowerCase());
  if (identity !== undefined && rows.length === 0) {
    throw new CmdletError(
      `The operation couldn't be performed because object '${identity}' couldn't be found on '${world.tenantId}'.`,
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
    );
  }
  return envelope(sim, tenantSegment, rows, false);
}

// ---- Get-QuarantineMessageHeader ----------------------------------------------------------------

const QUARANTINE_IDENTITY =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The raw header of one quarantined copy. Unknown, deleted or expired copies fail with 400 "couldn't
 * be found"; -EntityType answers 403 (observed for Security Reader); without the right directory
 * role, 403 with a NUL-byte body. Each successful read is audited (RequestType 4, ViewHeader) under
 * the app's identity, as Microsoft audits it.
 */
function getQuarantineMessageHeader(
  sim: SimulatorState,
  world: TenantWorld,
  appId: string,
  tenantSegment: string,
  parameters: Record<string, unknown>,
): SimResponse {
  if (!world.grants.quarantineHeaderRead) return forbiddenNulBytes();
  const params = bind(parameters, ['Identity', 'EntityType', 'RecipientAddress']);
  if (params.has('EntityType')) {
    return exchangeError(
      403,
      "The user doesn't have permission to use the EntityType parameter of this cmdlet.",
      'Microsoft.Exchange.Configuration.Tasks.TaskAccessDeniedException',
      'Forbidden',
    );
  }
  const identity = stringParameter(params, 'Identity');
  if (identity === undefined || identity.trim() === '') {
    throw new CmdletError(
      'Cannot process command because of one or more missing mandatory parameters: Identity.',
      'System.Management.Automation.ParameterBindingException',
    );
  }
  if (!QUARANTINE_IDENTITY.test(identity.trim())) {
    throw cannotConvert(
      'Identity',
      identity,
      'Microsoft.Exchange.Management.FfoQuarantine.QuarantineMessageIdentity',
      'The identity must look like GUID\\GUID.',
    );
  }
  const row = world.tenant.quarantine.find(identity.trim());
  const header =
    row && parseExchangeTime(row.Expires) > Date.now() ? world.tenant.quarantine.header(row.Identity) : undefined;
  if (!row || header === undefined) {
    throw new CmdletError(
      `The operation couldn't be performed because object '${identity}' couldn't be found on '${world.tenantId}'.`,
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
    );
  }
  world.audit.publish([viewHeaderRecord(world.tenantId, appId, row.Identity.split('\\')[0])], {
    availableAt: new Date(Date.now() + world.audit.headerReadLatencyMs),
  });
  return envelope(sim, tenantSegment, [{ Identity: row.Identity, Header: header }], false);
}

/** The audit record of a header read by this app (Operation name uncaptured on the wire; RequestType 4 is documented). */
function viewHeaderRecord(tenantId: string, appId: string, networkMessageId: string): AuditRecord {
  return quarantineRecord('QuarantineViewHeader', {
    NetworkMessageId: networkMessageId.toLowerCase(),
    OrganizationId: tenantId,
    UserId: appId,
    UserKey: appId,
    // 5: Application (Management Activity API UserType).
    UserType: 5,
    AppId: appId,
    RequestSource: 1,
  });
}

// ---- Get-AggregateZapReport ---------------------------------------------------------------------

/** Date, EventType, ZapActionCount per day and ZAP type; default the last 3 days, at most 10. */
function getAggregateZapReport(
  sim: SimulatorState,
  world: TenantWorld,
  tenantSegment: string,
  parameters: Record<string, unknown>,
): SimResponse {
  const now = new Date();
  const date = (name: string, fallback: Date): Date => {
    const value = parameters[name];
    if (value === undefined || value === null) return fallback;
    const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(parsed))
      throw new CmdletError(
        `Cannot bind parameter '${name}'. Cannot convert value "${String(value).slice(0, 40)}" to type "System.DateTime".`,
        'System.Management.Automation.ParameterBindingException',
      );
    return new Date(parsed);
  };
  const end = date('EndDate', now);
  const start = date('StartDate', new Date(end.getTime() - 3 * 86_400_000));
  if (end.getTime() - start.getTime() > ZAP_REPORT_MAX_DAYS * 86_400_000)
    throw new CmdletError(
      `The date range is too long: specify at most ${ZAP_REPORT_MAX_DAYS} days.`,
      'Microsoft.Exchange.Management.ReportingTask.InvalidDateRangeException',
    );
  return {
    status: 200,
    body: {
      '@odata.context': `${sim.origins.exchange}/adminapi/beta/${tenantSegment}/$metadata#Collection(Exchange.GenericHashTable)`,
      value: world.postDelivery.aggregateZap(start, end, now),
    },
  };
}

// ---- InvokeCommand -----------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Who calls, in which tenant's world. */
interface Caller {
  world: TenantWorld;
  appId: string;
}

function runCmdlet(sim: SimulatorState, caller: Caller, req: SimRequest, tenantSegment: string): SimResponse {
  const { world } = caller;
  const body = req.body;
  if (!isObject(body)) {
    throw new CmdletError(
      'The request body must be a JSON object: {"CmdletInput":{"CmdletName":"...","Parameters":{...}}}.',
      'Microsoft.OData.ODataException',
    );
  }
  const input = body.CmdletInput;
  if (!isObject(input))
    throw new CmdletError(
      "The parameter 'CmdletInput' in the request payload is missing or is not an object.",
      'Microsoft.OData.ODataException',
    );
  const name = input.CmdletName;
  if (typeof name !== 'string' || !name)
    throw new CmdletError(
      "The parameter 'CmdletName' in the request payload is missing.",
      'Microsoft.OData.ODataException',
    );
  const parameters = input.Parameters;
  if (parameters === undefined || parameters === null) {
    throw new CmdletError(
      "Cannot bind argument to parameter 'Parameters' because it is null.",
      'System.Management.Automation.ParameterBindingValidationException',
    );
  }
  if (!isObject(parameters))
    throw new CmdletError(
      "The parameter 'Parameters' in the request payload must be an object.",
      'Microsoft.OData.ODataException',
    );

  switch (name.toLowerCase()) {
    case 'get-quarantinemessage':
      return getQuarantineMessage(sim, world, tenantSegment, parameters);
    case 'get-accepteddomain':
      return getAcceptedDomain(sim, world, tenantSegment, parameters);
    case 'get-quarantinemessageheader':
      return getQuarantineMessageHeader(sim, world, caller.appId, tenantSegment, parameters);
    case 'get-aggregatezapreport':
      return getAggregateZapReport(sim, world, tenantSegment, parameters);
    default:
      throw new CmdletError(
        `The term '${name}' is not recognized as a name of a cmdlet, function, script file, or executable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
        'System.Management.Automation.CommandNotFoundException',
      );
  }
}

async function invokeCommand(
  sim: SimulatorState,
  inFlight: InFlight,
  req: SimRequest,
  tenantSegment: string,
): Promise<SimResponse> {
  const check = sim.tokens.verify(req.headers.authorization, sim.origins.exchange);
  // The world is the tenant in the path; a token of any other tenant is refused (none crosses tenants).
  const world = sim.worldNamedBy(tenantSegment);
  if (!check.ok || !world || check.token.tenantId !== world.tenantId) return unauthorized(sim);
  if (!world.grants.exchangeManageAsApp) return unauthorized(sim);
  if (!world.grants.exchangeDirectoryRole) return forbiddenNulBytes();
  // A replayed @odata.nextLink (GET or POST) always fails.
  if (Object.keys(req.query).some((name) => name.toLowerCase() === '$skiptoken')) {
    return exchangeError(
      400,
      'Expired or Invalid pagination request. Default Expiry time is 00:30:00',
      'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
    );
  }
  if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST' }, body: undefined };

  const flight = inFlight.enter(world.tenantId);
  try {
    if (flight.count > EXCHANGE_MAX_CONCURRENT) return tooManyConcurrent();
    await delay(sim.latencyMs.exchange);
    try {
      return runCmdlet(sim, { world, appId: check.token.appId }, req, tenantSegment);
    } catch (error) {
      if (error instanceof CmdletError) return exchangeError(error.status, error.message, error.exceptionType);
      throw error;
    }
  } finally {
    flight.leave();
  }
}

export function exchangeRouter(sim: SimulatorState, inFlight: InFlight): Router {
  return new Router(() => ({ status: 404, body: undefined })).on(
    '*',
    '/adminapi/beta/:tenant/InvokeCommand',
    (req, p) => invokeCommand(sim, inFlight, req, p.tenant),
  );
}
