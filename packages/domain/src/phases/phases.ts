import type { Phase } from '@yishi/protocol';
import { accept, refuse, type Decision } from '../decision.ts';
import type { MeetingState } from '../state.ts';
import type { PhaseCommand, PhaseEvent } from './schemas.ts';

export function currentPhase(state: MeetingState): Phase {
  const phase = state.phases.find((p) => p.id === state.phaseId);
  if (phase === undefined) throw new Error(`meeting ${state.meetingId}: current phase ${state.phaseId} is not among its phases`);
  return phase;
}

export function currentPhaseIndex(state: MeetingState): number {
  return state.phases.findIndex((p) => p.id === state.phaseId);
}

/** `fromPhaseId` must be the current phase, so a double click or a stale console moves one phase, not two. */
export function decidePhaseMove(state: MeetingState, command: PhaseCommand): Decision<PhaseEvent> {
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

export function phaseChanged(state: MeetingState, event: PhaseEvent): MeetingState {
  return { ...state, phaseId: event.toPhaseId };
}
