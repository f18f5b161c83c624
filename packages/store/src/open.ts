import type { Store } from './port.ts';

export interface OpenStoreOptions {
  /** When set, the Redis adapter is used; otherwise SQLite under `dataDir`. */
  redisUrl?: string | undefined;
  dataDir: string;
}

/** Chooses the adapter at start-up: Redis when a URL is given, the embedded SQLite file (in a worker thread) otherwise. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.redisUrl) {
    const { openRedisStore } = await import('./redis.ts');
    return openRedisStore(opts.redisUrl);
  }
  // In a worker thread: a commit waits for the disk there, not on the thread every phone is served from.
  const { openSqliteStoreInWorker } = await import('./sqliteWorker.ts');
  return openSqliteStoreInWorker(opts.dataDir);
}
