/**
 * Reconnect quickly and keep trying every second: ioredis's default backoff doubles without a useful
 * cap, so after a few seconds of outage a node would stay away long after Redis is back.
 */
export function redisRetryStrategy(times: number): number {
  return Math.min(50 * times, 1_000);
}
