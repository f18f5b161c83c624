import { advanceSeq, evolve, type MeetingState } from '@yishi/domain';
import type { EventMessage } from '@yishi/protocol';

type Held = { kind: 'event'; msg: EventMessage } | { kind: 'skip'; seq: number };

export interface FeedHooks {
  /** The state changed (once per message handled, however many entries it folded). */
  changed(state: MeetingState): void;
  /** A gap in `seq`: something was missed; ask the server for a snapshot. */
  resync(): void;
}

/** Events held while a snapshot is on its way; past this the snapshot is overdue and a later gap asks again. */
export const MAX_HELD = 1_000;

/**
 * One audience's copy of a meeting, kept in step with the server: a snapshot, then events and skips
 * folded in `seq` order with the domain's `evolve`. Plain TypeScript (no Svelte, no socket), so the
 * ordering rules are tested on their own (tests/web/feed.test.ts):
 * - what arrives while a snapshot is on its way is held and folded after it, if newer: an event
 *   committed while the snapshot was being read can overtake it (and does, across nodes);
 * - what is at or below the state's seq is dropped (a broadcast the snapshot already holds);
 * - a gap asks for one snapshot (and holds what revealed it), and nothing is folded across it.
 */
export class MeetingFeed {
  #state: MeetingState | null = null;
  #awaiting = false;
  #held: Held[] = [];

  constructor(private readonly hooks: FeedHooks) {}

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
  }

  snapshot(seq: number, state: MeetingState): void {
    this.#awaiting = false;
    // A snapshot older than this copy (read before a broadcast that overtook it, as when the server
    // resyncs its phones after a Redis outage) brings nothing: keep the newer copy, never go back.
    let next = this.#state !== null && this.#state.seq > seq ? this.#state : advanceSeq(state, seq);
    const held = this.#held;
    this.#held = [];
    for (const [i, item] of held.entries()) {
      const folded = this.#fold(next, item);
      if (folded === 'gap') {
        // Still missing something: keep what is left for the next snapshot.
        this.#held = held.slice(i);
        this.#set(next);
        return this.#gap();
      }
      next = folded;
    }
    this.#set(next);
  }

  event(msg: EventMessage): void {
    this.#receive({ kind: 'event', msg });
  }

  skip(seq: number): void {
    this.#receive({ kind: 'skip', seq });
  }

  #receive(item: Held): void {
    const state = this.#state;
    if (state === null || this.#awaiting) return this.#hold(item);
    const folded = this.#fold(state, item);
    if (folded === 'gap') {
      // Kept: a snapshot read before this entry was committed still gets it folded in.
      this.#hold(item);
      return this.#gap();
    }
    if (folded !== state) this.#set(folded);
  }

  #hold(item: Held): void {
    if (this.#held.length < MAX_HELD) this.#held.push(item);
  }

  /** The state with `item` folded in; the same state when it is old news; 'gap' when entries are missing. */
  #fold(state: MeetingState, item: Held): MeetingState | 'gap' {
    const seq = item.kind === 'event' ? item.msg.seq : item.seq;
    if (seq <= state.seq) return state;
    if (seq !== state.seq + 1) return 'gap';
    return item.kind === 'event' ? evolve(state, item.msg) : advanceSeq(state, seq);
  }

  #gap(): void {
    this.#awaiting = true;
    this.hooks.resync();
  }

  #set(state: MeetingState): void {
    this.#state = state;
    this.hooks.changed(state);
  }
}
