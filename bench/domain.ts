/**
 * `pnpm bench` (domain entry): what one event costs to fold as a meeting grows, on the server's full
 * state and on a phone's projected view, and how big a phone's snapshot is. Nothing is asserted; it
 * prints a table, and the figures that matter are ratios measured in the same run:
 *
 * - replay: a long meeting's log (10,000 events: 2,000 joins, 500 topic posts, 6,000 edits, the rest
 *   hides, unhides, merges, unmerges, renames and phase moves) against a short one with the same mix at
 *   a tenth of the size; cost per event long ÷ short (the goal is at most 3×: O(1) or O(log n) per event).
 * - snapshot: a participant's snapshot of a meeting of 2,000 people against one of 20, the same 200
 *   topics in both (the goal is at most 1.2×: a phone's snapshot carries counts, not the roster).
 *
 * The logs are made through `decide`, so every event is one the server would have written.
 * Env: BENCH_DOMAIN_REPEAT=11 (samples per measurement, each ~10,000 events' worth, the two logs in turn; the median is kept).
 */
import { decide, evolve, advanceSeq, projectEvent, projectState, replay, type Audience, type MeetingState, type Command, type EventMessage } from '../packages/domain/src/index.ts';
import type { Actor } from '../packages/protocol/src/index.ts';

const REPEAT = Number(process.env.BENCH_DOMAIN_REPEAT ?? 11);
const FACILITATOR: Actor = { role: 'facilitator' };
const PHONE: Audience = { role: 'participant', participantId: 'p00001', breakoutGroup: null };

interface Mix {
  joins: number;
  posts: number;
  edits: number;
  /** hides + unhides, merges + unmerges, renames and phase moves, together. */
  other: number;
}

/** A deterministic PRNG (mulberry32), so two runs make the same logs. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds a meeting's log with the given mix through decide → evolve, as the server would. */
/** A command as it was decided while a log was made: on the state after `atSeq` entries (refused ones too). */
interface Tried {
  atSeq: number;
  command: Command;
  actor: Actor;
}

