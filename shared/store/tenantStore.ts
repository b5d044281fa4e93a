import type { TableClient } from '@azure/data-tables';
import { statusOf } from '../log/errors';
import { tenantIdOf, tenantNameOf, tenantSettingsOf, type TenantRecord } from '../tenants/tenantRecord';
import type { Logger } from '../log/logger';
import { messageOf } from '../log/errors';

export const TENANTS_TABLE = 'Tenants';
const PARTITION = 'tenant';

interface TenantEntity {
  partitionKey: string;
  rowKey: string;
  Name: string;
  Disabled: boolean;
  Settings: string;
  AddedAt: string;
}

/** The provider's list of customer tenants (deployment-level: never prefixed by a tenant). */
export class TableTenantStore {
  constructor(
    private readonly table: TableClient,
    private readonly log?: Logger,
  ) {}

  /** Every readable row; a row someone broke by hand is skipped with a log line, never served half-read. */
  async list(): Promise<TenantRecord[]> {
    return (await this.listAll()).records;
  }

  /**
   * Every row: the readable ones, and the ids of those that are not (with why), so their tenants'
   * notices can wait for a fix instead of being taken for a removed tenant's.
   */
  async listAll(): Promise<{ records: TenantRecord[]; unreadable: Map<string, string> }> {
    const records: TenantRecord[] = [];
    const unreadable = new Map<string, string>();
    for await (const entity of this.table.listEntities<Partial<TenantEntity>>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    })) {
      try {
        records.push(recordOf(entity));
      } catch (error) {
        const row = String(entity.rowKey).slice(0, 60);
        this.log?.warn(`Tenants table: row ${row} skipped: ${messageOf(error)}`);
        unreadable.set(row.toLowerCase(), messageOf(error));
      }
    }
    return { records, unreadable };
  }

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    try {
      return recordOf(await this.table.getEntity<Partial<TenantEntity>>(PARTITION, tenantIdOf(tenantId)));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async put(record: TenantRecord): Promise<void> {
    const entity: TenantEntity = {
      partitionKey: PARTITION,
      rowKey: record.tenantId,
      Name: record.name,
      Disabled: record.disabled,
      Settings: JSON.stringify(record.settings),
      AddedAt: record.addedAt,
    };
    await this.table.upsertEntity(entity, 'Replace');
  }

  async remove(tenantId: string): Promise<void> {
    try {
      await this.table.deleteEntity(PARTITION, tenantIdOf(tenantId));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}

function recordOf(entity: Partial<TenantEntity>): TenantRecord {
  const tenantId = tenantIdOf(entity.rowKey);
  let settings: unknown = {};
  if (typeof entity.Settings === 'string' && entity.Settings.trim() !== '') settings = JSON.parse(entity.Settings);
  return {
    tenantId,
    name: tenantNameOf(entity.Name, tenantId),
    disabled: entity.Disabled === true,
    settings: tenantSettingsOf(settings),
    addedAt: typeof entity.AddedAt === 'string' ? entity.AddedAt : '',
  };
}
