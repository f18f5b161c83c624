import { randomBytes } from 'node:crypto';

/**
 * Counters in sliding windows, keyed by the caller: failed recovery codes per meeting, meetings
 * created per client address, and the join-code guard (`turn`, `settle`) per client address. One node
 * keeps them in memory; nodes on one Redis share them there (scale/redisThrottle.ts), so a limit holds
 * however requests are spread.
 */
export interface FailureCounter {
  /** Milliseconds to wait, or 0 when `key` has had fewer than `limit` events in the window. */
  retryAfter(key: string, limit?: number, windowMs?: number): Promise<number>;
  /** Counts one event of `key` (a failure). */
  fail(key: string, windowMs?: number): Promise<void>;
  /** Counts one event of `key` if it is under `limit` and answers 0, else answers how long to wait. */
  take(key: string, limit: number, windowMs: number): Promise<number>;
  /**
   * The join-code guard, asked before a code is looked up, so its answer never depends on whether the
   * code is live (a 429 that only wrong codes get would tell which codes are live). `wait` 0: the
   * attempt may go ahead, and is settled with its `ticket` once the lookup is done; otherwise
   * milliseconds until the address's next turn.
   */
  turn(key: string, policy: GuessPolicy): Promise<{ wait: number; ticket: string }>;
  /** How the attempt ended: a live code (`hit`), a dead one (`miss`), or no answer (`void`, e.g. the store failed). */
  settle(key: string, ticket: string, outcome: 'hit' | 'miss' | 'void', policy: GuessPolicy): Promise<void>;
  close(): void;
}

/**
 * Within a window an address may make `limit` failed attempts, plus one for each attempt that found a
 * live code (up to `creditMax`): the phones of a hall behind one NAT address raise its allowance as
 * they join, so a few dozen typos among them lock nobody out. Attempts still in flight count as
 * failures beyond the first `burst` of them, so a burst of requests cannot outrun the count. Past the
 * allowance the address is slowed, not shut out: one attempt per `paceMs`, valid code or not.
 */
export interface GuessPolicy {
  limit: number;
  creditMax: number;
  burst: number;
  paceMs: number;
  windowMs: number;
}

/** Failures as the guard counts them, and what it allows. */
function overAllowance(policy: GuessPolicy, failures: number, hits: number, pending: number): boolean {
  return failures + Math.max(0, pending - policy.burst) >= policy.limit + Math.min(hits, policy.creditMax);
}

/** The in-memory counters of one node. */
export class FailureThrottle implements FailureCounter {
  private readonly events = new Map<string, { at: number[]; windowMs: number }>();
  private readonly paces = new Map<string, number>();
  /** Attempts in flight per key: ticket → when it was given (one that is never settled expires with the window). */
  private readonly pending = new Map<string, Map<string, number>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly limitPerWindow: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now
  ) {
    this.timer = setInterval(() => this.sweep(), windowMs);
    this.timer.unref();
  }

  async retryAfter(key: string, limit = this.limitPerWindow, windowMs = this.windowMs): Promise<number> {
    return this.retryAfterNow(key, limit, windowMs);
  }

  async fail(key: string, windowMs = this.windowMs): Promise<void> {
    this.failNow(key, windowMs);
  }

  async take(key: string, limit: number, windowMs: number): Promise<number> {
    return this.takeNow(key, limit, windowMs);
  }

  async turn(key: string, policy: GuessPolicy): Promise<{ wait: number; ticket: string }> {
    return this.turnNow(key, policy);
  }

  async settle(key: string, ticket: string, outcome: 'hit' | 'miss' | 'void', policy: GuessPolicy): Promise<void> {
    this.settleNow(key, ticket, outcome, policy);
  }

  retryAfterNow(key: string, limit = this.limitPerWindow, windowMs = this.windowMs): number {
    const list = this.recent(key, windowMs);
    if (list.length < limit) return 0;
    return Math.max(1, list[list.length - limit]! + windowMs - this.now());
  }

  failNow(key: string, windowMs = this.windowMs): void {
    const list = this.recent(key, windowMs);
    list.push(this.now());
    this.events.set(key, { at: list, windowMs });
  }

  takeNow(key: string, limit: number, windowMs: number): number {
    const wait = this.retryAfterNow(key, limit, windowMs);
    if (wait === 0) this.failNow(key, windowMs);
    return wait;
  }

  turnNow(key: string, policy: GuessPolicy, ticket = randomBytes(8).toString('hex')): { wait: number; ticket: string } {
    const now = this.now();
    const pending = this.pendingOf(key, policy.windowMs);
    if (overAllowance(policy, this.recent(`${key}:miss`, policy.windowMs).length, this.recent(`${key}:hit`, policy.windowMs).length, pending.size)) {
      const next = this.paces.get(key) ?? 0;
      if (now < next) return { wait: next - now, ticket: '' };
      this.paces.set(key, now + policy.paceMs);
    }
    pending.set(ticket, now);
    this.pending.set(key, pending);
    return { wait: 0, ticket };
  }

  settleNow(key: string, ticket: string, outcome: 'hit' | 'miss' | 'void', policy: GuessPolicy): void {
    this.pendingOf(key, policy.windowMs).delete(ticket);
    if (outcome === 'void') return;
    this.failNow(`${key}:${outcome}`, policy.windowMs);
    // The failure that uses up the allowance starts the pace: the next attempt waits its turn.
    const now = this.now();
    if (outcome === 'miss' && (this.paces.get(key) ?? 0) <= now) {
      const pending = this.pendingOf(key, policy.windowMs).size;
      if (overAllowance(policy, this.recent(`${key}:miss`, policy.windowMs).length, this.recent(`${key}:hit`, policy.windowMs).length, pending)) this.paces.set(key, now + policy.paceMs);
    }
  }

  private pendingOf(key: string, windowMs: number): Map<string, number> {
    const cutoff = this.now() - windowMs;
    const pending = this.pending.get(key) ?? new Map<string, number>();
    for (const [ticket, at] of pending) if (at <= cutoff) pending.delete(ticket);
    if (pending.size === 0) this.pending.delete(key);
    return pending;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private recent(key: string, windowMs: number): number[] {
    const cutoff = this.now() - windowMs;
    const list = (this.events.get(key)?.at ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.events.delete(key);
    return list;
  }

  private sweep(): void {
    for (const [key, { windowMs }] of [...this.events]) this.recent(key, windowMs);
    const now = this.now();
    for (const [key, next] of [...this.paces]) if (next <= now) this.paces.delete(key);
    for (const key of [...this.pending.keys()]) this.pendingOf(key, this.windowMs);
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
