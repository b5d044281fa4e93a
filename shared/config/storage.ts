import { z } from 'zod';
import { printable } from '../log/logger';
import { reject, text, type Env } from './validators';

/** How the app reaches its storage account: a connection string, or its identity plus service URLs. */
export type StorageSettings =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableUrl: string; queueUrl: string | undefined; clientId: string | undefined };

/** The five settings storage is read from (the Functions host's own names). */
export interface StorageInput {
  connectionString?: string;
  accountName?: string;
  tableServiceUri?: string;
  queueServiceUri?: string;
  clientId?: string;
}

export function readStorage(env: Env): StorageInput {
  return {
    connectionString: text(env, 'AzureWebJobsStorage'),
    accountName: text(env, 'AzureWebJobsStorage__accountName'),
    tableServiceUri: text(env, 'AzureWebJobsStorage__tableServiceUri'),
    queueServiceUri: text(env, 'AzureWebJobsStorage__queueServiceUri'),
    clientId: text(env, 'AzureWebJobsStorage__clientId'),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
// The services this app and the Functions host reach with the string (File only with its own setting).
const STORAGE_SERVICES = ['Blob', 'Queue', 'Table'] as const;

/** True for an http(s) URL whose host is this machine: the only place a plain-http storage endpoint is safe. */
function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
}

/**
 * The first host a storage connection string would reach over plain http other than loopback
 * (Azurite), or undefined. An http endpoint given outright counts, and so does
 * DefaultEndpointsProtocol=http for any service whose endpoint the SDK (or the Functions host,
 * which uses Blob) would derive from the account name.
 */
export function insecureStorageEndpoint(connectionString: string): string | undefined {
  const pairs = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) pairs.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (pairs.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    const proxy = pairs.get('developmentstorageproxyuri');
    return proxy !== undefined ? insecureUrl(proxy) : undefined;
  }
  for (const service of STORAGE_SERVICES) {
    const explicit = pairs.get(`${service.toLowerCase()}endpoint`);
    if (explicit !== undefined) {
      const bad = insecureUrl(explicit);
      if (bad) return bad;
    } else if (pairs.get('defaultendpointsprotocol')?.toLowerCase() === 'http') {
      return `${pairs.get('accountname') ?? '(account)'}.${service.toLowerCase()}.${pairs.get('endpointsuffix') ?? 'core.windows.net'}`;
    }
  }
  return undefined;
}

/** The host of an endpoint that is not https and not loopback; an unparsable one counts as unsafe. */
function insecureUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.slice(0, 80);
  }
  if (url.protocol === 'https:' || isLoopback(url)) return undefined;
  return url.host;
}

function fromConnectionString(connectionString: string, ctx: z.core.$RefinementCtx<StorageInput>): StorageSettings {
  if (!/(^|;)\s*(UseDevelopmentStorage=true|AccountName=|TableEndpoint=)/i.test(connectionString)) {
    // The connection string is secret: never shown.
    return reject(ctx, 'a storage connection string (AccountName=...;AccountKey=... or UseDevelopmentStorage=true)', {
      got: '(hidden)',
    });
  }
  const insecure = insecureStorageEndpoint(connectionString);
  if (insecure) {
    // Name the host, never the string.
    return reject(ctx, '', {
      message:
        `Setting AzureWebJobsStorage is invalid: it sends requests over http to ${printable(insecure, 80)}, so the account key would travel in clear; ` +
        'use https (DefaultEndpointsProtocol=https), or http only to Azurite on 127.0.0.1, localhost or [::1].',
    });
  }
  return { kind: 'connectionString', connectionString };
}

/** A service URL for identity-based access: https, or http to Azurite on loopback (a bearer token is as exposed as a key). */
function serviceUrl(raw: string | undefined, account: string | undefined, service: 'table' | 'queue') {
  if (raw === undefined) return { url: account ? `https://${account}.${service}.core.windows.net` : undefined };
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url)))
      return { url: url.href.replace(/\/$/, '') };
  } catch {
    // fall through
  }
  return { bad: `the ${service} service URL, such as https://myaccount.${service}.core.windows.net` };
}

/** Storage: a connection string, or identity-based settings (AzureWebJobsStorage__*). */
export const storage = z.custom<StorageInput>().transform((input, ctx): StorageSettings => {
  if (input.connectionString) return fromConnectionString(input.connectionString, ctx);
  const account = input.accountName;
  if (account !== undefined && !/^[a-z0-9]{3,24}$/.test(account)) {
    return reject(ctx, 'a storage account name (3-24 lower-case letters and digits)', {
      got: account,
      setting: 'AzureWebJobsStorage__accountName',
    });
  }
  const table = serviceUrl(input.tableServiceUri, account, 'table');
  const queue = serviceUrl(input.queueServiceUri, account, 'queue');
  if (table.bad)
    return reject(ctx, table.bad, {
      got: input.tableServiceUri,
      setting: 'AzureWebJobsStorage__tableServiceUri',
    });
  if (queue.bad)
    return reject(ctx, queue.bad, {
      got: input.queueServiceUri,
      setting: 'AzureWebJobsStorage__queueServiceUri',
    });
  if (!table.url) {
    return reject(ctx, '', {
      message:
        'Setting AzureWebJobsStorage is missing: set a connection string (UseDevelopmentStorage=true for Azurite), or AzureWebJobsStorage__accountName ' +
        '(or AzureWebJobsStorage__tableServiceUri and __queueServiceUri) for identity-based access.',
    });
  }
  if (!queue.url) {
    // Without it the notification queue cannot be reached: no run could enqueue or send anything.
    return reject(ctx, '', {
      setting: 'AzureWebJobsStorage__queueServiceUri',
      message:
        'Setting AzureWebJobsStorage__queueServiceUri is missing: with AzureWebJobsStorage__tableServiceUri set, the queue service URL is needed too, such as https://myaccount.queue.core.windows.net (or set AzureWebJobsStorage__accountName instead of both).',
    });
  }
  return { kind: 'identity', tableUrl: table.url, queueUrl: queue.url, clientId: input.clientId };
});
