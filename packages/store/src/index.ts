export * from './port.ts';
export * from './chain.ts';
export { openStore, type OpenStoreOptions } from './open.ts';
export { redisRetryStrategy } from './redisRetry.ts';
export { Script } from './redisScript.ts';
