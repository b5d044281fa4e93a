/**
 * Small HTTPS helpers for the simulator's own tests. Global fetch (undici) trusts the simulator's
 * certificate through NODE_EXTRA_CA_CERTS, which test/run-with-ca.js sets before jest starts.
 */
import type { M365Simulator } from '../../simulator';

if (!process.env.NODE_EXTRA_CA_CERTS || !process.env.SIMULATOR_TLS_DIR) {
  throw new Error(
    'Run these tests through the launcher so the simulator certificate is trusted: node test/run-with-ca.js npx jest test/simulator',
  );
}

export interface Reply {
  status: number;
  headers: Headers;
  raw: Buffer;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json: <T = unknown>() => T;
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const raw = Buffer.from(await response.arrayBuffer());
  const text = raw.toString('utf8');
  return { status: response.status, headers: response.headers, raw, text, json: <T>() => JSON.parse(text) as T };
}

export type Service = 'exchange' | 'management' | 'graph';

function endpoint(sim: M365Simulator, service: Service): string {
  return service === 'exchange'
    ? sim.exchangeEndpoint
    : service === 'management'
      ? sim.managementEndpoint
      : sim.graphEndpoint;
}

/** A client-credentials token for one of the simulator's services, fetched the way MSAL does. */
export async function token(sim: M365Simulator, service: Service): Promise<string> {
  const reply = await call(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: `${endpoint(sim, service)}/.default`,
    }).toString(),
  });
  if (reply.status !== 200) throw new Error(`token for ${service}: ${reply.status} ${reply.text}`);
  return reply.json<{ access_token: string }>().access_token;
}

export interface ExchangeError {
  error: {
    code: string;
    message: string;
    details: Array<{ message: string }>;
    innererror: { message: string; type: string; internalexception: { message: string; type: string } };
  };
}

export interface Envelope<Row = Record<string, unknown>> {
  '@odata.context': string;
  'adminapi.warnings@odata.type': string;
  '@adminapi.warnings': string[];
  '@odata.nextLink'?: string;
  value: Row[];
}

/** POSTs one cmdlet to InvokeCommand with an Exchange token (or the one given). */
export async function invoke(
  sim: M365Simulator,
  cmdletName: string,
  parameters: unknown,
  options: { bearer?: string; tenant?: string } = {},
): Promise<Reply> {
  const bearer = options.bearer ?? (await token(sim, 'exchange'));
  return call(`${sim.exchangeEndpoint}/adminapi/beta/${options.tenant ?? sim.tenantId}/InvokeCommand`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ CmdletInput: { CmdletName: cmdletName, Parameters: parameters } }),
  });
}

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
