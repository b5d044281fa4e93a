import { createHash } from 'node:crypto';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { Settings } from '../config/settings';

/** Produces a bearer token for one resource. Each outbound client gets its own. */
export type TokenSource = () => Promise<string>;

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/**
 * Managed identity in Azure (AZURE_CLIENT_ID picks a user-assigned one); AZURE_TENANT_ID,
 * AZURE_CLIENT_ID and AZURE_CLIENT_SECRET elsewhere. Instance discovery only works against
 * Microsoft's own sign-in hosts, so it is off for any other AZURE_AUTHORITY_HOST.
 */
export function createCredential(settings: Settings): TokenCredential {
  // One credential per process and identity: it caches its tokens, and every queue invocation
  // builds a fresh Runtime, which would otherwise sign in again for each email.
  const secret = createHash('sha256').update(process.env.AZURE_CLIENT_SECRET ?? '').digest('hex');
  const key = [settings.authorityHost, settings.disableInstanceDiscovery, process.env.AZURE_CLIENT_ID, process.env.AZURE_TENANT_ID, secret].join('|');
  let credential = credentials.get(key);
  if (!credential) {
    credential = new DefaultAzureCredential({
      ...(settings.authorityHost ? { authorityHost: settings.authorityHost } : {}),
      disableInstanceDiscovery: settings.disableInstanceDiscovery,
    });
    credentials.set(key, credential);
  }
  return credential;
}

const credentials = new Map<string, TokenCredential>();

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
      );
    }
  };
}
