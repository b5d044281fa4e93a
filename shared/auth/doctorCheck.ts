import { isGuid, type Env } from '../config/settings';
import { needsText, type CheckResult, type DoctorCheck, type DoctorContext } from '../checks/check';
import type { TokenSource } from './credential';

/** What the token checks use of the runtime. */
type TokenPorts = { token(endpoint: string): TokenSource };

/** The variables @azure/identity's EnvironmentCredential reads for an app registration (a secret or a certificate). */
type CredentialVariable =
  'AZURE_TENANT_ID' | 'AZURE_CLIENT_ID' | 'AZURE_CLIENT_SECRET' | 'AZURE_CLIENT_CERTIFICATE_PATH';

export interface CredentialsVerdict {
  ok: boolean;
  warning?: boolean;
  missing: string[];
  detail: string;
}

const WHERE_SETTINGS_GO =
  'on this machine settings go in local.settings.json (copy local.settings.sample.json); in Azure run the production doctor instead (README, "Check production")';

/** No app registration: the managed identity in Azure, else whoever is signed in here (which is not the app). */
function withoutAppRegistration(env: Env, client: string | undefined): CredentialsVerdict {
  if (client) {
    const where = env.WEBSITE_SITE_NAME?.trim() ? ` of ${env.WEBSITE_SITE_NAME.trim()}` : '';
    return {
      ok: true,
      missing: [],
      detail: `the user-assigned managed identity${where} (AZURE_CLIENT_ID ${client}); outside Azure set AZURE_TENANT_ID and AZURE_CLIENT_SECRET too`,
    };
  }
  return {
    ok: true,
    warning: true,
    missing: [],
    detail: `no app registration set, so the checks run as whoever is signed in here (az login), not as the app: its permissions prove nothing about the app's. Set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET to sign in as an app registration; ${WHERE_SETTINGS_GO}`,
  };
}

/** How the app will sign in, or which credential variables are missing: said once, before any token is asked for. */
export function describeCredentials(env: Env, m365TenantId: string | undefined): CredentialsVerdict {
  const value = (name: CredentialVariable): string | undefined => env[name]?.trim() || undefined;
  const tenant = value('AZURE_TENANT_ID');
  const client = value('AZURE_CLIENT_ID');
  const proof = value('AZURE_CLIENT_SECRET') ?? value('AZURE_CLIENT_CERTIFICATE_PATH');
  if (!tenant && !proof) return withoutAppRegistration(env, client);
  const missing = [
    ...(tenant ? [] : ['AZURE_TENANT_ID']),
    ...(client ? [] : ['AZURE_CLIENT_ID']),
    ...(proof ? [] : ['AZURE_CLIENT_SECRET']),
  ];
  if (missing.length > 0) {
    return {
      ok: false,
      missing,
      detail:
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: signing in as an app registration needs AZURE_TENANT_ID, AZURE_CLIENT_ID and ` +
        `AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) together; in Azure leave them unset and the managed identity signs in; ${WHERE_SETTINGS_GO}.`,
    };
  }
  if (!isGuid(tenant ?? '') || !isGuid(client ?? '')) {
    const bad = !isGuid(tenant ?? '') ? 'AZURE_TENANT_ID' : 'AZURE_CLIENT_ID';
    return {
      ok: false,
      missing: [bad],
      detail: `${bad} is not a GUID: copy the Directory (tenant) ID and Application (client) ID from the app registration's Overview page.`,
    };
  }
  if (m365TenantId && tenant?.toLowerCase() !== m365TenantId.toLowerCase()) {
    return {
      ok: true,
      warning: true,
      missing: [],
      detail: `the app signs in to tenant ${tenant} (AZURE_TENANT_ID) but M365_TENANT_ID is ${m365TenantId}: Microsoft 365 refuses tokens of another tenant unless the app is consented there.`,
    };
  }
  return {
    ok: true,
    missing: [],
    detail: `app registration ${client} in tenant ${tenant}, with a ${value('AZURE_CLIENT_SECRET') ? 'client secret' : 'certificate'}`,
  };
}

