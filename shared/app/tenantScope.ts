import { customerTenantCredential, type AppCredential } from '../auth/credential';
import type { Settings } from '../config/settings';
import type { TenantRecord } from '../tenants/tenantRecord';
import { tablePrefixFor } from '../tenants/tenantSettings';
import type { TenantScope } from './runtime';

/**
 * Where a tenant's Runtime keeps its rows and how it signs in, as the deployment and the doctor both
 * build it. A customer tenant that cannot sign in (MULTI_TENANT_APP_ID unset) gets a credential that
 * refuses with that reason at its first token: never the deployment's own tokens.
 */
export function tenantScope(
  settings: Settings,
  record: TenantRecord,
  homeTenantId: string,
  homeCredential: AppCredential,
): TenantScope {
  const home = record.tenantId === homeTenantId;
  let credential = homeCredential;
  if (!home) {
    try {
      credential = customerTenantCredential(settings, homeCredential);
    } catch (error) {
      const reason = error instanceof Error ? error : new Error(String(error));
      credential = { getToken: () => Promise.reject(reason) };
    }
  }
  return {
    tablePrefix: tablePrefixFor(record.tenantId, homeTenantId),
    credential,
    home,
    name: record.name,
    homeTenantId,
  };
}
