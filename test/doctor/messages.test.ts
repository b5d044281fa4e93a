/**
 * The error texts an admin meets first: sign-in failures with Entra's own verdict, and storage
 * failures that name the service, the setting, the endpoint and the fix.
 */
import { signInFailure } from '../../shared/auth/credential';
import type { StorageSettings } from '../../shared/config/settings';
import {
  lazyStorageClient,
  nameStorageError,
  namingStorageErrors,
  StorageAccessError,
  storageEndpoint,
} from '../../shared/store/storageErrors';

const AZURITE: StorageSettings = { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' };
const ACCOUNT: StorageSettings = {
  kind: 'connectionString',
  connectionString:
    'DefaultEndpointsProtocol=https;AccountName=qrnstore01;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net',
};
const IDENTITY: StorageSettings = {
  kind: 'identity',
  tableUrl: 'https://qrnstore01.table.core.windows.net',
  queueUrl: 'https://qrnstore01.queue.core.windows.net',
  clientId: undefined,
};

function sdkError(message: string, extra: Record<string, unknown>): Error {
  return Object.assign(new Error(message), extra);
}

describe('sign-in failures', () => {
  const description =
    'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID. Trace ID: 1f0e Correlation ID: 2a3b Timestamp: 2026-12-01 10:00:00Z';

  it("keeps Entra's AADSTS code and text from further down the library's message, on one line, without trace ids", () => {
    const error = new Error(
      `EnvironmentCredential authentication failed. To troubleshoot, visit https://aka.ms/azsdk/js/identity/environmentcredential/troubleshoot. Status code: 400\nMore details:\n${description}`,
    );
    const line = signInFailure(error);
    expect(line).toBe(
      'EnvironmentCredential authentication failed. To troubleshoot, visit https://aka.ms/azsdk/js/identity/environmentcredential/troubleshoot. Status code: 400: ' +
        'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
    );
  });

  it('finds the verdict in the token endpoint answer or an inner error of a credential chain', () => {
    const inner = Object.assign(new Error('EnvironmentCredential authentication failed.'), {
      errorResponse: {
        errorDescription:
          "AADSTS700016: Application with identifier 'x' was not found in the directory 'contoso'. Trace ID: 9",
      },
    });
    const chain = Object.assign(
      new Error('ChainedTokenCredential authentication failed.\nEnvironmentCredential: ...'),
      { errors: [inner] },
    );
    expect(signInFailure(chain)).toBe(
      "ChainedTokenCredential authentication failed: AADSTS700016: Application with identifier 'x' was not found in the directory 'contoso'.",
    );
    expect(signInFailure(new Error('AADSTS90002: Tenant not found.\nsecond line'))).toBe(
      'AADSTS90002: Tenant not found.',
    );
  });

  it('says plainly when no credential is available at all, instead of six library reasons', () => {
    const unavailable = (message: string) => Object.assign(new Error(message), { name: 'CredentialUnavailableError' });
    const chain = Object.assign(
      new Error(
        'ChainedTokenCredential authentication failed.\nCredentialUnavailableError: EnvironmentCredential is unavailable.',
      ),
      {
        name: 'AggregateAuthenticationError',
        errors: [
          unavailable('EnvironmentCredential is unavailable.'),
          unavailable('ManagedIdentityCredential: Authentication failed.'),
          unavailable('Azure CLI could not be found.'),
        ],
      },
    );
    expect(signInFailure(chain)).toBe(
      'ChainedTokenCredential authentication failed: no credential is available here (no AZURE_CLIENT_SECRET app registration, no managed identity outside Azure, no az, azd or PowerShell sign-in)',
    );
  });

  it('stays one bounded line for anything else', () => {
    expect(signInFailure(new Error('ManagedIdentityCredential: no endpoint\nstack'))).toBe(
      'ManagedIdentityCredential: no endpoint',
    );
    expect(signInFailure(new Error(`AADSTS50000: ${'x'.repeat(5000)}`)).length).toBeLessThanOrEqual(603);
    expect(signInFailure('plain text')).toBe('plain text');
  });
});

describe('storage failures', () => {
  it('says which endpoint each form of the setting points at, never the key', () => {
    expect(storageEndpoint(AZURITE, 'Table Storage')).toBe('http://127.0.0.1:10002/devstoreaccount1');
    expect(storageEndpoint(AZURITE, 'Queue Storage')).toBe('http://127.0.0.1:10001/devstoreaccount1');
    expect(storageEndpoint(ACCOUNT, 'Table Storage')).toBe('https://qrnstore01.table.core.windows.net');
    expect(storageEndpoint(IDENTITY, 'Queue Storage')).toBe('https://qrnstore01.queue.core.windows.net');
  });

  it('names Azurite, the setting and the endpoint when local storage is not running', () => {
    const named = nameStorageError(
      sdkError('connect ECONNREFUSED 127.0.0.1:10002', { code: 'ECONNREFUSED' }),
      AZURITE,
      'Table Storage',
    );
    expect(named).toBeInstanceOf(StorageAccessError);
    expect((named as Error).message).toBe(
      'Table Storage at http://127.0.0.1:10002/devstoreaccount1 (setting AzureWebJobsStorage) cannot be reached (connect ECONNREFUSED 127.0.0.1:10002): ' +
        'start Azurite (npx azurite --silent --location .azurite), or point AzureWebJobsStorage at a storage account.',
    );
  });

  it('says a refused key is the connection string, and a refused identity needs its data role', () => {
    const refused = sdkError('This request is not authorized to perform this operation.', { statusCode: 403 });
    const keyed = nameStorageError(refused, ACCOUNT, 'Queue Storage') as StorageAccessError;
    expect(keyed.message).toMatch(
      /^Queue Storage at https:\/\/qrnstore01\.queue\.core\.windows\.net \(setting AzureWebJobsStorage\) refused access \(403, .*\): the account key .* copy the connection string again/,
    );
    expect(keyed.message).not.toContain('c2VjcmV0');
    expect(keyed.statusCode).toBe(403);
    expect((nameStorageError(refused, IDENTITY, 'Table Storage') as Error).message).toMatch(
      /AzureWebJobsStorage__\* \(identity-based\).*Storage Table Data Contributor/,
    );
  });

  it('names the setting when the SDK rejects the connection string itself', () => {
    const named = nameStorageError(
      new Error('Invalid EndpointSuffix in the provided Connection String'),
      ACCOUNT,
      'Table Storage',
    ) as Error;
    expect(named.message).toMatch(
      /^Setting AzureWebJobsStorage is not a usable Table Storage connection string \(Invalid EndpointSuffix in the provided Connection String\): copy it again/,
    );
  });

  it('leaves conflicts, missing rows and other answers as they were: the stores decide on them', () => {
    for (const error of [
      sdkError('EntityAlreadyExists', { statusCode: 409 }),
      sdkError('UpdateConditionNotSatisfied', { statusCode: 412 }),
      sdkError('ResourceNotFound', { statusCode: 404 }),
      new TypeError('bug'),
    ]) {
      expect(nameStorageError(error, AZURITE, 'Table Storage')).toBe(error);
    }
  });

  it('names failures of a wrapped client, thrown or rejected, and passes results through', async () => {
    const client = {
      ok: (x: number) => x + 1,
      later: () =>
        Promise.reject(sdkError('getaddrinfo ENOTFOUND qrnstore01.queue.core.windows.net', { code: 'ENOTFOUND' })),
      conflict: () => Promise.reject(sdkError('exists', { statusCode: 409 })),
      sync: () => {
        throw sdkError('connect ECONNREFUSED', { code: 'ECONNREFUSED' });
      },
    };
    const wrapped = namingStorageErrors(client, ACCOUNT, 'Queue Storage');
    expect(wrapped.ok(1)).toBe(2);
    await expect(wrapped.later()).rejects.toThrow(
      /^Queue Storage at https:\/\/qrnstore01\.queue\.core\.windows\.net .* cannot be reached .*check the account name/,
    );
    await expect(wrapped.conflict()).rejects.toMatchObject({ statusCode: 409, message: 'exists' });
    expect(() => wrapped.sync()).toThrow(StorageAccessError);
  });

  it('builds a client on first use, so a rejected connection string fails the call with a named error, not the construction', async () => {
    let built = 0;
    const lazy = lazyStorageClient<{ send(): Promise<string> }>(
      () => {
        built++;
        throw new Error('Invalid QueueEndpoint in the provided SAS Connection String');
      },
      ACCOUNT,
      'Queue Storage',
    );
    expect(built).toBe(0);
    await expect(lazy.send()).rejects.toThrow(
      /^Setting AzureWebJobsStorage is not a usable Queue Storage connection string/,
    );
    await expect(lazy.send()).rejects.toThrow(StorageAccessError);
    expect(built).toBe(1);
  });
});
