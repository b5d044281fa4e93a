/**
 * Injected failures: a test queues "the next N matching requests to service X answer status S",
 * and they are answered before any normal handling (before sign-in checks too), first queued first.
 */
import type { ServiceName, SimResponse } from './router';

export interface FaultRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FaultSpec {
  service: ServiceName;
  status: number;
  /** How many matching requests it answers; default 1. */
  times?: number;
  /** Sets a Retry-After header. */
  retryAfterSeconds?: number;
  /** The body to send; default: what that service sends for that status. Objects go out as JSON. */
  body?: string | object | Buffer;
  /** Which requests it applies to; default all of the service. */
  match?: (req: FaultRequest) => boolean;
}

/** What a service sends for a status when the fault gives no body. */
export type DefaultFaultBody = (status: number, req: FaultRequest) => SimResponse;

interface QueuedFault {
  spec: FaultSpec;
  remaining: number;
}

export class Faults {
  private readonly queue: QueuedFault[] = [];

  constructor(private readonly defaults: Record<ServiceName, DefaultFaultBody>) {}

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`faults.add: times must be a positive integer, got ${times}`);
    if (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599) {
      throw new Error(`faults.add: status must be an HTTP status, got ${spec.status}`);
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

  /** The fault response for this request, consuming one use of the first fault that applies. */
  take(service: ServiceName, req: FaultRequest): SimResponse | undefined {
    const index = this.queue.findIndex((fault) => fault.spec.service === service && (fault.spec.match?.(req) ?? true));
    if (index < 0) return undefined;
    const fault = this.queue[index];
    fault.remaining -= 1;
    if (fault.remaining === 0) this.queue.splice(index, 1);

    const { spec } = fault;
    const base: SimResponse = spec.body === undefined ? this.defaults[service](spec.status, req) : { status: spec.status, body: spec.body };
    const headers: Record<string, string> = { ...(base.headers ?? {}) };
    if (spec.retryAfterSeconds !== undefined) headers['Retry-After'] = String(spec.retryAfterSeconds);
    return { status: spec.status, headers, body: base.body };
  }
}
