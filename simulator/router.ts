/**
 * The HTTP plumbing every simulated service shares: a request parsed once into a plain object, a
 * response as a plain object, a small router from "METHOD /path/:param" to handlers, and an HTTPS
 * listener on 127.0.0.1 with a port of its own.
 */
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ServiceName = 'authority' | 'exchange' | 'management' | 'graph';

export interface SimRequest {
  service: ServiceName;
  method: string;
  /** The path as sent, still percent-encoded. */
  path: string;
  /** Query parameters, decoded; the last one wins when a name repeats. */
  query: Record<string, string>;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  rawBody: Buffer;
  /** Parsed JSON, or a form as an object of strings, or the text when it is neither; undefined when empty. */
  body: unknown;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as it is; any other value as JSON; undefined as an empty body. */
  body?: unknown;
  /** Destroy the connection instead of answering (a lost answer). */
  drop?: boolean;
  /** Send no Content-Type even for a string body (an accepted answer restyled by a fault). */
  noContentType?: boolean;
}

export type Handler = (req: SimRequest, params: Record<string, string>) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * Routes by method and path template. Templates use `:name` for one path segment; matching ignores
 * case (Microsoft's services do) and parameters arrive percent-decoded.
 */
export class Router {
  private readonly routes: Route[] = [];

  /** @param notFound answers a path no route knows, in the service's own error shape. */
  constructor(private readonly notFound: (req: SimRequest) => SimResponse) {}

  /** Adds a route; method '*' takes any method. */
  on(method: string, template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`, 'i'), names, handler });
    return this;
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(req.path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== '*' && route.method !== req.method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = safeDecode(match[index + 1] ?? '');
      });
      return route.handler(req, params);
    }
    if (pathMatched) return { status: 405, headers: { Allow: this.allowedMethods(req.path) }, body: '' };
    return this.notFound(req);
  }

  private allowedMethods(path: string): string {
    return this.routes
      .filter((route) => route.pattern.test(path))
      .map((route) => route.method)
      .join(', ');
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (/application\/x-www-form-urlencoded/i.test(contentType)) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Reads an incoming request into a SimRequest. */
export async function readRequest(service: ServiceName, message: IncomingMessage): Promise<SimRequest> {
  const url = new URL(message.url ?? '/', 'https://127.0.0.1');
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, name) => {
    query[name] = value;
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const rawBody = await readBody(message);
  return {
    service,
    method: (message.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query,
    headers,
    rawBody,
    body: parseBody(rawBody, headers['content-type'] ?? ''),
  };
}

export function writeResponse(res: ServerResponse, response: SimResponse): void {
  if (response.drop) {
    // No status line, no bytes: the client sees a reset or a closed socket after its request.
    res.socket?.destroy();
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let payload: Buffer;
  if (response.body === undefined) {
    payload = Buffer.alloc(0);
  } else if (Buffer.isBuffer(response.body)) {
    payload = response.body;
  } else if (typeof response.body === 'string') {
    payload = Buffer.from(response.body, 'utf8');
    if (!response.noContentType && !hasHeader(headers, 'content-type') && payload.length > 0)
      headers['Content-Type'] = 'text/plain; charset=utf-8';
  } else {
    payload = Buffer.from(JSON.stringify(response.body), 'utf8');
    if (!response.noContentType && !hasHeader(headers, 'content-type'))
      headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = String(payload.length);
  res.writeHead(response.status, headers);
  res.end(payload);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

export interface Listener {
  origin: string;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 on a free port and answers every request with `respond`. A handler that
 * throws answers 500 with the error, so a simulator bug shows up in the test that hit it.
 */
export async function listen(
  service: ServiceName,
  tls: { cert: string; key: string },
  respond: (req: SimRequest) => Promise<SimResponse>,
): Promise<Listener> {
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (message, res) => {
    readRequest(service, message)
      .then(respond)
      .catch((error: unknown): SimResponse => ({
        status: 500,
        body: {
          error: {
            code: 'SimulatorError',
            message: error instanceof Error ? (error.stack ?? error.message) : String(error),
          },
        },
      }))
      .then((response) => writeResponse(res, response))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Resolves after `ms` milliseconds (at once for 0). */
export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Counts requests in flight per key, remembering the highest count seen. */
export class InFlight {
  private readonly counts = new Map<string, number>();
  peak = 0;

  /** Counts one more request under `key`; returns how many are now in flight and a function to end it. */
  enter(key: string): { count: number; leave: () => void } {
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    this.peak = Math.max(this.peak, count);
    let left = false;
    return {
      count,
      leave: () => {
        if (left) return;
        left = true;
        const now = (this.counts.get(key) ?? 1) - 1;
        if (now <= 0) this.counts.delete(key);
        else this.counts.set(key, now);
      },
    };
  }
}
