import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../packages/store/test/redisServer.ts';
import { createLogger } from '../../realtime-server/src/logger.ts';
import { RedisFailureThrottle } from '../../realtime-server/src/scale/redisThrottle.ts';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const log = createLogger('silent', 'test');

describe('RedisFailureThrottle (failed join and recovery attempts, shared by the nodes)', () => {
  it('counts an address across nodes in one sliding window, and tells how long to wait', async () => {
    let now = 1_800_000_000_000;
    const make = () => new RedisFailureThrottle({ redisUrl: redis.url, limitPerWindow: 5, windowMs: 60_000, log, now: () => now, prefix: 'test:a:' });
    const [nodeA, nodeB] = [make(), make()];
    await Promise.all([nodeA.connected(), nodeB.connected()]);
    try {
      const start = now;
      for (let i = 0; i < 3; i++) await nodeA.fail('203.0.113.7');
      now += 10_000;
      await nodeB.fail('203.0.113.7');
      expect(await nodeA.retryAfter('203.0.113.7')).toBe(0);
      await nodeB.fail('203.0.113.7');
      // Five between them: both nodes refuse the address until the oldest failure leaves the window.
      expect(await nodeA.retryAfter('203.0.113.7')).toBe(start + 60_000 - now);
      expect(await nodeB.retryAfter('203.0.113.7')).toBe(start + 60_000 - now);
      // Another address is not affected; neither is anything after the window.
      expect(await nodeB.retryAfter('198.51.100.9')).toBe(0);
      now = start + 60_000;
      expect(await nodeA.retryAfter('203.0.113.7')).toBe(0);
    } finally {
      nodeA.close();
      nodeB.close();
    }
  });

  it("falls back to each node's own count while Redis cannot be reached", async () => {
    const now = 1_800_000_000_000;
    const make = () => new RedisFailureThrottle({ redisUrl: redis.url, limitPerWindow: 3, windowMs: 60_000, log, now: () => now, prefix: 'test:b:' });
    const [nodeA, nodeB] = [make(), make()];
    await Promise.all([nodeA.connected(), nodeB.connected()]);
    try {
      await nodeA.fail('203.0.113.8');
      await nodeB.fail('203.0.113.8');
      await nodeA.fail('203.0.113.8');
      // Shared: node B refuses after three failures, though it saw only one of them.
      expect(await nodeB.retryAfter('203.0.113.8')).toBeGreaterThan(0);
      await redis.kill('SIGKILL');
      // Redis gone: each node answers from what it saw itself, without waiting.
      expect(await nodeB.retryAfter('203.0.113.8')).toBe(0);
      expect(await nodeA.retryAfter('203.0.113.8')).toBe(0);
      await nodeA.fail('203.0.113.8');
      expect(await nodeA.retryAfter('203.0.113.8')).toBeGreaterThan(0);
    } finally {
      nodeA.close();
      nodeB.close();
      await redis.restart();
    }
  });
});
