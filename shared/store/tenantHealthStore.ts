import type { TableClient } from '@azure/data-tables';
import type { TenantHealthLine } from '../tenants/providerSummary';

export const TENANT_HEALTH_TABLE = 'TenantHealth';
const PARTITION = 'tenant';

interface Entity {
  partitionKey: string;
  rowKey: string;
  Name: string;
  Open: string;
  Stage: string;
  Ok: boolean;
  At: string;
}

/** Each tenant's open problems after its last run: one row per tenant, read in one query by the provider's summary. */
export class TableTenantHealthStore {
  constructor(private readonly table: TableClient) {}

  async put(line: TenantHealthLine): Promise<void> {
    const entity: Entity = {
      partitionKey: PARTITION,
      rowKey: line.tenantId,
      Name: line.name,
      Open: JSON.stringify(line.open),
      Stage: line.lastRun.stage,
      Ok: line.lastRun.ok,
      At: line.lastRun.at,
    };
    await this.table.upsertEntity(entity, 'Replace');
  }

  async list(): Promise<TenantHealthLine[]> {
    const lines: TenantHealthLine[] = [];
    for await (const e of this.table.listEntities<Partial<Entity>>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    })) {
      const open: unknown = JSON.parse(typeof e.Open === 'string' ? e.Open : '[]');
      lines.push({
        tenantId: String(e.rowKey),
        name: typeof e.Name === 'string' ? e.Name : String(e.rowKey),
        open: Array.isArray(open) ? open.filter((p): p is string => typeof p === 'string') : [],
        lastRun: { stage: String(e.Stage ?? ''), ok: e.Ok === true, at: String(e.At ?? '') },
      });
    }
    return lines;
  }

  async remove(tenantId: string): Promise<void> {
    await this.table.deleteEntity(PARTITION, tenantId).catch(() => undefined);
  }
}
