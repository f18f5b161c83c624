import { advanceSeq, evolve, reviveState, type EventMessage, type MeetingState, type MeetingStateJSON } from '@yishi/domain';
import type { FeedEntry } from '@yishi/protocol';

/** An event, or a run of seqs this audience may not see (`from`..`to`, a single skip has from = to). */
type Held = { kind: 'event'; msg: EventMessage } | { kind: 'skip'; from: number; to: number };

export interface FeedHooks {
  /** The state changed (once per message handled, however many entries it folded). */
  changed(state: MeetingState): void;
  /** A gap in `seq` that did not close within the grace window: something was lost; ask the server for a snapshot. */
  resync(): void;
}

/** The clock the grace window runs on; tests pass their own. */
export interface FeedTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimer: FeedTimer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

/**
 * How long a gap may stay open before a snapshot is asked for. Across nodes, node B emits seq n+1 (its
 * own command) before seq n arrives from node A over pub/sub, by a few milliseconds: without a grace,
 * every phone on B asked for the whole meeting each time (issue 7).
 */
export const GAP_GRACE_MS = 400;

/** Events held while a snapshot is on its way; past this the snapshot is overdue and a later gap asks again. */
export const MAX_HELD = 1_000;

/**
 * One audience's copy of a meeting, kept in step with the server: a snapshot, then events and skips
 * (one by one or in batches, `entries`) folded in `seq` order with the domain's `evolve`. Plain TypeScript (no Svelte, no socket), so the
 * ordering rules are tested on their own (tests/web/feed.test.ts):
 * - what arrives while a snapshot is on its way is held and folded after it, if newer: an event
 *   committed while the snapshot was being read can overtake it (and does, across nodes);
 * - what is at or below the state's seq is dropped (a broadcast the snapshot already holds);
 * - what is ahead of a gap is held, and folded in order when the gap closes; a gap still open after the
 *   grace window asks for one snapshot, and nothing is folded across it.
 */
export class MeetingFeed {
  #state: MeetingState | null = null;
  #awaiting = false;
  #held: Held[] = [];
  #grace: unknown = null;
  readonly #graceMs: number;
  readonly #timer: FeedTimer;

  constructor(
    private readonly hooks: FeedHooks,
    opts: { graceMs?: number; timer?: FeedTimer } = {}
  ) {
    this.#graceMs = opts.graceMs ?? GAP_GRACE_MS;
    this.#timer = opts.timer ?? realTimer;
  }

  get state(): MeetingState | null {
    return this.#state;
  }

  /** True from a connection or a resync until the snapshot is in. */
  get awaitingSnapshot(): boolean {
    return this.#awaiting;
  }

  /** A snapshot is on its way: the server sends one on every connection. */
  expectSnapshot(): void {
    this.#awaiting = true;
    this.#stopGrace();
  }

  /** A snapshot as it came over the wire (JSON): its state is revived here, so `evolve` can fold into it. */
  snapshot(seq: number, state: MeetingStateJSON): void {
    this.#awaiting = false;
    // A snapshot older than this copy (read before a broadcast that overtook it, as when the server
    // resyncs its phones after a Redis outage) brings nothing: keep the newer copy, never go back.
    const next = this.#state !== null && this.#state.seq > seq ? this.#state : advanceSeq(reviveState(state), seq);
    this.#set(this.#drain(next));
    this.#watchGap();
  }

  event(msg: EventMessage): void {
    this.#receive({ kind: 'event', msg });
  }

  skip(seq: number): void {
    this.#receive({ kind: 'skip', from: seq, to: seq });
  }

  /** A batch of entries in seq order (one message from the server): folded as if they had come one by one, with one `changed`. */
  entries(list: readonly FeedEntry[]): void {
    this.#receive(...list.map((e): Held => ('skip' in e ? { kind: 'skip', from: e.skip, to: Math.max(e.skip, e.to) } : { kind: 'event', msg: e as EventMessage })));
  }

  #receive(...items: Held[]): void {
    const state = this.#state;
    // Old news (a broadcast the state already holds) is dropped at once.
    for (const item of items) if (state === null || lastSeq(item) > state.seq) this.#hold(item);
    if (state === null || this.#awaiting) return;
    const next = this.#drain(state);
    if (next !== state) this.#set(next);
    this.#watchGap();
  }

  #hold(item: Held): void {
    if (this.#held.length < MAX_HELD) this.#held.push(item);
  }

  /** `state` with every held entry folded in that follows it without a gap; the rest stays held. */
  #drain(state: MeetingState): MeetingState {
    const held = this.#held.sort((a, b) => seqOf(a) - seqOf(b));
    let i = 0;
    for (; i < held.length; i++) {
      const item = held[i]!;
      if (lastSeq(item) <= state.seq) continue;
      if (seqOf(item) > state.seq + 1) break;
      // A run of skips may overlap what is folded already: only its end matters.
      state = item.kind === 'event' ? evolve(state, item.msg) : advanceSeq(state, item.to);
    }
    this.#held = held.slice(i);
    return state;
  }

  /** Whatever is still held lies beyond a gap: give the missing entries the grace window to arrive. */
  #watchGap(): void {
    if (this.#held.length === 0) return this.#stopGrace();
    if (this.#grace !== null || this.#awaiting) return;
    this.#grace = this.#timer.set(() => {
      this.#grace = null;
      if (this.#held.length > 0 && !this.#awaiting) this.#gap();
    }, this.#graceMs);
  }

  #stopGrace(): void {
    if (this.#grace === null) return;
    this.#timer.clear(this.#grace);
    this.#grace = null;
  }

  #gap(): void {
    this.#awaiting = true;
    this.#stopGrace();
    this.hooks.resync();
  }

  #set(state: MeetingState): void {
    this.#state = state;
    this.hooks.changed(state);
  }
}

function seqOf(item: Held): number {
  return item.kind === 'event' ? item.msg.seq : item.from;
}

function lastSeq(item: Held): number {
  return item.kind === 'event' ? item.msg.seq : item.to;
}
