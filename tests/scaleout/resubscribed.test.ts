import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../packages/store/test/redisServer.ts';
import { onResubscribed, retrying } from '../../realtime-server/src/scale/resubscribed.ts';
import { waitFor } from '../helpers/wait.ts';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

async function dropConnection(name: string): Promise<void> {
  const line = (await redis.cli('CLIENT', 'LIST')).split('\n').find((l) => l.includes(` name=${name} `));
  const id = line && /\bid=(\d+)/.exec(line)?.[1];
  if (!id) throw new Error(`no connection named ${name}`);
  await redis.cli('CLIENT', 'KILL', 'ID', id);
}

describe('onResubscribed', () => {
  it('calls back after every reconnection, the first one included, once the subscriptions are back', async () => {
    const sub = new Redis(redis.url, { connectionName: 'probe-sub', retryStrategy: () => 20 });
    const publisher = new Redis(redis.url);
    const heard: string[] = [];
    let calls = 0;
    onResubscribed(sub, () => {
      calls++;
      // The subscription is in force when we are called: a message published now is heard.
      void publisher.publish('yishi:test', `after-${calls}`);
    });
    sub.on('message', (_channel: string, message: string) => heard.push(message));
    try {
      await sub.subscribe('yishi:test');
      expect(calls).toBe(0);
      await dropConnection('probe-sub');
      await waitFor(() => heard.includes('after-1'), { what: 'first reconnection called back' });
      await dropConnection('probe-sub');
      await waitFor(() => heard.includes('after-2'), { what: 'second reconnection called back' });
      expect(calls).toBe(2);
    } finally {
      sub.disconnect();
      publisher.disconnect();
    }
  });

  it('also counts the first reconnection when it is attached after the connection was already up', async () => {
    const sub = new Redis(redis.url, { connectionName: 'late-sub', retryStrategy: () => 20 });
    let calls = 0;
    try {
      await sub.ping();
      await new Promise((resolve) => setImmediate(resolve));
      onResubscribed(sub, () => calls++);
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).toBe(0);
      await dropConnection('late-sub');
      await waitFor(() => calls === 1, { what: 'first reconnection called back' });
    } finally {
      sub.disconnect();
    }
  });
});

describe('retrying', () => {
  it('tries again after failures and reports success', async () => {
    let n = 0;
    const done = await retrying(
      async () => {
        if (++n < 3) throw new Error('not yet');
      },
      { baseDelayMs: 1 }
    );
    expect({ done, n }).toEqual({ done: true, n: 3 });
  });

  it('gives up after the given number of tries, or when told to stop', async () => {
    let n = 0;
    const fail = async () => {
      n++;
      throw new Error('never');
    };
    expect(await retrying(fail, { tries: 4, baseDelayMs: 1 })).toBe(false);
    expect(n).toBe(4);
    n = 0;
    expect(await retrying(fail, { tries: 10, baseDelayMs: 1, stop: () => n >= 2 })).toBe(false);
    expect(n).toBe(2);
  });
});
