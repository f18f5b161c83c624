import { randomBytes } from 'node:crypto';
import { redisRetryStrategy, Script } from '@yishi/store';
import { Redis } from 'ioredis';
import { FailureThrottle, type FailureCounter, type GuessPolicy } from '../http/failureThrottle.ts';
import type { Logger } from '../logger.ts';

export interface RedisFailureThrottleOptions {
  redisUrl: string;
  limitPerWindow: number;
  windowMs?: number;
  log: Logger;
  now?: () => number;
  prefix?: string;
}

// One sorted set per key: a member per event, scored by its time. Old ones are dropped first.
const FAIL = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`);
// How long until fewer than ARGV[3] events are left in the window (0: fewer already).
const RETRY_AFTER = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
local n = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if n < 0 then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], n, n, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))`);
// RETRY_AFTER, and when it answers 0 the event is counted in the same step. ARGV[4]: member.
const TAKE = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
local n = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if n >= 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], n, n, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`);
// The join-code guard of FailureThrottle (turnNow, settleNow), each in one atomic step.
// KEYS: misses, hits, pending (members: tickets, scored by time), pace.
const OVER = `
local now, win = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, 3 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - win) end
local misses, hits, pending = redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
local over = misses + math.max(0, pending - tonumber(ARGV[5])) >= tonumber(ARGV[3]) + math.min(hits, tonumber(ARGV[4]))
local pace = tonumber(redis.call('GET', KEYS[4]) or '0')
`;
// ARGV: now, window, limit, credit max, burst, pace ms, ticket.
const TURN = new Script(`${OVER}
if over then
  if now < pace then return pace - now end
  redis.call('SET', KEYS[4], now + tonumber(ARGV[6]), 'PX', win)
end
redis.call('ZADD', KEYS[3], now, ARGV[7])
redis.call('PEXPIRE', KEYS[3], win)
return 0`);
// ARGV: now, window, limit, credit max, burst, pace ms, ticket, outcome ('hit' | 'miss' | 'void'), event member.
const SETTLE = new Script(`
redis.call('ZREM', KEYS[3], ARGV[7])
if ARGV[8] == 'void' then return 0 end
local target = ARGV[8] == 'hit' and KEYS[2] or KEYS[1]
redis.call('ZADD', target, ARGV[1], ARGV[9])
redis.call('PEXPIRE', target, ARGV[2])
${OVER}
if ARGV[8] == 'miss' and over and pace <= now then redis.call('SET', KEYS[4], now + tonumber(ARGV[6]), 'PX', win) end
return 0`);

/**
 * The counters shared by every node on one Redis: a limit holds per client address (or meeting)
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

  async retryAfter(key: string, limit = this.opts.limitPerWindow, windowMs = this.windowMs): Promise<number> {
    if (this.redis.status !== 'ready') return this.local.retryAfterNow(key, limit, windowMs);
    try {
      return Number(await RETRY_AFTER.run(this.redis, [this.prefix + key], [this.now(), windowMs, limit]));
    } catch {
      return this.local.retryAfterNow(key, limit, windowMs);
    }
  }

  async fail(key: string, windowMs = this.windowMs): Promise<void> {
    this.local.failNow(key, windowMs);
    if (this.redis.status !== 'ready') return;
    try {
      await FAIL.run(this.redis, [this.prefix + key], [this.now(), windowMs, this.member()]);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'failure throttle: not counted in redis; this node counts it alone');
    }
  }

  async take(key: string, limit: number, windowMs: number): Promise<number> {
    if (this.redis.status === 'ready') {
      try {
        const wait = Number(await TAKE.run(this.redis, [this.prefix + key], [this.now(), windowMs, limit, this.member()]));
        if (wait === 0) this.local.failNow(key, windowMs);
        return wait;
      } catch {
        /* counted here alone, below */
      }
    }
    return this.local.takeNow(key, limit, windowMs);
  }

  async turn(key: string, policy: GuessPolicy): Promise<{ wait: number; ticket: string }> {
    const ticket = randomBytes(8).toString('hex');
    if (this.redis.status === 'ready') {
      try {
        const wait = Number(await TURN.run(this.redis, this.guessKeys(key), [...this.guessArgs(policy), ticket]));
        return { wait, ticket: wait === 0 ? ticket : '' };
      } catch {
        /* decided here alone, below */
      }
    }
    return this.local.turnNow(key, policy, ticket);
  }

  async settle(key: string, ticket: string, outcome: 'hit' | 'miss' | 'void', policy: GuessPolicy): Promise<void> {
    // The local count follows along, so a fallback starts from what this node saw.
    this.local.settleNow(key, ticket, outcome, policy);
    if (this.redis.status !== 'ready') return;
    try {
      await SETTLE.run(this.redis, this.guessKeys(key), [...this.guessArgs(policy), ticket, outcome, this.member()]);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'failure throttle: attempt not settled in redis; this node counts it alone');
    }
  }

  /** One hash tag: the keys of an address stay in one slot. */
  private guessKeys(key: string): string[] {
    const base = `${this.prefix}guess:{${key}}:`;
    return [`${base}miss`, `${base}hit`, `${base}pending`, `${base}pace`];
  }

  private guessArgs(p: GuessPolicy): (string | number)[] {
    return [this.now(), p.windowMs, p.limit, p.creditMax, p.burst, p.paceMs];
  }

  /** A unique member per event: two events in the same millisecond are two. */
  private member(): string {
    return `${this.now()}-${randomBytes(4).toString('hex')}`;
  }

  close(): void {
    this.local.close();
    this.redis.disconnect();
  }
}
