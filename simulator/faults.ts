/**
 * Injected failures: a test queues "the next N matching requests to service X go wrong this way",
 * first queued first. A fault decides whether the request's work is done (a sendMail recorded as
 * sent, a header read audited) and what, if anything, the client hears:
 *
 *   status             (default) answer `status` before any normal handling, sign-in checks too:
 *                      nothing is done. Graph's refusals (400, 401, 403, 404, 413, 429) and the
 *                      5xx answers that come before Graph accepted anything.
 *   accept             handle normally; a 2xx answer goes out restyled: `contentType` (null: no
 *                      Content-Type header at all), `body` (default empty), Retry-After. The mail IS
 *                      sent: msgraph-sdk-javascript #156 (empty JSON-labelled 202), java #1487 (202
 *                      with Retry-After).
 *   accept-then-status handle normally (the work is done), then answer `status` (default 504) instead.
 *   accept-then-drop   handle normally, then destroy the connection without an answer.
 *   drop               destroy the connection at once: nothing is done.
 *   hang               no answer for `hangMs`; `sent` says whether the work is done first. Then the
 *                      connection is destroyed, or with `thenAnswer` the normal answer goes out late
 *                      (the work done then, if not before). For clients' timeouts.
 */
import type { ServiceName, SimResponse } from './router';

export interface FaultRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export type FaultKind = 'status' | 'accept' | 'accept-then-status' | 'accept-then-drop' | 'drop' | 'hang';

export interface FaultSpec {
  service: ServiceName;
  /** What goes wrong; default 'status'. */
  kind?: FaultKind;
  /** The status answered: required for 'status'; 'accept-then-status' defaults to 504. */
  status?: number;
  /** How many matching requests it applies to; default 1. */
  times?: number;
  /** Sets a Retry-After header ('status', 'accept', 'accept-then-status'). */
  retryAfterSeconds?: number;
  /**
   * The body to send; default: what that service sends for that status ('status',
   * 'accept-then-status'), an empty body ('accept'). Objects go out as JSON.
   */
  body?: string | object | Buffer;
  /** 'accept': the Content-Type of the 2xx answer; null sends none. Default: none. */
  contentType?: string | null;
  /** 'hang': how long nothing is answered; default 30 000 ms. */
  hangMs?: number;
  /** 'hang': whether the work is done before the silence (a mail sent); default false. */
  sent?: boolean;
  /** 'hang': answer normally after hangMs instead of destroying the connection; default false. */
  thenAnswer?: boolean;
  /** Which requests it applies to; default all of the service. */
  match?: (req: FaultRequest) => boolean;
}

/** What a service sends for a status when the fault gives no body. */
export type DefaultFaultBody = (status: number, req: FaultRequest) => SimResponse;

interface QueuedFault {
  spec: FaultSpec;
  remaining: number;
}

/** What the simulator does with one request a fault applies to. */
export type FaultPlan =
  | { kind: 'answer'; response: SimResponse }
  | { kind: 'accept'; restyle: (handled: SimResponse) => SimResponse }
  | { kind: 'accept-then-answer'; response: SimResponse }
  | { kind: 'accept-then-drop' }
  | { kind: 'drop' }
  | { kind: 'hang'; ms: number; sent: boolean; thenAnswer: boolean };

const DEFAULT_HANG_MS = 30_000;

function isStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599;
}

export class Faults {
  private readonly queue: QueuedFault[] = [];

  constructor(private readonly defaults: Record<ServiceName, DefaultFaultBody>) {}

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new Error(`faults.add: times must be a positive integer, got ${times}`);
    const kind = spec.kind ?? 'status';
    if (kind === 'status' && !isStatus(spec.status))
      throw new Error(`faults.add: status must be an HTTP status, got ${String(spec.status)}`);
    if (spec.status !== undefined && !isStatus(spec.status))
      throw new Error(`faults.add: status must be an HTTP status, got ${spec.status}`);
    if (kind === 'hang' && spec.hangMs !== undefined && (!Number.isFinite(spec.hangMs) || spec.hangMs < 0)) {
      throw new Error(`faults.add: hangMs must be a non-negative number, got ${spec.hangMs}`);
    }
    this.queue.push({ spec, remaining: times });
  }

  /** Faults still waiting to fire, counting each remaining time. */
  get pending(): number {
    return this.queue.reduce((sum, fault) => sum + fault.remaining, 0);
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** The plan for this request, consuming one use of the first fault that applies. */
  plan(service: ServiceName, req: FaultRequest): FaultPlan | undefined {
    const index = this.queue.findIndex((fault) => fault.spec.service === service && (fault.spec.match?.(req) ?? true));
    if (index < 0) return undefined;
    const fault = this.queue[index];
    fault.remaining -= 1;
    if (fault.remaining === 0) this.queue.splice(index, 1);

    const { spec } = fault;
    switch (spec.kind ?? 'status') {
      case 'status':
        return { kind: 'answer', response: this.statusResponse(service, spec, spec.status ?? 500, req) };
      case 'accept-then-status':
        return { kind: 'accept-then-answer', response: this.statusResponse(service, spec, spec.status ?? 504, req) };
      case 'accept':
        return { kind: 'accept', restyle: (handled) => restyleAccepted(handled, spec) };
      case 'accept-then-drop':
        return { kind: 'accept-then-drop' };
      case 'drop':
        return { kind: 'drop' };
      case 'hang':
        return {
          kind: 'hang',
          ms: spec.hangMs ?? DEFAULT_HANG_MS,
          sent: spec.sent ?? false,
          thenAnswer: spec.thenAnswer ?? false,
        };
    }
  }

  /** The fault response for this request, if a 'status' fault applies (kept for callers of the old API). */
  take(service: ServiceName, req: FaultRequest): SimResponse | undefined {
    const plan = this.plan(service, req);
    return plan?.kind === 'answer' ? plan.response : undefined;
  }

  private statusResponse(service: ServiceName, spec: FaultSpec, status: number, req: FaultRequest): SimResponse {
    const base: SimResponse =
      spec.body === undefined ? this.defaults[service](status, req) : { status, body: spec.body };
    const headers: Record<string, string> = { ...(base.headers ?? {}) };
    if (spec.retryAfterSeconds !== undefined) headers['Retry-After'] = String(spec.retryAfterSeconds);
    return { status, headers, body: base.body };
  }
}

/** An accepted (2xx) answer with the fault's Content-Type, body and Retry-After; anything else unchanged. */
function restyleAccepted(handled: SimResponse, spec: FaultSpec): SimResponse {
  if (handled.status < 200 || handled.status > 299) return handled;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(handled.headers ?? {}))
    if (name.toLowerCase() !== 'content-type') headers[name] = value;
  if (spec.contentType !== undefined && spec.contentType !== null) headers['Content-Type'] = spec.contentType;
  if (spec.retryAfterSeconds !== undefined) headers['Retry-After'] = String(spec.retryAfterSeconds);
  // noContentType keeps writeResponse from labelling a string body text/plain on its own.
  return {
    status: handled.status,
    headers,
    body: spec.body ?? undefined,
    noContentType: spec.contentType === null || spec.contentType === undefined,
  };
}
