/**
 * Office 365 Management Activity API, under /api/v1.0/{tenant}/activity/feed (reference section 2):
 * subscriptions (list, start, stop), content listing with NextPageUri paging, and content blobs.
 *
 * Error codes, from Microsoft's published error table unless marked observed:
 *   AF10001  token lacks ActivityFeed.Read ("The permission set (...) sent in the request does not
 *            include the expected permission."; the wire says "does not", the table "did not").
 *            Also used for a missing, unknown or wrong-audience token (401).
 *   AF20001  missing parameter (contentType).           AF20002  unparseable startTime/endTime.
 *   AF20010  tenant in the URL is not the token's tenant (the table's code for exactly this).
 *   AF20013  tenant in the URL is not a GUID.           AF20020  unknown content type.
 *   AF20022  no subscription for the content type (also when unified auditing is off).
 *   AF20024  (observed, undocumented) start on an enabled subscription: "already enabled".
 *   AF20031  unknown nextPage token.
 *   AF20055  (observed) bad listing window: one of startTime/endTime missing, end not after start,
 *            more than 24 hours apart, or start more than 7 days back. The table documents the same
 *            text as AF20030, but live tenants answer AF20055 (graph2otel measured a -9d start ->
 *            AF20055). Clients should treat AF20030 and AF20055 alike.
 *   AF20050  content id unknown (or not yet available).  AF20051  content expired (> 7 days).
 *   AF429    throttled (injected faults only).          AF50000  internal error (injected faults).
 * Starting a subscription while unified auditing is off answers what tenants without auditing see
 * on the wire (several public CoE Starter Kit reports): HTTP 400 whose error.code is not an AF code
 * but the start of a long diagnostic string cut at "[AppId", continued in error.message with
 * "... DataServiceException: Tenant <id> does not exist.".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { delay, Router, type SimRequest, type SimResponse } from './router';
import type { FaultRequest } from './faults';
import { parseExchangeTime } from './fixtures';
import { AUDIT_CONTENT_TYPES, CONTENT_RETENTION_MS, type AuditBlob } from './tenant';
import type { SimulatorState, TenantWorld } from './world';

const HOUR_MS = 60 * 60 * 1000;
const MAX_WINDOW_MS = 24 * HOUR_MS;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WINDOW_RULE =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.';

export function managementError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error: { code, message } } };
}

/** What the Management Activity API sends for a status when an injected fault gives no body. */
export function managementFaultBody(status: number, req: FaultRequest): SimResponse {
  if (status === 429) {
    const method = req.path.includes('/audit/')
      ? 'GetBlob'
      : req.path.endsWith('/content')
        ? 'ListContent'
        : 'Subscriptions';
    return managementError(
      429,
      'AF429',
      `Too many requests. Method=${method}, PublisherId=${req.query.PublisherIdentifier ?? '00000000-0000-0000-0000-000000000000'}`,
    );
  }
  if (status === 401 || status === 403)
    return managementError(
      status,
      'AF10001',
      'The permission set () sent in the request does not include the expected permission.',
    );
  if (status === 400) return managementError(400, 'AF20055', WINDOW_RULE);
  return managementError(status, 'AF50000', 'An internal error occurred. Retry the request.');
}

/** A query parameter, its name matched case-insensitively. */
function queryValue(req: SimRequest, name: string): string | undefined {
  const key = Object.keys(req.query).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : req.query[key];
}

/** Who calls, in which tenant's world. */
interface Caller {
  world: TenantWorld;
  appId: string;
}

const noPermission = (): SimResponse =>
  managementError(
    401,
    'AF10001',
    'The permission set () sent in the request does not include the expected permission.',
  );

/** Token, tenant and permission checks every operation makes: the caller when all pass, else the refusal. */
function guard(sim: SimulatorState, req: SimRequest, tenantSegment: string): Caller | SimResponse {
  const check = sim.tokens.verify(req.headers.authorization, sim.origins.management);
  if (!check.ok) return noPermission();
  if (!GUID.test(tenantSegment))
    return managementError(400, 'AF20013', `The tenant ID passed in the URL (${tenantSegment}) is not a valid GUID.`);
  if (tenantSegment.toLowerCase() !== check.token.tenantId.toLowerCase()) {
    return managementError(
      400,
      'AF20010',
      `The tenant ID passed in the URL (${tenantSegment}) does not match the tenant ID passed in the access token (${check.token.tenantId}).`,
    );
  }
  // The path names the token's tenant (checked above): that tenant's world answers.
  const world = sim.worldNamedBy(check.token.tenantId);
  if (!world) return noPermission();
  if (!world.grants.activityFeedRead) {
    const others = check.token.roles.filter((role) => role !== 'ActivityFeed.Read').join(',');
    return managementError(
      401,
      'AF10001',
      `The permission set (${others}) sent in the request does not include the expected permission.`,
    );
  }
  return { world, appId: check.token.appId };
}