/**
 * A customer tenant is reached as the multi-tenant app registration (MULTI_TENANT_APP_ID), proven by the
 * deployment's own identity through the app's federated credential: both must be there.
 */
export function describeCustomerCredentials(
  env: Env,
  tenant: { tenantId: string; homeTenantId: string; multiTenantAppId: string | undefined },
): CredentialsVerdict {
  const own = describeCredentials(env, tenant.homeTenantId);
  if (!tenant.multiTenantAppId)
    return {
      ok: false,
      missing: ['MULTI_TENANT_APP_ID'],
      detail: `tenant ${tenant.tenantId} is a customer tenant: the app signs in there as the multi-tenant app registration, and MULTI_TENANT_APP_ID (its client id) is not set; set it on the deployment (README, "Many tenants").`,
    };
  if (!own.ok) return own;
  // The federated credential names the deployment's managed identity and nothing else (App Service
  // and Functions set IDENTITY_ENDPOINT): from a workstation, Entra refuses the assertion.
  const managed = Boolean(env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT);
  const away = managed
    ? ''
    : `; only the deployment's managed identity is that federated credential, so from here expect AADSTS70021 on this tenant's tokens: check it from inside the app, doctor-requests with {"tenant":"${tenant.tenantId}"} (README, "Check production")`;
  return {
    ok: true,
    ...(own.warning || !managed ? { warning: true } : {}),
    missing: [],
    detail: `the multi-tenant app ${tenant.multiTenantAppId} in tenant ${tenant.tenantId}, proven by the deployment's own sign-in through its federated credential (${own.detail})${away}`,
  };
}

function credentialsOf(ctx: DoctorContext): CredentialsVerdict {
  if (ctx.homeTenantId !== undefined) {
    // A malformed MULTI_TENANT_APP_ID is the settings check's FAIL line; here it is only what the sign-in needs.
    const broken = ctx.broken('MULTI_TENANT_APP_ID');
    if (broken.length > 0) return { ok: false, missing: broken, detail: needsText(broken) };
    return describeCustomerCredentials(ctx.env, {
      tenantId: ctx.settings.tenantId,
      homeTenantId: ctx.homeTenantId,
      multiTenantAppId: ctx.settings.multiTenantAppId,
    });
  }
  return describeCredentials(ctx.env, ctx.broken('M365_TENANT_ID').length === 0 ? ctx.settings.tenantId : undefined);
}

export const credentialsCheck: DoctorCheck = {
  name: 'credentials',
  report: (ctx): CheckResult[] => {
    const verdict = credentialsOf(ctx);
    if (ctx.homeTenantId !== undefined && ctx.broken('MULTI_TENANT_APP_ID').length > 0)
      return [{ name: 'credentials', ok: false, skipped: true, detail: verdict.detail }];
    return [
      { name: 'credentials', ok: verdict.ok, ...(verdict.warning ? { warning: true } : {}), detail: verdict.detail },
    ];
  },
};

const RESOURCES = [
  ['Exchange Online', 'EXCHANGE_ENDPOINT', 'exchangeEndpoint'],
  ['Office 365 Management APIs', 'MANAGEMENT_ENDPOINT', 'managementEndpoint'],
  ['Microsoft Graph', 'GRAPH_ENDPOINT', 'graphEndpoint'],
] as const;

/** One token check per resource; one failed sign-in fails them all the same way, so it is said once. */
export const tokenChecks: DoctorCheck<TokenPorts>[] = RESOURCES.map(([resource, setting, key]) => {
  const name = `token for ${resource}`;
  return {
    name,
    needs: (ctx) => [
      ...credentialsOf(ctx).missing,
      ...ctx.broken('AZURE_AUTHORITY_HOST'),
      ...ctx.broken(setting),
      ...(ctx.facts.signInFailed ? [`a working sign-in (see ${ctx.facts.signInFailed})`] : []),
    ],
    run: async (ctx) => {
      const endpoint = ctx.settings[key];
      try {
        await ctx.runtime.token(endpoint)();
      } catch (error) {
        ctx.facts.signInFailed = name;
        throw error;
      }
      return `signed in for ${new URL(endpoint).origin}/.default`;
    },
  };
});
