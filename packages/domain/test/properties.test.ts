import type { Actor, Command, EventMessage } from '@yishi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advanceSeq,
  convenersOf,
  decide,
  evolve,
  MAX_OPEN_TOPICS_PER_PARTICIPANT,
  projectEvent,
  projectState,
  replay,
  visibleTopics,
  type Audience,
  type Decision,
  type MeetingState
} from '../src/index.ts';
import { BOARD, cmd, createCommand, deepFreeze, FACILITATOR, participant, SECRETARY, SYSTEM } from './harness.ts';

/*
 * Random meetings: a scenario is a list of command recipes; each is resolved against the state of the
 * moment (so most ids it names exist) and sent either by the actor who would naturally send it or by a
 * random one (facilitator, secretary, board, server, participants who joined, never joined or were
 * removed). Every state the run holds is deep-frozen, so a mutation in decide or evolve throws.
 */

const PEOPLE = ['pa01', 'pa02', 'pa03', 'pa04'] as const;
const GROUPS = ['居民', '商户', '__proto__'] as const;
const ACTORS: readonly Actor[] = [FACILITATOR, SECRETARY, BOARD, SYSTEM, ...PEOPLE.map(participant)];
const AUDIENCES: readonly Audience[] = [
  { role: 'facilitator' },
  { role: 'secretary' },
  { role: 'board' },
  { role: 'participant', participantId: 'pa01' },
  { role: 'participant', participantId: 'pa04' }
];
const REDACTED_AUDIENCES = AUDIENCES.filter((a) => a.role === 'board' || a.role === 'participant');
/** Ids that exist in no meeting, including ones a plain object would find on its prototype. */
const STRANGERS = ['nope0000', '__proto__', 'constructor'];

type Recipe =
  | { t: 'join'; who: number; group: number }
  | { t: 'post'; who: number }
  | { t: 'edit' | 'withdraw' | 'hide' | 'unhide'; topic: number }
  | { t: 'postFor'; group: number }
  | { t: 'merge'; target: number; sources: number[] }
  | { t: 'unmerge'; merge: number }
  | { t: 'rename' | 'remove'; who: number }
  | { t: 'advance' | 'back'; stale: number | null }
  | { t: 'close' | 'open' | 'end' | 'create' };

interface Step {
  recipe: Recipe;
  /** null: the natural sender; else an index into ACTORS. */
  actor: number | null;
}

