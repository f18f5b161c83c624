import type { Actor } from '@yishi/protocol';
import fc from 'fast-check';
import { decide, evolve, type Decision, type MeetingState, type Command, type EventMessage, type Topic } from '../src/index.ts';
import { BOARD, cmd, createCommand, deepFreeze, FACILITATOR, participant, SECRETARY, SYSTEM } from './harness.ts';

/*
 * Random meetings: a scenario is a list of command recipes; each is resolved against the state of the
 * moment (so most ids it names exist) and sent either by the actor who would naturally send it or by a
 * random one (facilitator, secretary, board, server, participants who joined, never joined or were
 * removed). Every state the run holds is deep-frozen, so a mutation in decide or evolve throws.
 */

export const PEOPLE = ['pa01', 'pa02', 'pa03', 'pa04'] as const;
const GROUPS = ['居民', '商户', '__proto__'] as const;
const ACTORS: readonly Actor[] = [FACILITATOR, SECRETARY, BOARD, SYSTEM, ...PEOPLE.map(participant)];
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
  | { t: 'close' | 'open' | 'end' | 'create' }
  | { t: 'spotlight'; topic: number | null }
  | { t: 'paperAdd'; group: number; count: number | null }
  | { t: 'paperRemove'; paper: number }
  | { t: 'details' | 'notes' | 'publish' | 'unpublish' }
  | { t: 'docCreate'; kind: number; access: number; editors: number[] }
  | { t: 'docRename'; doc: number }
  | { t: 'docAccess'; doc: number; access: number; editors: number[] }
  | { t: 'phaseEdit'; op: number; phase: number; n: number }
  | { t: 'timer'; op: number; stale: boolean; n: number };

/**
 * What only staff may read, as the scenarios type it: paper participants' names, the record's fields and
 * notes. [D18] looks for each of these in everything a participant or the board receives.
 */
export const STAFF_ONLY = {
  paperName: (group: number) => `纸上名单${group}号`,
  place: '机密地点会议室',
  facilitatorName: '机密主持人',
  secretaryName: '机密记录员',
  notes: '机密记录第一行\n机密记录第二行'
} as const;
export const STAFF_ONLY_TEXTS = ['纸上名单', STAFF_ONLY.place, STAFF_ONLY.facilitatorName, STAFF_ONLY.secretaryName, '机密记录第'];

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
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('end' as const, 'create' as const, 'create' as const) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('spotlight' as const), topic: fc.oneof({ weight: 4, arbitrary: pick }, { weight: 1, arbitrary: fc.constant(null) }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('paperAdd' as const), group: fc.nat({ max: GROUPS.length }), count: mostlyNull(fc.integer({ min: 0, max: 501 })) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('paperRemove' as const), paper: pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('details' as const, 'notes' as const, 'publish' as const, 'unpublish' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('docCreate' as const), kind: fc.nat({ max: 2 }), access: fc.nat({ max: 3 }), editors: fc.array(fc.nat({ max: PEOPLE.length }), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('docRename' as const), doc: pick }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('docAccess' as const), doc: pick, access: fc.nat({ max: 3 }), editors: fc.array(fc.nat({ max: PEOPLE.length }), { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('phaseEdit' as const), op: fc.nat({ max: 5 }), phase: pick, n: pick }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('timer' as const), op: fc.nat({ max: 5 }), stale: fc.nat({ max: 4 }).map((n) => n === 0), n: pick }) }
);
const stepArb: fc.Arbitrary<Step> = fc.record({ recipe: recipeArb, actor: mostlyNull(fc.nat({ max: ACTORS.length - 1 })) });
/** The setup flag joins three people and opens the marketplace first, so most topic commands can succeed. */
export const scenarioArb = fc.record({ setup: fc.constantFrom(true, true, true, false), steps: fc.array(stepArb, { maxLength: 70, size: 'max' }) });
export type Scenario = { setup: boolean; steps: Step[] };

