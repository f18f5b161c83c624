import type { EventMessage } from '@yishi/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolve, projectEvent, projectState, type Audience, type MeetingState, type MeetingStateJSON } from '../../packages/domain/src/index.ts';
import { scenarioArb, simulate } from '../../packages/domain/test/scenarios.ts';
import type { FeedEntry } from '../../packages/protocol/src/index.ts';
import { GAP_GRACE_MS, MAX_HELD, MeetingFeed, type FeedTimer } from '../../web/src/lib/meeting/feed.ts';

/*
 * The page's copy of a meeting (web/src/lib/meeting/feed.ts) against a model of the network it lives
 * on: a random meeting's log, a client that connects part-way, broadcasts that arrive in order but may
 * be lost, and snapshots that are read at any moment after they were asked for and may be overtaken by
 * broadcasts committed after them, or arrive before broadcasts they already hold (both happen across
 * nodes), and snapshots the server pushes unasked. Whatever the schedule, once the network is quiet the
 * copy equals the audience's projection of the server's state, and it asked for no more snapshots than
 * broadcasts were lost (plus one per pushed snapshot).
 *
 * Broadcasts may also arrive out of order (across nodes, node B emits its own seq n+1 before seq n reaches
 * it over pub/sub), each within the network's delay bound. Time is the test's own clock (FeedTimer): a gap
 * waits the grace window for what is missing, so a network that loses nothing asks for no snapshot at all.
 */

/** A clock the test moves by hand. */
class ManualClock implements FeedTimer {
  now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  set(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves to `to`, firing what falls due on the way, in order. */
  advance(to: number): void {
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = Math.max(this.now, to);
  }
}

/**
 * The network delivers each broadcast within this many ms of its commit, strictly inside the feed's grace:
 * a broadcast due at the very moment the grace ran out raced its timer, and the run failed now and then
 * (seed 1226810360 before batching).
 */
const MAX_DELAY_MS = GAP_GRACE_MS - 1;

const AUDIENCES: readonly Audience[] = [{ role: 'participant', participantId: 'pa01', breakoutGroup: null }, { role: 'board' }, { role: 'facilitator' }];

type Wire = { kind: 'event'; msg: EventMessage } | { kind: 'skip'; seq: number };
type Action = { t: 'commit'; lost: boolean; more: boolean } | { t: 'deliver'; pick: number } | { t: 'wait'; ms: number } | { t: 'read' } | { t: 'snapshot' } | { t: 'push' };

const actionArb = (lossy: boolean): fc.Arbitrary<Action> => fc.oneof(
  // About one broadcast in eight is lost (on a lossy network).
  // `more`: with batching on, the next commit falls in the same batch (the server's window), else the batch goes out.
  { weight: 6, arbitrary: fc.record({ t: fc.constant('commit' as const), lost: fc.nat({ max: 7 }).map((n) => lossy && n === 0), more: fc.boolean() }) },
  // Any broadcast in flight may arrive next: mostly the oldest, sometimes a later one (reordering).
  { weight: 6, arbitrary: fc.record({ t: fc.constant('deliver' as const), pick: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat({ max: 4 })) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 2 * GAP_GRACE_MS }) }) },
  { weight: 2, arbitrary: fc.constant({ t: 'read' as const }) },
  { weight: 2, arbitrary: fc.constant({ t: 'snapshot' as const }) },
  // The server pushes a snapshot nobody asked for (its subscription came back): read now, arriving later.
  { weight: 1, arbitrary: fc.constant({ t: 'push' as const }) }
);

/** Server side of the model: the state after each entry, and what each entry looks like to the audience. */
function serverFor(log: EventMessage[], audience: Audience) {
  const states: MeetingState[] = [];
  const wire: Wire[] = [];
  let before: MeetingState | null = null;
  for (const entry of log) {
    const after: MeetingState = evolve(before, entry);
    states.push(after);
    const projected = projectEvent(before, after, entry, audience);
    wire.push(projected ? { kind: 'event', msg: projected } : { kind: 'skip', seq: entry.seq });
    before = after;
  }
  const stateAt = (seq: number) => projectState(states[seq - 1]!, audience);
  // A snapshot reaches the page as JSON, as it crosses the network.
  return { wire, stateAt, snapshotAt: (seq: number) => JSON.parse(JSON.stringify(stateAt(seq))) as MeetingStateJSON };
}

interface Run {
  resyncs: number;
  lost: number;
  pushes: number;
  final: MeetingState | null;
  expected: MeetingState;
}

