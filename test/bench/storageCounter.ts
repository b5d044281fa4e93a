/**
 * Counts storage transactions: a plain HTTP proxy in front of Azurite's table and queue services, in
 * the benchmark's driver process (the product runs in another process and reaches Azurite only
 * through it, by its connection string). Each request is one storage transaction as Azure bills them;
 * a table $batch is one request holding several operations, so both are counted. A request is
 * attributed to a tenant by its table name (`T<32 hex of the tenant id>...`, see tenantSettings.ts);
 * the deployment's own tables (Tenants, TenantHealth, the home tenant's) and every queue are the
 * deployment's.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const DEPLOYMENT = 'deployment';

export interface StorageCounts {
  /** HTTP requests (transactions), by tenant id or DEPLOYMENT. */
  requests: Record<string, number>;
  /** Table operations, a $batch counted by its parts, by tenant id or DEPLOYMENT. */
  operations: Record<string, number>;
  /** Deployment-level requests by queue or table name (what the shared part is made of). */
  deploymentBy: Record<string, number>;
  /** Requests to tenants' own tables, by the table's ordinary name (all tenants together). */
  tenantTablesBy: Record<string, number>;
}

const TENANT_TABLE = /^T([0-9a-f]{32})/;
/** The request line of each operation inside a $batch changeset. */
const BATCH_PART = /^(?:GET|POST|PUT|PATCH|MERGE|DELETE) https?:\/\/[^/\s]+\/[^/\s]+\/([A-Za-z][A-Za-z0-9]*)/gm;

function guidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The table a table-service request touches: from its path, or for Tables / $batch from its body. */
function tableOf(path: string, body: string): { table: string; operations: number } {
  const first = decodeURIComponent(path.split('?')[0].split('/')[2] ?? '');
  if (first === '$batch') {
    const parts = [...body.matchAll(BATCH_PART)];
    return { table: parts[0]?.[1] ?? '$batch', operations: Math.max(1, parts.length) };
  }
  if (first === 'Tables') {
    const named = /"TableName"\s*:\s*"([^"]+)"/.exec(body);
    return { table: named?.[1] ?? 'Tables', operations: 1 };
  }
  const deleted = /^Tables\('([^']+)'\)/.exec(first);
  if (deleted) return { table: deleted[1], operations: 1 };
  return { table: first.replace(/\(.*$/, ''), operations: 1 };
}

function ownerOf(table: string): string {
  const match = TENANT_TABLE.exec(table);
  return match ? guidOf(match[1]) : DEPLOYMENT;
}

export class StorageCounter {
  private counts: StorageCounts = StorageCounter.empty();
  private readonly servers: Server[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  private constructor() {}

  /** Proxies for the table and queue endpoints; returns the counter and the connection string through it. */
  static async start(target: { tableUrl: string; queueUrl: string; connectionString: string }): Promise<{
    counter: StorageCounter;
    connectionString: string;
  }> {
    const counter = new StorageCounter();
    const tableUrl = await counter.proxy(new URL(target.tableUrl), 'table');
    const queueUrl = await counter.proxy(new URL(target.queueUrl), 'queue');
    const connectionString = target.connectionString
      .replace(`TableEndpoint=${target.tableUrl}`, `TableEndpoint=${tableUrl}`)
      .replace(`QueueEndpoint=${target.queueUrl}`, `QueueEndpoint=${queueUrl}`);
    if (connectionString === target.connectionString) throw new Error('storage counter: endpoints not found');
    return { counter, connectionString };
  }

  /** The counts since the last take, and a fresh start. */
  take(): StorageCounts {
    const counts = this.counts;
    this.counts = StorageCounter.empty();
    return counts;
  }

  private static empty(): StorageCounts {
    return { requests: {}, operations: {}, deploymentBy: {}, tenantTablesBy: {} };
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
    this.agent.destroy();
  }

  private note(service: 'table' | 'queue', path: string, body: string): void {
    let owner = DEPLOYMENT;
    let operations = 1;
    let name: string;
    if (service === 'table') {
      const found = tableOf(path, body);
      owner = ownerOf(found.table);
      operations = found.operations;
      name = `table ${found.table}`;
    } else {
      name = `queue ${decodeURIComponent(path.split('?')[0].split('/')[2] ?? '') || '(service)'}`;
    }
    const c = this.counts;
    c.requests[owner] = (c.requests[owner] ?? 0) + 1;
    c.operations[owner] = (c.operations[owner] ?? 0) + operations;
    if (owner === DEPLOYMENT) c.deploymentBy[name] = (c.deploymentBy[name] ?? 0) + 1;
    else {
      const table = name.replace(/^table T[0-9a-f]{32}/, '');
      c.tenantTablesBy[table] = (c.tenantTablesBy[table] ?? 0) + 1;
    }
  }

  private async proxy(target: URL, service: 'table' | 'queue'): Promise<string> {
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const path = req.url ?? '/';
        this.note(service, path, service === 'table' ? body.toString('utf8') : '');
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path,
            headers: req.headers,
            agent: this.agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (error) => {
          res.writeHead(502);
          res.end(String(error));
        });
        upstream.end(body);
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    this.servers.push(server);
    const { port } = server.address() as AddressInfo;
    // Same account path as Azurite's: the shared key signs the path, not the host.
    return `http://127.0.0.1:${port}${target.pathname}`;
  }
}
