import { createAdapter } from '@socket.io/redis-adapter';
import { redisRetryStrategy, type Store } from '@yishi/store';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { RedisDocRelay } from './redisDocRelay.ts';
import { RedisFailureThrottle } from './redisThrottle.ts';
import { onResubscribed } from './resubscribed.ts';

export type SocketAdapter = ReturnType<typeof createAdapter>;

/** What a node needs to share rooms and documents with the other nodes on the same Redis. */
export interface ScaleOut {
  /** Socket.IO adapter: broadcasts, server-side queries (presence) and disconnectSockets reach every node. */
  adapter: SocketAdapter;
  relay: RedisDocRelay;
  /** Failed join and recovery attempts, counted per client address across all nodes. */
  failures: RedisFailureThrottle;
  /**
   * Called when the adapter's subscription is back after Redis went away: broadcasts published in
   * between never reached this node, so its phones must be sent a fresh snapshot.
   */
  onResubscribed(cb: () => void): void;
  /** Closes the pub/sub connections; call after the HTTP/Socket.IO server is closed. */
  close(): Promise<void>;
}

export interface RedisScaleOutOptions {
  redisUrl: string;
  nodeId: string;
  log: Logger;
  store?: Store;
  /** JOIN_FAILURES_PER_MINUTE. */
  failuresPerMinute: number;
}

/**
 * Cross-node rooms use `@socket.io/redis-adapter` (classic pub/sub), not the streams adapter.
 * Broadcasts are only a fast path: the meeting log in the Redis store is the record, and a phone that
 * misses a broadcast sees a gap in `seq` (or reconnects) and asks for snapshot + tail. The streams
 * adapter's extra would be replay for Socket.IO's connection-state recovery, which Yishi does not use,
 * and it would XADD every broadcast into a Redis that runs `appendfsync always` — one fsync per
 * broadcast per role room, on the hot path, for data nobody needs to keep.
 */
export async function createRedisScaleOut(opts: RedisScaleOutOptions): Promise<ScaleOut> {
  const { redisUrl, log } = opts;
  // Queue publishes while Redis is away instead of dropping them: nothing commits meanwhile (the store
  // is on the same Redis), and what was committed just before reaches the other nodes once it is back.
  const pub = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: redisRetryStrategy, connectionName: `yishi:sio-pub:${opts.nodeId}` });
  // Named, so an operator (and the scale-out test) can tell the connections apart in CLIENT LIST.
  const sub = pub.duplicate({ connectionName: `yishi:sio-sub:${opts.nodeId}` });
  const resubscribed: (() => void)[] = [];
  onResubscribed(sub, () => {
    log.warn('socket.io adapter: redis subscription restored; resyncing local sockets');
    for (const cb of resubscribed) cb();
  });
  for (const [name, conn] of [['pub', pub], ['sub', sub]] as const) {
    conn.on('error', (err: Error) => log.warn({ err: err.message, conn: name }, 'socket.io adapter: redis connection error'));
  }
  await Promise.all([pub.ping(), sub.ping()]);
  const adapter = createAdapter(pub, sub, {
    key: 'yishi:sio',
    // Presence queries wait this long for the other nodes; a dead node's subscription is gone
    // as soon as Redis sees its connection drop, so it is not waited for.
    requestsTimeout: 3000
  });
  const relay = new RedisDocRelay({ redisUrl, nodeId: opts.nodeId, log, store: opts.store });
  const failures = new RedisFailureThrottle({ redisUrl, limitPerWindow: opts.failuresPerMinute, log });
  await failures.connected();
  let closing: Promise<void> | null = null;
  return {
    adapter,
    relay,
    failures,
    onResubscribed(cb) {
      resubscribed.push(cb);
    },
    close() {
      closing ??= (async () => {
        await relay.close();
        failures.close();
        await Promise.allSettled([pub.quit(), sub.quit()]);
      })();
      return closing;
    }
  };
}