/** The contentType parameter, validated; or the error to answer. */
function contentTypeOf(req: SimRequest): string | SimResponse {
  const contentType = queryValue(req, 'contentType');
  if (!contentType) return managementError(400, 'AF20001', 'Missing parameter: contentType.');
  const known = AUDIT_CONTENT_TYPES.find((type) => type.toLowerCase() === contentType.toLowerCase());
  return known ?? managementError(400, 'AF20020', 'The specified content type is not valid.');
}

function listSubscriptions({ world }: Caller): SimResponse {
  const types = world.audit.auditingEnabled ? world.audit.subscribedContentTypes() : [];
  return { status: 200, body: types.map((contentType) => ({ contentType, status: 'enabled', webhook: null })) };
}

function auditingOffOnStart({ world, appId }: Caller, req: SimRequest, contentType: string): SimResponse {
  const publisher = queryValue(req, 'PublisherIdentifier') ?? '00000000-0000-0000-0000-000000000000';
  const code =
    `StartSubscription [CorrId=${randomUUID()}][TenantId=${world.tenantId},ContentType=${contentType},` +
    `ApplicationId=${appId},PublisherId=${publisher}][AppId`;
  const message =
    `${appId.slice(1)}] failed. Exception: Microsoft.Office.Compliance.Audit.DataServiceException: Tenant ${world.tenantId} does not exist.\r\n` +
    '   at Microsoft.Office.Compliance.Audit.API.AzureManager.<GetSubscriptionTableClientForTenantAsync>d__52.MoveNext()\r\n' +
    '--- End of stack trace from previous location where exception was thrown ---\r\n' +
    '   at Microsoft.Office.Compliance.Audit.API.StartController.<StartSubscription>d__0.MoveNext()';
  return managementError(400, code, message);
}

function startSubscription(caller: Caller, req: SimRequest): SimResponse {
  const { audit } = caller.world;
  const contentType = contentTypeOf(req);
  if (typeof contentType !== 'string') return contentType;
  if (!audit.auditingEnabled) return auditingOffOnStart(caller, req, contentType);
  if (audit.isSubscribed(contentType))
    return managementError(400, 'AF20024', 'The subscription is already enabled. No property change.');
  audit.subscribe(contentType);
  return { status: 200, body: { contentType, status: 'enabled', webhook: null } };
}

function stopSubscription({ world }: Caller, req: SimRequest): SimResponse {
  const contentType = contentTypeOf(req);
  if (typeof contentType !== 'string') return contentType;
  if (!world.audit.auditingEnabled || !world.audit.isSubscribed(contentType)) {
    return managementError(400, 'AF20022', 'No subscription found for the specified content type.');
  }
  world.audit.unsubscribe(contentType);
  return { status: 200, body: undefined };
}

function parseTime(req: SimRequest, name: string): number | undefined | SimResponse {
  const raw = queryValue(req, name);
  if (raw === undefined || raw === '') return undefined;
  const ms = parseExchangeTime(raw);
  return Number.isNaN(ms)
    ? managementError(400, 'AF20002', `Invalid parameter type: ${name}. Expected type: datetime`)
    : ms;
}

/**
 * Listing order: NOT chronological. Blobs in time order are dealt odd positions first, then even
 * ([1, 3, 5, ..., 0, 2, 4, ...]), so neither the first nor the last item is the newest or oldest.
 */
function listingOrder(blobs: AuditBlob[]): AuditBlob[] {
  const chronological = [...blobs].sort(
    (a, b) => a.contentCreated.getTime() - b.contentCreated.getTime() || a.sequence - b.sequence,
  );
  return [
    ...chronological.filter((_, index) => index % 2 === 1),
    ...chronological.filter((_, index) => index % 2 === 0),
  ];
}

export class ContentLister {
  /** Remaining items of a listing and its tenant, by nextPage token, so paging is stable while blobs arrive. */
  private readonly pages = new Map<string, { tenantId: string; items: AuditBlob[] }>();

  constructor(private readonly sim: SimulatorState) {}

