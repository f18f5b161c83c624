import type { Redis } from 'ioredis';

/**
 * Calls `cb` each time the subscriber connection `sub` is back after losing its connection, once its
 * subscriptions are in force again. Whatever was published while it was away never reached this node,
 * so `cb` repairs from the store.
 *
 * Must be called right after the connection is created, before anything is awaited: ioredis emits the
 * first `ready` on a later tick, and a listener added after it would take the first *re*connection for
 * the initial one and skip it (the bug this helper exists to prevent).
 */
export function onResubscribed(sub: Redis, cb: () => void): void {
  let everReady = sub.status === 'ready';
  sub.on('ready', () => {
    if (!everReady) {
      everReady = true;
      return;
    }
    // ioredis re-sends (P)SUBSCRIBE before it emits `ready`; one PING round trip later they are in force.
    sub.ping().then(cb, () => undefined);
  });
}

/**
 * Runs `attempt` until it succeeds, waiting a little longer after each failure: after Redis comes back,
 * the store's own connection may reconnect a moment after the subscriber did. Resolves `false` when it
 * gave up or `stop()` said to.
 */
export async function retrying(attempt: () => Promise<void>, opts: { tries?: number; baseDelayMs?: number; stop?: () => boolean } = {}): Promise<boolean> {
  const tries = opts.tries ?? 10;
  for (let i = 1; i <= tries; i++) {
    if (opts.stop?.()) return false;
    try {
      await attempt();
      return true;
    } catch {
      if (i < tries) await new Promise((resolve) => setTimeout(resolve, (opts.baseDelayMs ?? 200) * i));
    }
  }
  return false;
}
