import type { Store } from './port.ts';

export interface OpenStoreOptions {
  /** When set, the Redis adapter is used; otherwise SQLite under `dataDir`. */
  redisUrl?: string | undefined;
  dataDir: string;
}

/** Chooses the adapter at start-up: Redis when a URL is given, the embedded SQLite file otherwise. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.redisUrl) {
    const { openRedisStore } = await import('./redis.ts');
    return openRedisStore(opts.redisUrl);
  }
  const { openSqliteStore } = await import('./sqlite.ts');
  return openSqliteStore(opts.dataDir);
}