export function makeLog(mix: Mix, seed = 1): { log: EventMessage[]; state: MeetingState; tried: Tried[] } {
  const random = prng(seed);
  let n = 0;
  const newId = () => `id${String(++n).padStart(7, '0')}`;
  let state: MeetingState | null = null;
  const log: EventMessage[] = [];
  let now = 1_700_000_000_000;
  let cmdNo = 0;
  const tried: Tried[] = [];
  const run = (command: Command, actor: Actor): boolean => {
    now += 10;
    tried.push({ atSeq: log.length, command, actor });
    const decision = decide(state, command, actor, { now, newId });
    if (!decision.ok) return false;
    for (const event of decision.events) {
      const entry: EventMessage = { seq: log.length + 1, at: now, actor, event };
      log.push(entry);
      state = evolve(state, entry);
    }
    return true;
  };
  const cid = () => `cmd-${String(++cmdNo).padStart(8, '0')}`;
  const current = () => state as unknown as MeetingState;

  run({ type: 'meeting.create', meetingId: 'meet0001', joinCode: '123456', title: '滨河东里议事会', groups: ['居民', '商户', '居委会'], language: 'zh-CN', templateId: 'open-space' }, FACILITATOR);
  run({ type: 'phase.advance', commandId: cid(), fromPhaseId: current().phaseId }, FACILITATOR);

  const people: string[] = [];
  for (let i = 1; i <= mix.joins; i++) {
    const id = `p${String(i).padStart(5, '0')}`;
    people.push(id);
    run({ type: 'participant.join', participantId: id, name: `居民${i}`, group: ['居民', '商户', '居委会'][i % 3]! }, { role: 'participant', participantId: id });
  }
  const topics: { id: string; by: string }[] = [];
  for (let i = 0; i < mix.posts; i++) {
    const by = people[i % people.length]!;
    const before = log.length;
    run({ type: 'topic.post', commandId: cid(), title: `议题${i}：停车和楼道堆物`, description: '' }, { role: 'participant', participantId: by });
    const ev = log[before]?.event;
    if (ev?.type === 'topic.posted') topics.push({ id: ev.topicId, by });
  }

  // Edits with the other kinds spread among them, so every event lands on a meeting of full size.
  const kinds: ('edit' | 'other')[] = [...Array<'edit'>(mix.edits).fill('edit'), ...Array<'other'>(mix.other).fill('other')];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const hidden: string[] = [];
  const merges: string[] = [];
  let otherTurn = 0;
  const pickTopic = () => topics[Math.floor(random() * topics.length)]!;
  for (const kind of kinds) {
    if (kind === 'edit') {
      for (let attempt = 0; attempt < 20; attempt++) {
        const t = pickTopic();
        if (run({ type: 'topic.edit', commandId: cid(), topicId: t.id, title: `议题 ${t.id} 第${attempt}稿`, description: '说明' }, { role: 'participant', participantId: t.by })) break;
      }
      continue;
    }
    const turn = otherTurn++ % 6;
    if (turn === 0) {
      const t = pickTopic();
      if (run({ type: 'topic.hide', commandId: cid(), topicId: t.id }, FACILITATOR)) hidden.push(t.id);
    } else if (turn === 1 && hidden.length > 0) {
      run({ type: 'topic.unhide', commandId: cid(), topicId: hidden.pop()! }, FACILITATOR);
    } else if (turn === 2) {
      const [a, b] = [pickTopic(), pickTopic()];
      const before = log.length;
      if (a.id !== b.id && run({ type: 'topic.merge', commandId: cid(), targetId: a.id, sourceIds: [b.id] }, FACILITATOR)) {
        const ev = log[before]?.event;
        if (ev?.type === 'topic.merged') merges.push(ev.mergeId);
      }
    } else if (turn === 3 && merges.length > 0) {
      run({ type: 'topic.unmerge', commandId: cid(), mergeId: merges.pop()! }, FACILITATOR);
    } else if (turn === 4) {
      const who = people[Math.floor(random() * people.length)]!;
      run({ type: 'participant.rename', commandId: cid(), participantId: who, name: `改名${otherTurn}` }, FACILITATOR);
    } else {
      // To the agenda (which still takes topics) and back.
      const s = current();
      const index = s.phases.findIndex((p) => p.id === s.phaseId);
      run({ type: index === 1 ? 'phase.advance' : 'phase.back', commandId: cid(), fromPhaseId: s.phaseId }, FACILITATOR);
    }
  }
  return { log, state: current(), tried };
}

