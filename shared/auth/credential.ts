import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { Settings, StorageSettings } from '../config/settings';

/** Produces a bearer token for one resource. Each outbound client gets its own. */
export type TokenSource = () => Promise<string>;

export class TokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenError';
  }
}

/**
 * Managed identity in Azure (AZURE_CLIENT_ID picks a user-assigned one); AZURE_TENANT_ID,
 * AZURE_CLIENT_ID and AZURE_CLIENT_SECRET elsewhere. Instance discovery only works against
 * Microsoft's own sign-in hosts, so it is off for any other AZURE_AUTHORITY_HOST.
 */
export function createCredential(settings: Settings): TokenCredential {
  // Built once per Runtime, and the Runtime lives as long as its process (app/processRuntime.ts):
  // the credential caches its tokens, so each email does not sign in again.
  return new DefaultAzureCredential({
    ...(settings.authorityHost ? { authorityHost: settings.authorityHost } : {}),
    disableInstanceDiscovery: settings.disableInstanceDiscovery,
  });
}

/** Token scope for a resource is its origin plus /.default (client-credentials flow). */
export function scopeFor(endpoint: string): string {
  return `${new URL(endpoint).origin}/.default`;
}

export function tokenSource(credential: TokenCredential, endpoint: string): TokenSource {
  const scope = scopeFor(endpoint);
  return async () => {
    try {
      const token = await credential.getToken(scope);
      if (!token) throw new Error('the credential returned no token');
      return token.token;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new TokenError(
        `Could not get a token for ${scope}: ${reason}. In Azure, check the function app's managed identity (AZURE_CLIENT_ID); ` +
          'elsewhere set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.',
        { cause: error },
      );
    }
  };
}

/** The identity that reaches the app's storage account (AzureWebJobsStorage__clientId, or the default chain). */
export function storageCredential(settings: StorageSettings): TokenCredential {
  const clientId = settings.kind === 'identity' ? settings.clientId : undefined;
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}
