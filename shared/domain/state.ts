/** Checkpoints and watermarks: small JSON documents kept between runs, written under their ETag. */

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
