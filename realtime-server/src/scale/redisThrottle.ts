import { randomBytes } from 'node:crypto';
import { redisRetryStrategy, Script } from '@yishi/store';
import { Redis } from 'ioredis';
import { FailureThrottle, type FailureCounter } from '../http/failureThrottle.ts';
import type { Logger } from '../logger.ts';

export interface RedisFailureThrottleOptions {
  redisUrl: string;
  limitPerWindow: number;
  windowMs?: number;
  log: Logger;
  now?: () => number;
  prefix?: string;
}

// One sorted set per address: a member per failure, scored by its time. Old ones are dropped first.
const FAIL = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`);
const RETRY_AFTER = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))`);

/**
 * The failed-attempt counter shared by every node on one Redis: the limit holds per client address
 * however a load balancer spreads its requests. While Redis cannot be reached, each node falls back
 * to its own count (it keeps one all along), so the API never waits on the throttle or fails open.
 */
export class RedisFailureThrottle implements FailureCounter {
  private readonly redis: Redis;
  private readonly local: FailureThrottle;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly prefix: string;

  constructor(private readonly opts: RedisFailureThrottleOptions) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.prefix = opts.prefix ?? 'yishi:throttle:';
    this.local = new FailureThrottle(opts.limitPerWindow, this.windowMs, this.now);
    // Fail fast while Redis is away: the local count answers instead.
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: redisRetryStrategy, connectionName: 'yishi:throttle', commandTimeout: 1_000 });
    this.redis.on('error', (err: Error) => opts.log.debug({ err: err.message }, 'failure throttle: redis connection error'));
  }

  /** Resolves once the Redis connection is up (before that, and whenever it is down, the local count answers). */
  connected(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => this.redis.once('ready', () => resolve()));
  }

  async retryAfter(key: string): Promise<number> {
    if (this.redis.status !== 'ready') return this.local.retryAfterNow(key);
    try {
      return Number(await RETRY_AFTER.run(this.redis, [this.prefix + key], [this.now(), this.windowMs, this.opts.limitPerWindow]));
    } catch {
      return this.local.retryAfterNow(key);
    }
  }

  async fail(key: string): Promise<void> {
    this.local.failNow(key);
    if (this.redis.status !== 'ready') return;
    try {
      const now = this.now();
      await FAIL.run(this.redis, [this.prefix + key], [now, this.windowMs, `${now}-${randomBytes(4).toString('hex')}`]);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'failure throttle: not counted in redis; this node counts it alone');
    }
  }

  close(): void {
    this.local.close();
    this.redis.disconnect();
  }
}
