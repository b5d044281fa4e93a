import {
  ClientAssertionCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { SettingsError, type Settings, type StorageSettings } from '../config/settings';
import type { CodedError } from '../domain/errors';

/** A sign-in to Microsoft Entra (the Azure SDK's TokenCredential), for code outside this folder. */
export type AppCredential = TokenCredential;

/** Produces a bearer token for one resource. Each outbound client gets its own. */
export type TokenSource = () => Promise<string>;

export class TokenError extends Error implements CodedError {
  readonly code = 'sign-in' as const;
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

/** The audience a federated credential expects of the identity's token (Entra workload identity federation). */
export const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';

/**
 * Sign-in in a customer tenant, without a secret: the multi-tenant app registration (MULTI_TENANT_APP_ID)
 * proves itself with the deployment's own identity's token for api://AzureADTokenExchange, which its
 * federated credential accepts. The credential is the tenant's alone: it only ever asks that tenant.
 */
export function customerTenantCredential(settings: Settings, home: TokenCredential): TokenCredential {
  const appId = settings.multiTenantAppId;
  if (!appId)
    throw new SettingsError(
      `Tenant ${settings.tenantId} is not this deployment's own tenant: setting MULTI_TENANT_APP_ID (the multi-tenant app registration's client id) is needed to sign in there.`,
      'MULTI_TENANT_APP_ID',
    );
  const assertion = async (): Promise<string> => {
    const token = await home.getToken(TOKEN_EXCHANGE_SCOPE);
    if (!token) throw new Error(`the deployment's identity returned no token for ${TOKEN_EXCHANGE_SCOPE}`);
    return token.token;
  };
  return new ClientAssertionCredential(settings.tenantId, appId, assertion, {
    ...(settings.authorityHost ? { authorityHost: settings.authorityHost } : {}),
    disableInstanceDiscovery: settings.disableInstanceDiscovery,
  });
}

/** Token scope for a resource is its origin plus /.default (client-credentials flow). */
export function scopeFor(endpoint: string): string {
  return `${new URL(endpoint).origin}/.default`;
}

/** Entra's own verdict in a sign-in failure: "AADSTS7000215: Invalid client secret provided. ...", without the trace ids. */
const AADSTS = /AADSTS\d{4,}:[^\r\n]*?(?=\s*(?:Trace ID:|Correlation ID:|Timestamp:|\r|\n|$))/;

/** Every message text a credential error carries: its own, the token endpoint's answer, and its inner errors'. */
function errorTexts(error: unknown, depth = 0): string[] {
  if (depth > 3 || typeof error !== 'object' || error === null) return typeof error === 'string' ? [error] : [];
  const e = error as {
    message?: unknown;
    errorResponse?: { errorDescription?: unknown };
    errors?: unknown;
    cause?: unknown;
  };
  const texts: string[] = [];
  if (typeof e.message === 'string') texts.push(e.message);
  if (typeof e.errorResponse?.errorDescription === 'string') texts.push(e.errorResponse.errorDescription);
  if (Array.isArray(e.errors)) for (const inner of e.errors.slice(0, 10)) texts.push(...errorTexts(inner, depth + 1));
  if (e.cause !== undefined) texts.push(...errorTexts(e.cause, depth + 1));
  return texts;
}

/**
 * One line for a sign-in failure: the library's first line plus Entra's AADSTS code and text
 * (wrong secret, unknown app, wrong tenant), which the library puts further down.
 */
export function signInFailure(error: unknown): string {
  const texts = errorTexts(error);
  const first = (texts[0] ?? String(error)).split(/\r?\n/)[0].trim();
  const inner = (error as { errors?: unknown } | undefined)?.errors;
  if (
    Array.isArray(inner) &&
    inner.length > 0 &&
    inner.every((e) => (e as { name?: unknown } | undefined)?.name === 'CredentialUnavailableError')
  ) {
    // DefaultAzureCredential found nothing to sign in with: its six reasons in one line would say less than this.
    return `${first.replace(/[.\s]+$/, '')}: no credential is available here (no AZURE_CLIENT_SECRET app registration, no managed identity outside Azure, no az, azd or PowerShell sign-in)`;
  }
  const entra = texts.map((text) => AADSTS.exec(text)?.[0].trim()).find((found) => found !== undefined);
  const line = entra && !first.includes(entra.slice(0, 14)) ? `${first.replace(/[.\s]+$/, '')}: ${entra}` : first;
  // Bounded: the description comes from the network.
  return line.length > 600 ? `${line.slice(0, 600)}...` : line;
}

/** What to check when the deployment's own sign-in fails. */
export const OWN_SIGN_IN_HINT =
  "In Azure, check the function app's managed identity (AZURE_CLIENT_ID); elsewhere set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.";

/** What to check when a customer tenant's sign-in fails: its consent, then the app's federated credential. */
export function customerSignInHint(tenantId: string): string {
  return (
    `For customer tenant ${tenantId}: check that it consented to the multi-tenant app (infra/onboard-tenant.ps1; AADSTS700016 means it has not, or revoked it), ` +
    "and that the app's federated credential names this deployment's identity (MULTI_TENANT_APP_ID, README: Many tenants; AADSTS70021)."
  );
}

export function tokenSource(
  credential: TokenCredential,
  endpoint: string,
  hint: string = OWN_SIGN_IN_HINT,
): TokenSource {
  const scope = scopeFor(endpoint);
  return async () => {
    try {
      const token = await credential.getToken(scope);
      if (!token) throw new Error('the credential returned no token');
      return token.token;
    } catch (error) {
      const reason = signInFailure(error).replace(/[.\s]+$/, '');
      throw new TokenError(`Could not get a token for ${scope}: ${reason}. ${hint}`, { cause: error });
    }
  };
}

/** The identity that reaches the app's storage account (AzureWebJobsStorage__clientId, or the default chain). */
export function storageCredential(settings: StorageSettings): TokenCredential {
  const clientId = settings.kind === 'identity' ? settings.clientId : undefined;
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}