/** A batch as the server sends it (`entries`): events as they are, each run of skips as one range. */
function entriesOf(batch: Wire[]): FeedEntry[] {
  const out: FeedEntry[] = [];
  for (const w of batch) {
    const last = out.at(-1);
    if (w.kind === 'event') out.push(w.msg);
    else if (last && 'skip' in last && last.to === w.seq - 1) last.to = w.seq;
    else out.push({ skip: w.seq, to: w.seq });
  }
  return out;
}

/** Delivered one by one (`event` / `skip`, as before batching), or in batches of consecutive commits (`entries`). */
function run(log: EventMessage[], audience: Audience, connectAt: number, actions: Action[], batching = false): Run {
  const server = serverFor(log, audience);
  // A participant connects only once their join is committed: their view begins there [D5].
  const joinedAt = audience.role === 'participant' ? log.findIndex((e) => e.event.type === 'participant.joined' && e.event.participantId === audience.participantId) + 1 : 0;
  let committed = Math.min(Math.max(1, connectAt, joinedAt), log.length);
  const inFlight: { wire: Wire[]; due: number }[] = [];
  /** Commits of the batch the server is still gathering, and whether that batch is lost. */
  let gathering: Wire[] = [];
  let gatheringLost = false;
  const clock = new ManualClock();
  // Snapshots on their way, in the order the socket carries them: asked for (read later, at any
  // moment) or pushed by the server (read when pushed). Each is null until it is read.
  const snapshots: { readAt: number | null }[] = [{ readAt: null }]; // connected: the server sends one
  let resyncs = 0;
  let lost = 0;
  let pushes = 0;
  const feed = new MeetingFeed(
    {
      changed: () => undefined,
      resync: () => {
        resyncs++;
        snapshots.push({ readAt: null });
      }
    },
    { timer: clock }
  );
  feed.expectSnapshot();
  const deliver = (i: number) => {
    const [next] = inFlight.splice(i, 1);
    if (!next) return;
    if (batching) return feed.entries(entriesOf(next.wire));
    const [w] = next.wire;
    if (w?.kind === 'event') feed.event(w.msg);
    else if (w) feed.skip(w.seq);
  };
  /** The batch being gathered goes out (or is lost, as a whole): one message, due within the delay bound. */
  const sendBatch = () => {
    if (gathering.length === 0) return;
    if (gatheringLost) lost++;
    else inFlight.push({ wire: gathering, due: clock.now + MAX_DELAY_MS });
    gathering = [];
    gatheringLost = false;
  };
  /** Time passes; a broadcast still in flight arrives by its due time at the latest. */
  const wait = (ms: number) => {
    sendBatch(); // the server's window is far shorter than any wait
    const to = clock.now + ms;
    for (;;) {
      const overdue = inFlight.map((f, i) => ({ ...f, i })).filter((f) => f.due <= to).sort((a, b) => a.due - b.due)[0];
      if (!overdue) break;
      clock.advance(overdue.due);
      deliver(overdue.i);
    }
    clock.advance(to);
  };
  const step = (action: Action) => {
    switch (action.t) {
      case 'commit': {
        if (committed >= log.length) return;
        committed++;
        gathering.push(server.wire[committed - 1]!);
        // The last entry's broadcast is never lost: a client cannot know of a loss nothing follows.
        gatheringLost = committed < log.length && (gatheringLost || action.lost);
        if (committed === log.length) gatheringLost = false;
        if (!batching || !action.more) sendBatch();
        return;
      }
      case 'deliver':
        if (inFlight.length > 0) deliver(Math.min(action.pick, inFlight.length - 1));
        return;
      case 'wait':
        wait(action.ms);
        return;
      case 'read': {
        const unread = snapshots.find((snap) => snap.readAt === null);
        if (unread) unread.readAt = committed;
        return;
      }
      case 'push':
        pushes++;
        snapshots.push({ readAt: committed });
        return;
      case 'snapshot': {
        const seq = snapshots[0]?.readAt;
        if (seq == null) return;
        snapshots.shift();
        feed.snapshot(seq, server.snapshotAt(seq));
        return;
      }
    }
  };
  for (const action of actions) step(action);
  // The network goes quiet: everything is committed and delivered, every grace window runs out, and
  // every snapshot is read and delivered.
  while (committed < log.length) step({ t: 'commit', lost: false, more: false });
  sendBatch();
  for (let guard = 0; inFlight.length > 0 || snapshots.length > 0 || clock.pending > 0; guard++) {
    if (guard > 10 * log.length + 10) throw new Error('the feed never settles');
    while (inFlight.length > 0) deliver(0);
    wait(GAP_GRACE_MS);
    if (snapshots.length > 0) {
      step({ t: 'read' });
      step({ t: 'snapshot' });
    }
  }
  return { resyncs, lost, pushes, final: feed.state, expected: server.stateAt(log.length) };
}