/** Meetings where the facilitator works the timer and the phases a lot, among everything else [D40, D41]. */
const timerStepArb: fc.Arbitrary<Step> = fc.record({
  recipe: fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('timer' as const), op: fc.nat({ max: 5 }), stale: fc.nat({ max: 6 }).map((n) => n === 0), n: pick }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('phaseEdit' as const), op: fc.nat({ max: 5 }), phase: pick, n: pick }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('advance' as const, 'back' as const), stale: fc.constant(null) }) },
    { weight: 2, arbitrary: recipeArb }
  ),
  actor: fc.constant(null)
});
export const timerScenarioArb = fc.record({ setup: fc.constant(true), steps: fc.array(timerStepArb, { maxLength: 40, size: 'max' }) });


function nth<T>(items: readonly T[], n: number): T {
  const item = items[n % items.length];
  if (item === undefined) throw new Error('empty choice');
  return item;
}

/** Mostly one of the real ids (in a stable order), sometimes a stranger. */
function choose(real: readonly string[], n: number): string {
  return real.length === 0 || n % 12 === 11 ? nth(STRANGERS, n) : nth(real, n);
}

function topicIds(state: MeetingState, keep: (t: Topic) => boolean = () => true): string[] {
  return [...state.topics.values()].filter(keep).sort((a, b) => a.order - b.order).map((t) => t.id);
}

function documentIds(state: MeetingState): string[] {
  return [...state.documents.values()].sort((a, b) => a.order - b.order).map((d) => d.id);
}

