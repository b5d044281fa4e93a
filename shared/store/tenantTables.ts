import { TableServiceClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import type { StorageSettings } from '../config/settings';
import { statusOf } from '../log/errors';
import type { TenantTables } from '../tenants/manageTenants';
import { ACTIVITY_TABLE } from './activityStore';
import { TABLES } from './tables';

/**
 * Every table a tenant's Runtime creates (app/runtime.ts), unprefixed. A new table belongs here too;
 * removing a tenant also drops any other table of its prefix it finds, so one forgotten here still goes.
 */
export const TENANT_TABLES: readonly string[] = [...Object.values(TABLES), ACTIVITY_TABLE];

/** A customer tenant's prefix (tenants/tenantSettings.ts tablePrefixFor); nothing else is listed or dropped. */
const CUSTOMER_PREFIX = /^T[0-9a-f]{32}/i;

/** The deployment's storage account, for listing and dropping a removed tenant's tables. */
export class StorageTenantTables implements TenantTables {
  readonly known = TENANT_TABLES;

  constructor(private readonly service: TableServiceClient) {}

  static of(settings: StorageSettings, credential: () => TokenCredential): StorageTenantTables {
    return new StorageTenantTables(
      settings.kind === 'connectionString'
        ? // http is only ever Azurite on this machine or a developer's; Azure itself is https.
          TableServiceClient.fromConnectionString(settings.connectionString, { allowInsecureConnection: true })
        : new TableServiceClient(settings.tableUrl, credential()),
    );
  }

  async existing(prefix: string): Promise<string[]> {
    assertCustomer(prefix);
    const names: string[] = [];
    // Table names compare without case in Azure: the filter is ours, not the service's.
    for await (const table of this.service.listTables())
      if (table.name && table.name.toLowerCase().startsWith(prefix.toLowerCase())) names.push(table.name);
    return names;
  }

  async drop(name: string): Promise<void> {
    assertCustomer(name);
    try {
      await this.service.deleteTable(name);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}

function assertCustomer(name: string): void {
  // The deployment's own tables have no prefix: an empty or foreign one must never reach a listing or a delete.
  if (!CUSTOMER_PREFIX.test(name))
    throw new Error(`refusing to touch table "${name.slice(0, 70)}": not a customer tenant's`);
}
