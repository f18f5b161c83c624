/**
 * Failed attempts (a join code that does not exist, a wrong recovery code) per client address in a
 * sliding minute. A hall of people mistyping behind one NAT address stays well under the limit;
 * someone walking the code space does not. One node keeps the count in memory; nodes on one Redis
 * share it there (scale/redisThrottle.ts), so the limit holds however requests are spread.
 */
export interface FailureCounter {
  /** Milliseconds to wait, or 0 when the address may try. */
  retryAfter(key: string): Promise<number>;
  fail(key: string): Promise<void>;
  close(): void;
}

/** The in-memory counter of one node. */
export class FailureThrottle implements FailureCounter {
  private readonly failures = new Map<string, number[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly limitPerWindow: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now
  ) {
    this.timer = setInterval(() => this.sweep(), windowMs);
    this.timer.unref();
  }

  async retryAfter(key: string): Promise<number> {
    return this.retryAfterNow(key);
  }

  async fail(key: string): Promise<void> {
    this.failNow(key);
  }

  retryAfterNow(key: string): number {
    const list = this.recent(key);
    if (list.length < this.limitPerWindow) return 0;
    return Math.max(1, list[0]! + this.windowMs - this.now());
  }

  failNow(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    this.failures.set(key, list);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }

  private sweep(): void {
    for (const key of [...this.failures.keys()]) this.recent(key);
  }
}

/** Token bucket per connection for commands. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** 0 when allowed (and consumed), otherwise milliseconds until one token is available. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}