/** Posts mostly come from people in the meeting. */
function poster(state: MeetingState, n: number): string {
  const present = PEOPLE.filter((p) => state.participants.has(p));
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
      const convener = state.topics.get(topicId)?.convener;
      // A topic entered from a paper slip is corrected by staff; no convener at all, by someone who may not.
      const natural =
        convener?.kind === 'participant' ? participant(convener.participantId) : convener?.kind === 'named' ? (recipe.topic % 2 === 0 ? FACILITATOR : SECRETARY) : participant('pa01');
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
      const merges = [...state.merges.values()].sort((a, b) => a.order - b.order);
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
    case 'paperAdd': {
      const group = GROUPS[recipe.group] ?? '外星人';
      // Mostly a named person; sometimes a count, now and then one the schema would refuse (0, 501), which decide refuses too.
      const body = recipe.count === null ? { name: STAFF_ONLY.paperName(recipe.group) } : { count: recipe.count };
      return { command: cmd({ type: 'paper.add', group, ...body }), natural: recipe.group % 2 === 0 ? SECRETARY : FACILITATOR };
    }
    case 'paperRemove': {
      const ids = [...state.paper.values()].sort((a, b) => a.order - b.order).map((p) => p.id);
      return { command: cmd({ type: 'paper.remove', paperId: choose(ids, recipe.paper) }), natural: SECRETARY };
    }
    case 'details': {
      const { place, facilitatorName, secretaryName } = STAFF_ONLY;
      return { command: cmd({ type: 'record.details.set', place, facilitatorName, secretaryName }), natural: SECRETARY };
    }
    case 'notes':
      return { command: cmd({ type: 'record.notes.set', notes: STAFF_ONLY.notes }), natural: SECRETARY };
    case 'publish':
      return { command: cmd({ type: 'minutes.publish' }), natural: FACILITATOR };
    case 'unpublish':
      return { command: cmd({ type: 'minutes.unpublish' }), natural: FACILITATOR };
    case 'docCreate':
    case 'docAccess': {
      // Mostly a consistent access (a named set naming people, the others nobody); sometimes one decide refuses.
      const access = (['everyone', 'named', 'readonly', 'named'] as const)[recipe.access]!;
      const editors = [...new Set(recipe.editors.map((n) => nth([...PEOPLE, 'nobody9'], n)))];
      const named = access === 'named' || recipe.editors.length > 2 ? editors : [];
      const natural = recipe.access % 2 === 0 ? FACILITATOR : SECRETARY;
      if (recipe.t === 'docCreate') {
        const kind = (['charter', 'notes', 'minutesDraft'] as const)[recipe.kind]!;
        return { command: cmd({ type: 'document.create', kind, title: '章程草案', access, editors: named }), natural };
      }
      return { command: cmd({ type: 'document.access.set', docId: choose(documentIds(state), recipe.doc), access, editors: named }), natural };
    }
    case 'docRename':
      return { command: cmd({ type: 'document.rename', docId: choose(documentIds(state), recipe.doc), title: '章程 第二稿' }), natural: SECRETARY };
    case 'phaseEdit': {
      // Mostly a phase of the meeting; now and then a stranger, the current phase, or an order decide refuses [D38].
      const ids = state.phases.map((p) => p.id);
      const phaseId = choose(ids, recipe.phase);
      const kinds = ['opening', 'marketplace', 'agenda', 'breakouts', 'harvest', 'convergence', 'closing'] as const;
      switch (recipe.op) {
        case 0:
          return { command: cmd({ type: 'phase.rename', phaseId, title: recipe.n % 3 === 0 ? null : `环节${recipe.n % 4}` }), natural: FACILITATOR };
        case 1:
          return { command: cmd({ type: 'phase.add', kind: nth(kinds, recipe.n), title: recipe.n % 2 === 0 ? null : '茶歇', timeboxMinutes: recipe.n % 5 === 0 ? null : (recipe.n % 30) + 1 }), natural: FACILITATOR };
        case 2:
          return { command: cmd({ type: 'phase.remove', phaseId: recipe.n % 4 === 0 ? state.phaseId : phaseId }), natural: FACILITATOR };
        case 3: {
          // A rotation of the order; sometimes with one id dropped or doubled.
          const k = recipe.n % ids.length;
          const rotated = [...ids.slice(k), ...ids.slice(0, k)];
          const phaseIds = recipe.n % 7 === 6 ? rotated.slice(1) : recipe.n % 7 === 5 ? [...rotated.slice(1), rotated[1]!] : rotated;
          return { command: cmd({ type: 'phase.reorder', phaseIds }), natural: FACILITATOR };
        }
        default:
          return { command: cmd({ type: 'phase.timebox', phaseId, minutes: recipe.n % 4 === 0 ? null : (recipe.n % 45) + 1 }), natural: FACILITATOR };
      }
    }
    case 'timer': {
      const phaseId = recipe.stale ? choose(state.phases.map((p) => p.id), recipe.n) : state.phaseId;
      const op = (['timer.start', 'timer.pause', 'timer.resume', 'timer.extend', 'timer.reset', 'timer.start'] as const)[recipe.op]!;
      if (op === 'timer.extend') return { command: cmd({ type: op, phaseId, minutes: recipe.n % 2 === 0 ? 1 : 5 }), natural: FACILITATOR };
      if (op === 'timer.start') return { command: cmd({ type: op, phaseId, ...(recipe.n % 3 === 0 ? { seconds: recipe.n * 7 + 1 } : {}) }), natural: FACILITATOR };
      return { command: cmd({ type: op, phaseId }), natural: FACILITATOR };
    }
    case 'spotlight':
      return { command: cmd({ type: 'board.spotlight', topicId: recipe.topic === null ? null : choose(topicIds(state), recipe.topic) }), natural: FACILITATOR };
  }
}

export function makeCtx(start: number, now: number) {
  let n = start;
  return { now, newId: () => `id${String(++n).padStart(4, '0')}`, used: () => n };
}

export interface StepInfo {
  before: MeetingState;
  command: Command;
  actor: Actor;
  decision: Decision;
  idStart: number;
  now: number;
}
export interface EntryInfo {
  before: MeetingState | null;
  after: MeetingState;
  entry: EventMessage;
}
export interface Hooks {
  step?: (info: StepInfo) => void;
  entry?: (info: EntryInfo) => void;
}

/** Runs a scenario through decide → evolve as the server would; returns the log and the final state. */
export function simulate(scenario: Scenario, hooks: Hooks = {}): { log: EventMessage[]; state: MeetingState } {
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