const pick = fc.nat({ max: 60 });
/** Mostly null (the usual case), sometimes a value. */
const mostlyNull = <T,>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('join' as const), who: fc.nat({ max: PEOPLE.length - 1 }), group: fc.nat({ max: GROUPS.length }) }) },
  { weight: 12, arbitrary: fc.record({ t: fc.constant('post' as const), who: fc.nat({ max: PEOPLE.length - 1 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('postFor' as const), group: fc.nat({ max: GROUPS.length + 1 }) }) },
  { weight: 12, arbitrary: fc.record({ t: fc.constantFrom('edit' as const, 'withdraw' as const, 'hide' as const, 'unhide' as const), topic: pick }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('merge' as const), target: pick, sources: fc.array(pick, { minLength: 1, maxLength: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('unmerge' as const), merge: pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('rename' as const, 'remove' as const), who: fc.nat({ max: PEOPLE.length }) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constantFrom('advance' as const, 'back' as const), stale: mostlyNull(pick) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('close' as const, 'open' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('end' as const, 'create' as const, 'create' as const) }) }
);
const stepArb: fc.Arbitrary<Step> = fc.record({ recipe: recipeArb, actor: mostlyNull(fc.nat({ max: ACTORS.length - 1 })) });
/** The setup flag joins three people and opens the marketplace first, so most topic commands can succeed. */
const scenarioArb = fc.record({ setup: fc.constantFrom(true, true, true, false), steps: fc.array(stepArb, { maxLength: 70, size: 'max' }) });
type Scenario = { setup: boolean; steps: Step[] };

const NUM_RUNS = Number(process.env.DOMAIN_RUNS ?? 150);

function nth<T>(items: readonly T[], n: number): T {
  const item = items[n % items.length];
  if (item === undefined) throw new Error('empty choice');
  return item;
}

/** Mostly one of the real ids (in a stable order), sometimes a stranger. */
function choose(real: readonly string[], n: number): string {
  return real.length === 0 || n % 12 === 11 ? nth(STRANGERS, n) : nth(real, n);
}

function topicIds(state: MeetingState, keep: (t: MeetingState['topics'][string]) => boolean = () => true): string[] {
  return Object.values(state.topics).filter(keep).sort((a, b) => a.order - b.order).map((t) => t.id);
}

/** Posts mostly come from people in the meeting. */
function poster(state: MeetingState, n: number): string {
  const present = PEOPLE.filter((p) => Object.hasOwn(state.participants, p));
  return n % 5 === 4 || present.length === 0 ? nth(PEOPLE, n) : nth(present, n);
}

/** Turns a recipe into a concrete command and the actor who would naturally send it. */
function resolve(recipe: Recipe, state: MeetingState): { command: Command; natural: Actor } {
  switch (recipe.t) {
    case 'join': {
      const who = nth(PEOPLE, recipe.who);
      const group = GROUPS[recipe.group] ?? '外星人';
      return { command: { type: 'participant.join', participantId: who, name: `名${who}`, group }, natural: participant(who) };
    }
    case 'post':
      return { command: cmd({ type: 'topic.post', title: '停车难', description: '' }), natural: participant(poster(state, recipe.who)) };
    case 'postFor':
      return {
        command: cmd({ type: 'topic.postFor', title: '加装电梯', description: '', convenerName: '王阿姨', convenerGroup: recipe.group === 0 ? null : (GROUPS[recipe.group - 1] ?? '外星人') }),
        natural: recipe.group % 2 === 0 ? FACILITATOR : SECRETARY
      };
    case 'edit':
    case 'withdraw': {
      const topicId = choose(topicIds(state), recipe.topic);
      const convener = Object.hasOwn(state.topics, topicId) ? state.topics[topicId]?.convener : undefined;
      const natural = convener?.kind === 'participant' ? participant(convener.participantId) : participant('pa01');
      const command = recipe.t === 'edit' ? cmd({ type: 'topic.edit', topicId, title: '改过的', description: '细节' }) : cmd({ type: 'topic.withdraw', topicId });
      return { command, natural };
    }
    case 'hide':
      return { command: cmd({ type: 'topic.hide', topicId: choose(topicIds(state), recipe.topic) }), natural: FACILITATOR };
    case 'unhide': {
      // Mostly a hidden topic, so unhiding (and its projection) is exercised.
      const hidden = topicIds(state, (t) => t.hidden);
      const topicId = choose(recipe.topic % 2 === 0 && hidden.length > 0 ? hidden : topicIds(state), recipe.topic);
      return { command: cmd({ type: 'topic.unhide', topicId }), natural: FACILITATOR };
    }
    case 'merge': {
      const ids = topicIds(state);
      const sourceIds = [...new Set(recipe.sources.map((n) => choose(ids, n)))];
      return { command: cmd({ type: 'topic.merge', targetId: choose(ids, recipe.target), sourceIds }), natural: FACILITATOR };
    }
    case 'unmerge':
    {
      const merges = Object.values(state.merges).sort((a, b) => a.order - b.order);
      const active = merges.filter((m) => m.active);
      const mergeId = choose((recipe.merge % 3 === 0 || active.length === 0 ? merges : active).map((m) => m.id), recipe.merge);
      return { command: cmd({ type: 'topic.unmerge', mergeId }), natural: FACILITATOR };
    }
    case 'rename':
    case 'remove': {
      const participantId = nth([...PEOPLE, 'nobody9'], recipe.who);
      const command = recipe.t === 'rename' ? cmd({ type: 'participant.rename', participantId, name: '新名字' }) : cmd({ type: 'participant.remove', participantId });
      return { command, natural: FACILITATOR };
    }
    case 'advance':
    case 'back': {
      const fromPhaseId = recipe.stale === null ? state.phaseId : nth(state.phases, recipe.stale).id;
      return { command: cmd({ type: recipe.t === 'advance' ? 'phase.advance' : 'phase.back', fromPhaseId }), natural: FACILITATOR };
    }
    case 'close':
      return { command: cmd({ type: 'joining.close' }), natural: FACILITATOR };
    case 'open':
      return { command: cmd({ type: 'joining.open' }), natural: FACILITATOR };
    case 'end':
      return { command: cmd({ type: 'meeting.end' }), natural: FACILITATOR };
    case 'create':
      return { command: createCommand([...GROUPS]), natural: SYSTEM };
  }
}

function makeCtx(start: number, now: number) {
  let n = start;
  return { now, newId: () => `id${String(++n).padStart(4, '0')}`, used: () => n };
}

interface StepInfo {
  before: MeetingState;
  command: Command;
  actor: Actor;
  decision: Decision;
  idStart: number;
  now: number;
}
interface EntryInfo {
  before: MeetingState | null;
  after: MeetingState;
  entry: EventMessage;
}
interface Hooks {
  step?: (info: StepInfo) => void;
  entry?: (info: EntryInfo) => void;
}

/** Runs a scenario through decide → evolve as the server would; returns the log and the final state. */
function simulate(scenario: Scenario, hooks: Hooks = {}): { log: EventMessage[]; state: MeetingState } {
  const log: EventMessage[] = [];
  let state: MeetingState | null = null;
  let nextId = 0;
  let now = 1_700_000_000_000;
  const send = (command: Command, actor: Actor): Decision => {
    now += 1000;
    const ctx = makeCtx(nextId, now);
    const before = state;
    const decision = decide(before, command, actor, ctx);
    if (before !== null) hooks.step?.({ before, command, actor, decision, idStart: nextId, now });
    nextId = ctx.used();
    if (decision.ok) {
      for (const event of decision.events) {
        const entry = deepFreeze<EventMessage>({ seq: log.length + 1, at: now, actor, event });
        const prev: MeetingState | null = state;
        const next: MeetingState = deepFreeze(evolve(prev, entry));
        log.push(entry);
        hooks.entry?.({ before: prev, after: next, entry });
        state = next;
      }
    }
    return decision;
  };
  send(createCommand([...GROUPS]), FACILITATOR);
  if (scenario.setup) {
    for (const who of ['pa01', 'pa02', 'pa03']) send({ type: 'participant.join', participantId: who, name: who, group: '居民' }, participant(who));
    send(cmd({ type: 'phase.advance', fromPhaseId: (state as MeetingState | null)?.phaseId ?? '' }), FACILITATOR);
  }
  for (const step of scenario.steps) {
    const current: MeetingState | null = state;
    if (current === null) throw new Error('meeting was not created');
    const { command, natural } = resolve(step.recipe, current);
    send(command, step.actor === null ? natural : nth(ACTORS, step.actor));
  }
  if (state === null) throw new Error('meeting was not created');
  return { log, state };
}

/** The rights as the design states them, written independently of the domain's table. */
function mayIssue(state: MeetingState, command: Command, actor: Actor): boolean {
  switch (actor.role) {
    case 'board':
      return false;
    case 'secretary':
      return command.type === 'topic.postFor';
    case 'system':
      return command.type === 'meeting.create' || command.type === 'participant.join';
    case 'facilitator':
      return !['topic.post', 'topic.edit', 'topic.withdraw', 'participant.join'].includes(command.type);
    case 'participant': {
      const me = Object.hasOwn(state.participants, actor.participantId) ? state.participants[actor.participantId] : undefined;
      if (me?.removed) return false;
      if (command.type === 'participant.join') return command.participantId === actor.participantId;
      if (me === undefined) return false;
      if (command.type === 'topic.post') return true;
      if (command.type === 'topic.edit' || command.type === 'topic.withdraw') {
        const topic = Object.hasOwn(state.topics, command.topicId) ? state.topics[command.topicId] : undefined;
        return topic === undefined || (topic.convener.kind === 'participant' && topic.convener.participantId === actor.participantId);
      }
      return false;
    }
  }
}

const run = (predicate: (scenario: Scenario) => void) => fc.assert(fc.property(scenarioArb, predicate), { numRuns: NUM_RUNS });

describe('domain properties', () => {
  it('[D1] a JSON snapshot taken mid-way plus the tail equals replaying the whole log', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (scenario, cut) => {
        const { log, state } = simulate(scenario);
        const k = 1 + (cut % log.length);
        const snapshot = JSON.parse(JSON.stringify(replay(log.slice(0, k)))) as MeetingState;
        expect(replay(log.slice(k), snapshot)).toStrictEqual(replay(log));
        expect(replay(log)).toStrictEqual(state);
        expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it('[D2] a command from a role without the right returns an error and changes nothing', () => {
    let refusedForRole = 0;
    run((scenario) => {
      simulate(scenario, {
        step: ({ before, command, actor, decision }) => {
          if (mayIssue(before, command, actor)) return;
          refusedForRole++;
          expect(decision).toMatchObject({ ok: false, error: { code: before.ended ? 'closed' : 'forbidden' } });
          expect(decision).not.toHaveProperty('events');
          // `before` is deep-frozen, so decide could not have written to it; an unfrozen copy stays equal too.
          const copy = JSON.parse(JSON.stringify(before)) as MeetingState;
          decide(copy, command, actor, makeCtx(0, 0));
          expect(copy).toStrictEqual(before);
        }
      });
    });
    expect(refusedForRole).toBeGreaterThan(NUM_RUNS);
  });

  it('[D3] merged topics keep every convener; a topic merged into nothing has just its own', () => {
    let checkedMerges = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ after }) => {
          const targets = new Set<string>();
          for (const merge of Object.values(after.merges)) {
            if (!merge.active) continue;
            targets.add(merge.targetId);
            const conveners = convenersOf(after, merge.targetId);
            expect(conveners[0]).toEqual(after.topics[merge.targetId]?.convener);
            for (const sourceId of merge.sourceIds) expect(conveners).toContainEqual(after.topics[sourceId]?.convener);
            checkedMerges++;
          }
          for (const topic of Object.values(after.topics)) {
            if (!targets.has(topic.id)) expect(convenersOf(after, topic.id)).toEqual([topic.convener]);
          }
        }
      });
    });
    // The generator reaches active merges ~270 times per 150 runs (seen as low as 166); a loose bound keeps
    // this coverage check from failing on an unlucky seed while still catching a generator that stops merging.
    expect(checkedMerges).toBeGreaterThan(NUM_RUNS / 3);
  });

  it('[D4] a withdrawn or hidden topic is never in projectState or visibleTopics for participants or the board', () => {
    let redactedSeen = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ after }) => {
          const redacted = Object.values(after.topics).filter((t) => t.hidden || t.withdrawn).map((t) => t.id);
          const published = Object.values(after.topics).filter((t) => !t.hidden && !t.withdrawn).map((t) => t.id);
          redactedSeen += redacted.length;
          for (const audience of REDACTED_AUDIENCES) {
            const view = projectState(after, audience);
            expect(Object.keys(view.topics).sort()).toEqual([...published].sort());
            for (const rows of [visibleTopics(after, audience), visibleTopics(view, audience), visibleTopics(view)]) {
              const shown = rows.flatMap((r) => [r.topic, ...r.merges.flatMap((m) => m.sources)]);
              expect(shown.filter((t) => redacted.includes(t.id))).toEqual([]);
              expect(shown.map((t) => t.id).sort()).toEqual([...published].sort());
            }
            expect(visibleTopics(view, audience)).toEqual(visibleTopics(after, audience));
          }
        }
      });
    });
    expect(redactedSeen).toBeGreaterThan(NUM_RUNS);
  });

  it('[D5] for every audience, projecting the state after an entry equals folding the projected entry into the projected state before', () => {
    let dropped = 0;
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (scenario, cut) => {
        // Each audience also follows the stream as a client would, from a projected JSON snapshot.
        const clients = new Map<Audience, MeetingState>();
        const snapshotAt = 1 + (cut % 40);
        simulate(scenario, {
          entry: ({ before, after, entry }) => {
            for (const audience of AUDIENCES) {
              const projected = projectEvent(before, after, entry, audience);
              const expected = projectState(after, audience);
              if (before === null) {
                // meeting.created: a client starts from a projected snapshot, so the law starts there.
                if (projected === null) throw new Error('meeting.created was dropped');
                expect(projectState(evolve(null, projected), audience)).toStrictEqual(expected);
                clients.set(audience, expected);
                continue;
              }
              const from = projectState(before, audience);
              if (projected === null) {
                dropped++;
                expect(advanceSeq(from, entry.seq)).toStrictEqual(expected);
              } else {
                expect(evolve(from, projected)).toStrictEqual(expected);
              }
              const previous = clients.get(audience);
              if (!previous) throw new Error('client has no state');
              let client = projected === null ? advanceSeq(previous, entry.seq) : evolve(previous, projected);
              if (entry.seq === snapshotAt) client = JSON.parse(JSON.stringify(expected)) as MeetingState;
              expect(client).toStrictEqual(expected);
              clients.set(audience, client);
            }
          }
        });
      }),
      { numRuns: NUM_RUNS }
    );
    expect(dropped).toBeGreaterThan(0);
  });

  it('[D6] decide is deterministic and pure: same state, command and context give the same result; the state is not touched', () => {
    run((scenario) => {
      simulate(scenario, {
        step: ({ before, command, actor, decision, idStart, now }) => {
          // `before` is deep-frozen: a write inside decide would have thrown already.
          const json = JSON.stringify(before);
          expect(decide(before, command, actor, makeCtx(idStart, now))).toStrictEqual(decision);
          expect(decide(JSON.parse(json) as MeetingState, command, actor, makeCtx(idStart, now))).toStrictEqual(decision);
          expect(JSON.stringify(before)).toBe(json);
        }
      });
    });
  });

  it('[D7] structural invariants: merges are one level deep, merged topics stand, topic caps hold, seq counts the log', () => {
    run((scenario) => {
      const { log, state } = simulate(scenario, {
        entry: ({ after, entry }) => {
          expect(after.seq).toBe(entry.seq);
          expect(after.phases.map((p) => p.id)).toContain(after.phaseId);
          const active = Object.values(after.merges).filter((m) => m.active);
          const sources = active.flatMap((m) => m.sourceIds);
          expect(new Set(sources).size).toBe(sources.length);
          for (const merge of active) {
            expect(sources).not.toContain(merge.targetId);
            for (const id of [merge.targetId, ...merge.sourceIds]) expect(after.topics[id]?.withdrawn).toBe(false);
          }
          for (const who of PEOPLE) {
            const standing = Object.values(after.topics).filter((t) => !t.withdrawn && t.convener.kind === 'participant' && t.convener.participantId === who);
            expect(standing.length).toBeLessThanOrEqual(MAX_OPEN_TOPICS_PER_PARTICIPANT);
          }
        }
      });
      expect(state.seq).toBe(log.length);
      expect(log.filter((e) => e.event.type === 'meeting.ended').length).toBeLessThanOrEqual(1);
    });
  });
});