/** A meeting where three people post n topics between them. */
const posts = (n: number) => Array.from({ length: n }, (_, i) => ({ recipe: { t: 'post' as const, who: i % 3 }, actor: null }));

const NUM_RUNS = Number(process.env.DOMAIN_RUNS ?? 150);

describe('MeetingFeed (the page copy of a meeting)', () => {
  const DELIVERY = [
    ['one by one', false],
    ['in batches', true]
  ] as const;

  it.each(DELIVERY)('settles on the server state for every audience, however broadcasts (%s) and snapshots interleave or get lost', (_, batching) => {
    fc.assert(
      fc.property(scenarioArb, fc.nat({ max: 80 }), fc.array(actionArb(true), { maxLength: 200, size: 'max' }), fc.constantFrom(...AUDIENCES), (scenario, connectAt, actions, audience) => {
        const { log } = simulate(scenario);
        const r = run(log, audience, connectAt, actions, batching);
        expect(r.final).toEqual(r.expected);
        // Every request answers a lost broadcast; a pushed snapshot older than a gap, taken while the
        // requested one is on its way, can cost one more (and nothing else can).
        expect(r.resyncs).toBeLessThanOrEqual(r.lost + r.pushes);
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it.each(DELIVERY)('asks for no snapshot at all on a network that reorders broadcasts (%s) within the grace window and loses none', (_, batching) => {
    fc.assert(
      fc.property(scenarioArb, fc.nat({ max: 80 }), fc.array(actionArb(false), { maxLength: 200, size: 'max' }), fc.constantFrom(...AUDIENCES), (scenario, connectAt, actions, audience) => {
        const { log } = simulate(scenario);
        const r = run(log, audience, connectAt, actions, batching);
        expect(r.final).toEqual(r.expected);
        expect(r.lost).toBe(0);
        // Only a pushed snapshot older than what the page already held back can leave a gap to ask about.
        expect(r.resyncs).toBeLessThanOrEqual(r.pushes);
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it('asks for exactly one snapshot per gap while one is on its way, and folds held events after it', () => {
    const { log } = simulate({ setup: true, steps: [] });
    const audience: Audience = { role: 'facilitator' };
    const server = serverFor(log, audience);
    let resyncs = 0;
    const clock = new ManualClock();
    const feed = new MeetingFeed({ changed: () => undefined, resync: () => resyncs++ }, { timer: clock });
    feed.snapshot(1, server.snapshotAt(1));
    const wire = (seq: number) => server.wire[seq - 1]!;
    const send = (w: Wire) => (w.kind === 'event' ? feed.event(w.msg) : feed.skip(w.seq));
    send(wire(3)); // 2 was lost
    send(wire(4));
    clock.advance(GAP_GRACE_MS - 1);
    expect(resyncs).toBe(0); // it may still come
    clock.advance(GAP_GRACE_MS);
    expect(resyncs).toBe(1);
    expect(feed.awaitingSnapshot).toBe(true);
    expect(feed.state!.seq).toBe(1);
    // The snapshot, read at 3, arrives after 4 and 5: it is taken, then they are folded in after it.
    send(wire(5));
    feed.snapshot(3, server.snapshotAt(3));
    expect(feed.state).toEqual(server.stateAt(5));
    expect(feed.awaitingSnapshot).toBe(false);
    expect(resyncs).toBe(1);
    // Old news (already in the state) changes nothing and asks for nothing.
    send(wire(4));
    expect(feed.state).toEqual(server.stateAt(5));
    expect(resyncs).toBe(1);
  });

  it('holds what is ahead of a gap for the grace window and folds it in order when the gap closes, asking nothing', () => {
    const { log } = simulate({ setup: true, steps: posts(4) });
    const server = serverFor(log, { role: 'facilitator' });
    const clock = new ManualClock();
    const changes: number[] = [];
    const feed = new MeetingFeed({ changed: (s) => changes.push(s.seq), resync: () => expect.unreachable('nothing was lost') }, { timer: clock });
    feed.snapshot(1, server.snapshotAt(1));
    const send = (seq: number) => {
      const w = server.wire[seq - 1]!;
      if (w.kind === 'event') feed.event(w.msg);
      else feed.skip(w.seq);
    };
    // Node B's own entries (4, 3) before node A's 2 reaches it over pub/sub.
    send(4);
    send(3);
    clock.advance(GAP_GRACE_MS - 1);
    expect(feed.state!.seq).toBe(1);
    send(2);
    expect(feed.state).toEqual(server.stateAt(4));
    expect(changes).toEqual([1, 4]);
    // The window is over and nothing is missing: nothing is asked for later either.
    clock.advance(10 * GAP_GRACE_MS);
    expect(clock.pending).toBe(0);
    for (let seq = 5; seq <= log.length; seq++) send(seq);
    expect(feed.state).toEqual(server.stateAt(log.length));
  });

  it('folds a batch (events and skip runs) exactly as the same entries one by one, with one change, from any state on the way', () => {
    // Two people who convene nothing are renamed: a run of skips for everyone but the staff and themselves.
    const step = (recipe: { t: 'post' | 'rename'; who: number }) => ({ recipe, actor: null });
    const { log } = simulate({ setup: true, steps: [step({ t: 'post', who: 0 }), step({ t: 'rename', who: 1 }), step({ t: 'rename', who: 2 }), step({ t: 'post', who: 0 })] });
    for (const audience of AUDIENCES) {
      const server = serverFor(log, audience);
      const batch = entriesOf(server.wire.slice(1));
      expect(batch.some((e) => 'skip' in e && e.to > e.skip) || audience.role === 'facilitator').toBe(true); // a real run of skips
      // The snapshot may already hold part of the batch (read after some of it was committed). A
      // participant's view begins with their own join [D5].
      const joinedAt = audience.role === 'participant' ? log.findIndex((e) => e.event.type === 'participant.joined' && e.event.participantId === audience.participantId) + 1 : 1;
      for (let at = Math.max(1, joinedAt); at <= log.length; at++) {
        const changes: number[] = [];
        const feed = new MeetingFeed({ changed: (s) => changes.push(s.seq), resync: () => expect.unreachable('nothing was lost') });
        feed.snapshot(at, server.snapshotAt(at));
        feed.entries(batch);
        expect(feed.state).toEqual(server.stateAt(log.length));
        expect(changes).toEqual(at < log.length ? [at, log.length] : [at]);
      }
    }
  });

  it('keeps its newer copy when a snapshot read before a later broadcast arrives after it', () => {
    const { log } = simulate({ setup: true, steps: [] });
    const server = serverFor(log, { role: 'board' });
    const feed = new MeetingFeed({ changed: () => undefined, resync: () => expect.unreachable('no gap here') });
    feed.snapshot(3, server.snapshotAt(3));
    const w = server.wire[3]!; // seq 4, broadcast right after the server read a snapshot at 3 for a push
    if (w.kind === 'event') feed.event(w.msg);
    else feed.skip(w.seq);
    feed.snapshot(3, server.snapshotAt(3));
    expect(feed.state).toEqual(server.stateAt(4));
    expect(feed.awaitingSnapshot).toBe(false);
  });

  it('holds at most MAX_HELD entries while a snapshot is late, and asks again for what it had to drop', () => {
    const log = simulate({ setup: true, steps: posts(45) }).log;
    const audience: Audience = { role: 'board' };
    const server = serverFor(log, audience);
    const send = (w: Wire) => (w.kind === 'event' ? feed.event(w.msg) : feed.skip(w.seq));
    let resyncs = 0;
    const clock = new ManualClock();
    const feed = new MeetingFeed({ changed: () => undefined, resync: () => resyncs++ }, { timer: clock });
    feed.expectSnapshot();
    // A snapshot that takes very long: old news (repeated) fills the buffer, and the last 7 of the
    // log's broadcasts no longer fit.
    const dropped = 7;
    for (let i = 0; i < MAX_HELD + dropped - log.length; i++) feed.skip(1);
    for (const w of server.wire) send(w);
    feed.snapshot(1, server.snapshotAt(1));
    const reached = log.length - dropped;
    expect(feed.state).toEqual(server.stateAt(reached));
    expect(resyncs).toBe(0);
    // The next broadcast shows what is missing: one snapshot is asked for, and it completes the copy.
    const later = simulate({ setup: true, steps: posts(46) }).log;
    expect(later.slice(0, log.length)).toEqual(log);
    expect(later.length).toBe(log.length + 1);
    const more = serverFor(later, audience);
    send(more.wire[log.length]!);
    clock.advance(GAP_GRACE_MS);
    expect(resyncs).toBe(1);
    feed.snapshot(log.length, more.snapshotAt(log.length));
    expect(feed.state).toEqual(more.stateAt(log.length + 1));
  });
});