  list({ world }: Caller, req: SimRequest): SimResponse {
    const { sim } = this;
    const { audit } = world;
    const contentType = contentTypeOf(req);
    if (typeof contentType !== 'string') return contentType;
    if (!audit.auditingEnabled || !audit.isSubscribed(contentType)) {
      return managementError(400, 'AF20022', 'No subscription found for the specified content type.');
    }
    const now = Date.now();
    const start = parseTime(req, 'startTime');
    if (typeof start === 'object') return start;
    const end = parseTime(req, 'endTime');
    if (typeof end === 'object') return end;
    if ((start === undefined) !== (end === undefined)) return managementError(400, 'AF20055', WINDOW_RULE);
    const from = start ?? now - MAX_WINDOW_MS;
    const to = end ?? now;
    if (to <= from || to - from > MAX_WINDOW_MS || from < now - CONTENT_RETENTION_MS)
      return managementError(400, 'AF20055', WINDOW_RULE);

    let items: AuditBlob[];
    const nextPage = queryValue(req, 'nextPage');
    if (nextPage !== undefined) {
      // Another tenant's token is as unknown here as a made-up one.
      const remaining = this.pages.get(nextPage);
      if (remaining?.tenantId !== world.tenantId)
        return managementError(400, 'AF20031', `Invalid nextPage Input: ${nextPage}.`);
      items = remaining.items;
    } else {
      items = listingOrder(
        audit.blobs.filter((blob) => {
          const created = blob.contentCreated.getTime();
          return (
            blob.contentType === contentType && created >= from && created < to && blob.availableAt.getTime() <= now
          );
        }),
      );
    }

    const pageSize = Math.max(1, audit.pageSize);
    const page = items.slice(0, pageSize);
    const rest = items.slice(pageSize);
    const headers: Record<string, string> = {};
    if (rest.length > 0) {
      const token = `${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}00R${randomBytes(9).toString('hex')}`;
      this.pages.set(token, { tenantId: world.tenantId, items: rest });
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(req.query))
        if (name.toLowerCase() !== 'nextpage') query.set(name, value);
      query.set('nextPage', token);
      headers.NextPageUri = `${sim.origins.management}${req.path}?${query.toString()}`;
    }
    return {
      status: 200,
      headers,
      body: page.map((blob) => ({
        contentType: blob.contentType,
        contentId: blob.contentId,
        contentUri: `${sim.origins.management}/api/v1.0/${world.tenantId}/activity/feed/audit/${blob.contentId}`,
        contentCreated: blob.contentCreated.toISOString(),
        contentExpiration: new Date(blob.contentCreated.getTime() + CONTENT_RETENTION_MS).toISOString(),
      })),
    };
  }
}

function fetchContent({ world }: Caller, contentId: string): SimResponse {
  const now = Date.now();
  const blob = world.audit.findBlob(contentId);
  if (!blob || blob.availableAt.getTime() > now)
    return managementError(400, 'AF20050', `The specified content (${contentId}) does not exist.`);
  if (blob.contentCreated.getTime() < now - CONTENT_RETENTION_MS) {
    return managementError(
      400,
      'AF20051',
      `Content requested with the key ${contentId} has already expired. Content older than 7 days cannot be retrieved.`,
    );
  }
  return { status: 200, body: blob.records };
}

export function managementRouter(sim: SimulatorState): Router {
  const lister = new ContentLister(sim);
  const guarded =
    (handler: (caller: Caller, req: SimRequest, params: Record<string, string>) => SimResponse) =>
    async (req: SimRequest, params: Record<string, string>): Promise<SimResponse> => {
      const caller = guard(sim, req, params.tenant);
      if ('status' in caller) return caller;
      await delay(sim.latencyMs.management);
      return handler(caller, req, params);
    };
  const base = '/api/v1.0/:tenant/activity/feed';
  return new Router((req) =>
    managementError(
      404,
      'NotFound',
      `No HTTP resource was found that matches the request URI '${sim.origins.management}${req.path}'.`,
    ),
  )
    .on(
      'GET',
      `${base}/subscriptions/list`,
      guarded((caller) => listSubscriptions(caller)),
    )
    .on(
      'POST',
      `${base}/subscriptions/start`,
      guarded((caller, req) => startSubscription(caller, req)),
    )
    .on(
      'POST',
      `${base}/subscriptions/stop`,
      guarded((caller, req) => stopSubscription(caller, req)),
    )
    .on(
      'GET',
      `${base}/subscriptions/content`,
      guarded((caller, req) => lister.list(caller, req)),
    )
    .on(
      'GET',
      `${base}/audit/:contentId`,
      guarded((caller, _req, p) => fetchContent(caller, p.contentId)),
    );
}