/** The messages a phone receives for a log, after its snapshot of the first entry. */
function phoneFeed(log: EventMessage[]): { start: MeetingState; messages: ({ kind: 'event'; msg: EventMessage } | { kind: 'skip'; seq: number })[] } {
  let before = evolve(null, log[0]!);
  const start = projectState(before, PHONE);
  const messages: ({ kind: 'event'; msg: EventMessage } | { kind: 'skip'; seq: number })[] = [];
  for (const entry of log.slice(1)) {
    const after = evolve(before, entry);
    const projected = projectEvent(before, after, entry, PHONE);
    messages.push(projected ? { kind: 'event', msg: projected } : { kind: 'skip', seq: entry.seq });
    before = after;
  }
  return { start, messages };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface ReplayRow {
  name: string;
  events: number;
  /** Commands tried while the log was made (refused ones too), and the time `decide` takes for them. */
  commands: number;
  decideMs: number;
  serverMs: number;
  phoneMs: number;
}

interface ReplayCase {
  name: string;
  log: EventMessage[];
  feed: ReturnType<typeof phoneFeed>;
  tried: Tried[];
}

function prepareReplay(name: string, mix: Mix): ReplayCase {
  const { log, tried } = makeLog(mix);
  return { name, log, feed: phoneFeed(log), tried };
}

const elapsedMs = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

/** ms to replay the whole log on the server's state. */
function serverSample({ log }: ReplayCase): number {
  const started = process.hrtime.bigint();
  replay(log);
  return elapsedMs(started);
}

/** ms for a phone to fold what it receives after its snapshot. */
function phoneSample({ feed }: ReplayCase): number {
  const started = process.hrtime.bigint();
  let state = feed.start;
  for (const m of feed.messages) state = m.kind === 'event' ? evolve(state, m.msg) : advanceSeq(state, m.seq);
  return elapsedMs(started);
}

/** ms `decide` takes for every command tried while the log was made, each on the state it met (folding is not timed). */
function decideSample({ log, tried }: ReplayCase): number {
  const ctx = { now: 0, newId: () => 'bench' };
  let ms = 0;
  let state: MeetingState | null = null;
  let folded = 0;
  for (const { atSeq, command, actor } of tried) {
    while (folded < atSeq) state = evolve(state, log[folded++]!);
    const started = process.hrtime.bigint();
    for (let r = 0; r < 5; r++) decide(state, command, actor, ctx);
    ms += elapsedMs(started) / 5;
  }
  return ms;
}

/**
 * Median ms per measure and case. The samples of both cases are taken in turn, and each runs about
 * 10,000 events' worth (a short log several times over), so a load that comes and goes on a shared
 * machine, a garbage collection or code still warming up weighs on both logs alike.
 */
function measureReplays(cases: ReplayCase[]): ReplayRow[] {
  const measures = { serverMs: serverSample, phoneMs: phoneSample, decideMs: decideSample };
  const samples = cases.map(() => ({ serverMs: [] as number[], phoneMs: [] as number[], decideMs: [] as number[] }));
  for (let i = 0; i <= REPEAT; i++) {
    cases.forEach((c, k) => {
      const runs = Math.max(1, Math.round(10_000 / c.log.length));
      for (const [key, sample] of Object.entries(measures) as [keyof typeof measures, (c: ReplayCase) => number][]) {
        let ms = 0;
        for (let r = 0; r < runs; r++) ms += sample(c);
        if (i > 0) samples[k]![key].push(ms / runs); // the first round warms up
      }
    });
  }
  return cases.map((c, k) => ({
    name: c.name,
    events: c.log.length,
    commands: c.tried.length,
    serverMs: median(samples[k]!.serverMs),
    phoneMs: median(samples[k]!.phoneMs),
    decideMs: median(samples[k]!.decideMs)
  }));
}

function snapshotBytes(people: number, topics: number): number {
  const { state } = makeLog({ joins: people, posts: topics, edits: 0, other: 0 });
  return Buffer.byteLength(JSON.stringify(projectState(state, PHONE)));
}

export function runDomainBench(): void {
  console.log('\n## Domain: cost per event as a meeting grows (median of %d samples)\n', REPEAT);
  const cases = [prepareReplay('short', { joins: 200, posts: 50, edits: 600, other: 150 }), prepareReplay('long', { joins: 2000, posts: 500, edits: 6000, other: 1500 })];
  const [short, long] = measureReplays(cases) as [ReplayRow, ReplayRow];
  const us = (ms: number, events: number) => ((ms * 1000) / events).toFixed(2);
  console.log('| log | events | server replay ms | server µs/event | phone fold ms | phone µs/event | commands | decide µs/command |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of [short, long]) {
    console.log(`| ${r.name} | ${r.events} | ${r.serverMs.toFixed(1)} | ${us(r.serverMs, r.events)} | ${r.phoneMs.toFixed(1)} | ${us(r.phoneMs, r.events)} | ${r.commands} | ${us(r.decideMs, r.commands)} |`);
  }
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    `\nper-event cost long ÷ short: server ${ratio(long.serverMs / long.events, short.serverMs / short.events)}×, phone ${ratio(long.phoneMs / long.events, short.phoneMs / short.events)}× (goal: at most 3×)`
  );
  console.log(`per-command decide cost long ÷ short: ${ratio(long.decideMs / long.commands, short.decideMs / short.commands)}×`);

  console.log('\n## Domain: a phone\'s snapshot with 200 topics\n');
  const small = snapshotBytes(20, 200);
  const large = snapshotBytes(2000, 200);
  console.log('| people | participant snapshot bytes |');
  console.log('| --- | --- |');
  console.log(`| 20 | ${small} |`);
  console.log(`| 2000 | ${large} |`);
  console.log(`\nsnapshot 2000 ÷ 20 people: ${ratio(large, small)}× (goal: at most 1.2×)`);
}

if (import.meta.url === `file://${process.argv[1]}`) runDomainBench();
