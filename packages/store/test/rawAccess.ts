/**
 * The store's own drivers, for tests outside this package that reach around a running server into
 * its store (to damage an entry, or to look for what a deleted meeting left): the same libsql and
 * ioredis the adapters use, without each test package depending on them.
 */
export { default as Database } from 'libsql';
export { Redis } from 'ioredis';
export { redisKeys } from '../src/redis.ts';
export { MEETING_TABLES, SQLITE_FILE } from '../src/sqlite.ts';
export { entryHash } from '../src/chain.ts';
