import type { Phase } from '@yishi/protocol';
import { accept, refuse, type DecideContext, type Decision } from '../decision.ts';
import type { MeetingState } from '../state.ts';
import { MAX_PHASES, type PhaseCmd, type PhaseCommand, type PhaseEv, type PhaseEvent } from './schemas.ts';
import { draftOf } from './templates.ts';

export function currentPhase(state: MeetingState): Phase {
  const phase = state.phases.find((p) => p.id === state.phaseId);
  if (phase === undefined) throw new Error(`meeting ${state.meetingId}: current phase ${state.phaseId} is not among its phases`);
  return phase;
}

export function currentPhaseIndex(state: MeetingState): number {
  return state.phases.findIndex((p) => p.id === state.phaseId);
}

/** `fromPhaseId` must be the current phase, so a double click or a stale console moves one phase, not two. */
export function decidePhaseMove(state: MeetingState, command: PhaseCmd<'phase.advance' | 'phase.back'>): Decision<PhaseEvent> {
  const index = currentPhaseIndex(state);
  const current = state.phases[index];
  if (current === undefined || command.fromPhaseId !== current.id) {
    return refuse('conflict', 'the meeting is no longer in that phase', 'fromPhaseId');
  }
  const to = state.phases[command.type === 'phase.advance' ? index + 1 : index - 1];
  if (to === undefined) {
    return refuse('conflict', command.type === 'phase.advance' ? 'already in the last phase' : 'already in the first phase');
  }
  return accept<PhaseEvent>({ type: 'phase.changed', fromPhaseId: current.id, toPhaseId: to.id });
}

const find = (state: MeetingState, phaseId: string) => state.phases.find((p) => p.id === phaseId);
const unknown = () => refuse('not_found', 'no such phase in this meeting', 'phaseId');

/*
 * The facilitator shapes the agenda before and during the meeting [D38]. A phase that has run (the
 * current one included) stays: the minutes' agenda names it with its times, and the log's phase moves
 * point at it. Everything else may be renamed, retimed, moved or removed.
 */

export function decideRename(state: MeetingState, command: PhaseCmd<'phase.rename'>): Decision<PhaseEvent> {
  const phase = find(state, command.phaseId);
  if (phase === undefined) return unknown();
  if (phase.title === command.title) return refuse('conflict', 'the phase already has that title', 'title');
  return accept<PhaseEvent>({ type: 'phase.renamed', phaseId: phase.id, phaseTitle: command.title });
}

export function decideAdd(state: MeetingState, command: PhaseCmd<'phase.add'>, _actor: unknown, ctx: DecideContext): Decision<PhaseEvent> {
  if (state.phases.length >= MAX_PHASES) return refuse('too_large', `a meeting has at most ${MAX_PHASES} phases`);
  const draft = draftOf(command.kind, command.title, command.timeboxMinutes);
  return accept<PhaseEvent>({ type: 'phase.added', phase: { id: ctx.newId(), ...draft } });
}

export function decideRemove(state: MeetingState, command: PhaseCmd<'phase.remove'>): Decision<PhaseEvent> {
  const phase = find(state, command.phaseId);
  if (phase === undefined) return unknown();
  if (phase.id === state.phaseId) return refuse('conflict', 'the current phase cannot be removed', 'phaseId');
  if (state.phasesReached.includes(phase.id)) return refuse('conflict', 'a phase that has run stays in the record', 'phaseId');
  return accept<PhaseEvent>({ type: 'phase.removed', phaseId: phase.id });
}

export function decideReorder(state: MeetingState, command: PhaseCmd<'phase.reorder'>): Decision<PhaseEvent> {
  const ids = command.phaseIds;
  const known = new Set(state.phases.map((p) => p.id));
  const given = new Set(ids);
  if (ids.length !== state.phases.length || given.size !== ids.length || ids.some((id) => !known.has(id))) {
    return refuse('invalid', "the new order must name every phase of the meeting exactly once", 'phaseIds');
  }
  if (ids.every((id, i) => state.phases[i]!.id === id)) return refuse('conflict', 'the phases are already in that order', 'phaseIds');
  return accept<PhaseEvent>({ type: 'phase.reordered', phaseIds: [...ids] });
}

export function decideTimebox(state: MeetingState, command: PhaseCmd<'phase.timebox'>): Decision<PhaseEvent> {
  const phase = find(state, command.phaseId);
  if (phase === undefined) return unknown();
  if (phase.timeboxMinutes === command.minutes) return refuse('conflict', 'the phase already has that timebox', 'minutes');
  return accept<PhaseEvent>({ type: 'phase.timeboxSet', phaseId: phase.id, minutes: command.minutes });
}

/** A phase move also stops the timer: the new phase's timebox waits for the facilitator to start it [D40]. */
export function phaseChanged(state: MeetingState, event: PhaseEv<'phase.changed'>): MeetingState {
  const reached = state.phasesReached.includes(event.toPhaseId) ? state.phasesReached : [...state.phasesReached, event.toPhaseId];
  return { ...state, phaseId: event.toPhaseId, phasesReached: reached, timer: null };
}

const edit = (state: MeetingState, phaseId: string, change: (phase: Phase) => Phase): MeetingState => ({
  ...state,
  phases: state.phases.map((p) => (p.id === phaseId ? change(p) : p))
});

export function phaseRenamed(state: MeetingState, event: PhaseEv<'phase.renamed'>): MeetingState {
  return edit(state, event.phaseId, (p) => ({ ...p, title: event.phaseTitle }));
}

export function phaseTimeboxSet(state: MeetingState, event: PhaseEv<'phase.timeboxSet'>): MeetingState {
  return edit(state, event.phaseId, (p) => ({ ...p, timeboxMinutes: event.minutes }));
}

export function phaseAdded(state: MeetingState, event: PhaseEv<'phase.added'>): MeetingState {
  return { ...state, phases: [...state.phases, event.phase] };
}

export function phaseRemoved(state: MeetingState, event: PhaseEv<'phase.removed'>): MeetingState {
  return { ...state, phases: state.phases.filter((p) => p.id !== event.phaseId) };
}

export function phaseReordered(state: MeetingState, event: PhaseEv<'phase.reordered'>): MeetingState {
  const byId = new Map(state.phases.map((p) => [p.id, p]));
  return { ...state, phases: event.phaseIds.flatMap((id) => byId.get(id) ?? []) };
}

export type { PhaseCommand };
