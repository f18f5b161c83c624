import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../packages/store/test/redisServer.ts';
import { createLogger } from '../../realtime-server/src/logger.ts';
import { FailureThrottle, type FailureCounter, type GuessPolicy } from '../../realtime-server/src/http/failureThrottle.ts';
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

/** The defaults of JOIN_FAILURES_PER_MINUTE = 30 (api.ts derives them the same way). */
const POLICY: GuessPolicy = { limit: 30, creditMax: 60, burst: 30, paceMs: 2_000, windowMs: 60_000 };

/** One attempt by `key` on `node`: whether it was let through, settled as a miss or a hit. */
async function attempt(node: FailureCounter, key: string, outcome: 'hit' | 'miss'): Promise<boolean> {
  const { wait, ticket } = await node.turn(key, POLICY);
  if (wait > 0) return false;
  await node.settle(key, ticket, outcome, POLICY);
  return true;
}

describe.each(['one node (memory)', 'two nodes on redis'])('join-code guard on %s', (where) => {
  let now = 1_800_000_000_000;
  const nodes: FailureCounter[] = [];
  const make = async (prefix: string): Promise<FailureCounter[]> => {
    if (where.startsWith('one')) {
      const node = new FailureThrottle(30, 60_000, () => now);
      nodes.push(node);
      return [node, node];
    }
    const pair = [0, 1].map(() => new RedisFailureThrottle({ redisUrl: redis.url, limitPerWindow: 30, windowMs: 60_000, log, now: () => now, prefix }));
    await Promise.all(pair.map((n) => n.connected()));
    nodes.push(...pair);
    return pair;
  };
  afterEach(() => {
    for (const n of nodes.splice(0)) n.close();
  });

  it('holds an address walking codes to 30 a minute and then one every 2 s, for as long as it walks', async () => {
    const [a, b] = await make(`test:walk:${where.length}:`);
    const start = now;
    const through: number[] = [];
    // Ten simulated minutes, an attempt every 100 ms, spread over both nodes.
    for (let i = 0; now < start + 600_000; i++, now += 100) if (await attempt(i % 2 ? b! : a!, '203.0.113.5', 'miss')) through.push(now);
    // 30 at once, then the pace: one per 2 s for the remaining 597 s.
    expect(through.slice(0, 30).every((t) => t < start + 3_100)).toBe(true);
    expect(through.length).toBe(30 + Math.floor((600_000 - 3_000) / 2_000));
    for (let i = 31; i < through.length; i++) expect(through[i]! - through[i - 1]!).toBe(2_000);
  });

  it('lets 100 phones of one address in with 40 typos, all of them among the first 40 phones', async () => {
    const [a, b] = await make(`test:hall:${where.length}:`);
    // The typos come early: each of the first 40 phones mistypes once before its join.
    const refused: number[] = [];
    for (let p = 0; p < 100; p++) {
      now += 300;
      if (p < 40 && !(await attempt(p % 2 ? a! : b!, '198.51.100.7', 'miss'))) refused.push(p);
      if (!(await attempt(p % 2 ? b! : a!, '198.51.100.7', 'hit'))) refused.push(p);
    }
    expect(refused).toEqual([]);
  });

  it('caps the credit of codes found: an address that joins its own meeting 500 times gets 90 failures, then one every 2 s', async () => {
    const [a, b] = await make(`test:farm:${where.length}:`);
    for (let i = 0; i < 500; i++) expect(await attempt(i % 2 ? a! : b!, '203.0.113.9', 'hit')).toBe(true);
    let misses = 0;
    while (await attempt(misses % 2 ? a! : b!, '203.0.113.9', 'miss')) misses++;
    // 30 + min(500, 60); the failure that used it up started the pace.
    expect(misses).toBe(90);
    now += 2_000;
    expect(await attempt(a!, '203.0.113.9', 'miss')).toBe(true);
    expect(await attempt(b!, '203.0.113.9', 'miss')).toBe(false);
  });

  it('counts attempts in flight: 200 at once get no further than the allowance and the burst headroom', async () => {
    const [a, b] = await make(`test:burst:${where.length}:`);
    const turns = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a! : b!).turn('203.0.113.11', POLICY)));
    // 30 free with none settled yet, 30 more of headroom, and one paced turn.
    expect(turns.filter((t) => t.wait === 0)).toHaveLength(61);
  });
});

describe('meetings created per address (take), shared by the nodes', () => {
  it('counts creations across nodes in a sliding hour and tells how long to wait', async () => {
    let now = 1_800_000_000_000;
    const make = () => new RedisFailureThrottle({ redisUrl: redis.url, limitPerWindow: 30, log, now: () => now, prefix: 'test:create:' });
    const [nodeA, nodeB] = [make(), make()];
    await Promise.all([nodeA.connected(), nodeB.connected()]);
    try {
      const start = now;
      expect(await nodeA.take('create:203.0.113.7', 3, 3_600_000)).toBe(0);
      now += 1_000;
      expect(await nodeB.take('create:203.0.113.7', 3, 3_600_000)).toBe(0);
      expect(await nodeA.take('create:203.0.113.7', 3, 3_600_000)).toBe(0);
      expect(await nodeB.take('create:203.0.113.7', 3, 3_600_000)).toBe(start + 3_600_000 - now);
      expect(await nodeA.take('create:198.51.100.1', 3, 3_600_000)).toBe(0);
      now = start + 3_600_000;
      expect(await nodeB.take('create:203.0.113.7', 3, 3_600_000)).toBe(0);
    } finally {
      nodeA.close();
      nodeB.close();
    }
  });
});
