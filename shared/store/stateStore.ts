import type { TableClient } from '@azure/data-tables';
import { ConcurrentUpdateError, type StateStore, type Versioned } from '../domain/state';
import { statusOf } from '../log/errors';

const PARTITION = 'state';

export class TableStateStore implements StateStore {
  constructor(private readonly table: TableClient) {}

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    try {
      const entity = await this.table.getEntity<{ Value: string }>(PARTITION, key);
      return { value: JSON.parse(entity.Value) as T, etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async put<T>(key: string, value: T, etag: string | undefined): Promise<string> {
    const entity = { partitionKey: PARTITION, rowKey: key, Value: JSON.stringify(value) };
    try {
      const result = etag
        ? await this.table.updateEntity(entity, 'Replace', { etag })
        : await this.table.createEntity(entity);
      return result.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412) throw new ConcurrentUpdateError(key);
      throw error;
    }
  }
}
