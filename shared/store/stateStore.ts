import type { TableClient } from '@azure/data-tables';
import { statusOf } from './tables';

/** A small JSON document with its ETag, for checkpoints and watermarks. */
export interface Versioned<T> {
  value: T;
  etag: string | undefined;
}

export class ConcurrentUpdateError extends Error {
  constructor(key: string) {
    super(`State "${key}" was changed by another run at the same time; this run stops and the next one continues.`);
    this.name = 'ConcurrentUpdateError';
  }
}

/** Checkpoints live in Table Storage, not in the timer: a restart or a scale-out resumes from here. */
export interface StateStore {
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /** Writes when the stored ETag still matches (or, without one, when nothing is stored yet). */
  put<T>(key: string, value: T, etag: string | undefined): Promise<string>;
}

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
      const result = etag ? await this.table.updateEntity(entity, 'Replace', { etag }) : await this.table.createEntity(entity);
      return result.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412) throw new ConcurrentUpdateError(key);
      throw error;
    }
  }
}
