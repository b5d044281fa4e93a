/**
 * Storage failures an admin can act on, named: which service (Table or Queue Storage), which setting
 * (AzureWebJobsStorage), which endpoint, and the likely fix. The SDKs only say
 * "connect ECONNREFUSED 127.0.0.1:10002" or "Invalid EndpointSuffix in the provided Connection String".
 * Errors that are not about reaching the account (409, 412, 404 ...) pass through untouched: the
 * stores decide on their status codes.
 */
import type { StorageSettings } from '../config/settings';
import { messageOf, statusOf } from '../log/errors';

export type StorageService = 'Table Storage' | 'Queue Storage';

export class StorageAccessError extends Error {
  /** Kept so callers that branch on the status still see it. */
  readonly statusCode: number | undefined;

  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'StorageAccessError';
    this.statusCode = statusOf(cause);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'REQUEST_SEND_ERROR',
]);
const AZURITE_PORTS = { 'Table Storage': 10002, 'Queue Storage': 10001 } as const;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Key=value pairs of a connection string; names compared case-insensitively. */
function connectionStringParts(connectionString: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}

function isDevelopmentStorage(storage: StorageSettings): boolean {
  return storage.kind === 'connectionString' && /usedevelopmentstorage=true/i.test(storage.connectionString);
}

/** The service endpoint the settings point at, as far as they say (never the key). */
export function storageEndpoint(storage: StorageSettings, service: StorageService): string {
  const kind = service === 'Table Storage' ? 'table' : 'queue';
  if (storage.kind === 'identity') return (kind === 'table' ? storage.tableUrl : storage.queueUrl) ?? '(no URL set)';
  if (isDevelopmentStorage(storage)) return `http://127.0.0.1:${AZURITE_PORTS[service]}/devstoreaccount1`;
  const parts = connectionStringParts(storage.connectionString);
  const explicit = parts.get(`${kind}endpoint`);
  if (explicit) return explicit;
  const account = parts.get('accountname');
  if (!account) return '(no account in the connection string)';
  const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
  return `${protocol}://${account}.${kind}.${parts.get('endpointsuffix') ?? 'core.windows.net'}`;
}

function settingName(storage: StorageSettings): string {
  return storage.kind === 'identity' ? 'AzureWebJobsStorage__* (identity-based)' : 'AzureWebJobsStorage';
}

/**
 * The named error for a storage failure an admin must fix, or the error itself when it is not one
 * (so conditional-write conflicts and missing rows keep their meaning).
 */
export function nameStorageError(error: unknown, storage: StorageSettings, service: StorageService): unknown {
  if (error instanceof StorageAccessError) return error;
  const endpoint = storageEndpoint(storage, service);
  const where = `${service} at ${endpoint} (setting ${settingName(storage)})`;
  const reason = messageOf(error).split('\n')[0];
  const code = codeOf(error);
  const status = statusOf(error);
  if (code !== undefined && NETWORK_CODES.has(code)) {
    const fix = isDevelopmentStorage(storage)
      ? 'start Azurite (npx azurite --silent --location .azurite), or point AzureWebJobsStorage at a storage account'
      : 'check the account name and endpoint in the setting, and that this machine may reach the account (its firewall or private endpoint)';
    return new StorageAccessError(`${where} cannot be reached (${reason}): ${fix}.`, error);
  }
  if (status === 401 || status === 403) {
    const fix =
      storage.kind === 'identity'
        ? `give the app's identity the role ${service === 'Table Storage' ? 'Storage Table Data Contributor' : 'Storage Queue Data Contributor'} on the account (infra/ assigns it; a new role assignment can take minutes to apply)`
        : 'the account key in the connection string is wrong or was rotated: copy the connection string again from the storage account (Access keys)';
    return new StorageAccessError(`${where} refused access (${status}, ${reason}): ${fix}.`, error);
  }
  if (/connection string|invalid url/i.test(reason) && storage.kind === 'connectionString') {
    return new StorageAccessError(
      `Setting AzureWebJobsStorage is not a usable ${service} connection string (${reason}): copy it again from the storage account (Access keys), ` +
        'or use UseDevelopmentStorage=true for Azurite.',
      error,
    );
  }
  const name = (error as { name?: unknown } | undefined)?.name;
  if (
    storage.kind === 'identity' &&
    (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError')
  ) {
    return new StorageAccessError(
      `${where}: the app's identity could not sign in (${reason}): in Azure check the managed identity (AzureWebJobsStorage__clientId names a user-assigned one); elsewhere sign in with az login or set a connection string.`,
      error,
    );
  }
  return error;
}

/**
 * The same object, with every failure of its methods (thrown, or a rejected promise) passed through
 * nameStorageError. Iterators (table listings) are returned as they are.
 */
export function namingStorageErrors<T extends object>(target: T, storage: StorageSettings, service: StorageService): T {
  const rename = (error: unknown): never => {
    throw nameStorageError(error, storage, service);
  };
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = method.apply(object, args);
        } catch (error) {
          return rename(error);
        }
        return result instanceof Promise ? result.catch(rename) : result;
      };
    },
  });
}

/**
 * A client built on first use, with named errors: a connection string the SDK rejects then fails the
 * first call (as a named error the run reports) instead of the construction of every client.
 */
export function lazyStorageClient<T extends object>(
  create: () => T,
  storage: StorageSettings,
  service: StorageService,
): T {
  let client: T | undefined;
  let failure: unknown;
  const real = (): T => {
    if (!client && failure === undefined) {
      try {
        client = namingStorageErrors(create(), storage, service);
      } catch (error) {
        failure = nameStorageError(error, storage, service);
      }
    }
    if (!client) throw failure;
    return client;
  };
  // The empty target is never used as a T: every property is read from the real client.
  return new Proxy({} as T, {
    get(_target, property) {
      // Never look like a promise: `await client` must not call a failing `then`.
      if (property === 'then') return undefined;
      let target: T;
      try {
        target = real();
      } catch (error) {
        return () => Promise.reject(error);
      }
      return Reflect.get(target, property, target);
    },
  });
}
