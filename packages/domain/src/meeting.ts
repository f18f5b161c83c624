import type { Actor, Command, EventMessage, MeetingEvent } from '@yishi/protocol';
import { accept, refuse, refuseClosed, type DecideContext, type Decision } from './decision.ts';
import { currentPhaseIndex } from './selectors.ts';
import type { MeetingState } from './state.ts';
import { createPhases } from './templates.ts';

type Cmd<T extends Command['type']> = Extract<Command, { type: T }>;
type Ev<T extends MeetingEvent['type']> = Extract<MeetingEvent, { type: T }>;

export function decideCreate(command: Cmd<'meeting.create'>, ctx: DecideContext): Decision {
  return accept({
    type: 'meeting.created',
    meetingId: command.meetingId,
    joinCode: command.joinCode,
    title: command.title,
    templateId: command.templateId,
    language: command.language,
    groups: [...command.groups],
    phases: createPhases(command.templateId, ctx.newId)
  });
}

/** `fromPhaseId` must be the current phase, so a double click or a stale console moves one phase, not two. */
export function decidePhaseMove(state: MeetingState, command: Cmd<'phase.advance' | 'phase.back'>): Decision {
  const index = currentPhaseIndex(state);
  const current = state.phases[index];
  if (current === undefined || command.fromPhaseId !== current.id) {
    return refuse('conflict', 'the meeting is no longer in that phase', 'fromPhaseId');
  }
  const to = state.phases[command.type === 'phase.advance' ? index + 1 : index - 1];
  if (to === undefined) {
    return refuse('conflict', command.type === 'phase.advance' ? 'already in the last phase' : 'already in the first phase');
  }
  return accept({ type: 'phase.changed', fromPhaseId: current.id, toPhaseId: to.id });
}

export function decideJoining(state: MeetingState, command: Cmd<'joining.close' | 'joining.open'>): Decision {
  if (command.type === 'joining.close') {
    return state.joiningOpen ? accept({ type: 'joining.closed' }) : refuse('conflict', 'joining is already closed');
  }
  return state.joiningOpen ? refuse('conflict', 'joining is already open') : accept({ type: 'joining.opened' });
}

export function decideEnd(): Decision {
  return accept({ type: 'meeting.ended' });
}

/** What staff may still do once the meeting is over: complete the record, each change marked as made after the end. */
const RECORD_AFTER_END: ReadonlySet<Command['type']> = new Set(['participant.rename', 'topic.postFor', 'topic.edit', 'topic.withdraw']);

/**
 * After `meeting.end` participants can do nothing and nobody moderates (no hide, merge, remove, phase
 * move or joining); the facilitator and the secretary may still complete the record [D8]. A join gets
 * its own reason, because the join page words it as joining.
 */
export function refuseAfterEnd(command: Command, actor: Actor): Decision | null {
  if (command.type === 'participant.join') return refuseClosed('meeting_ended', 'the meeting has ended');
  const staff = actor.role === 'facilitator' || actor.role === 'secretary';
  return staff && RECORD_AFTER_END.has(command.type) ? null : refuseClosed('after_end', 'the meeting has ended');
}

export function meetingCreated(event: Ev<'meeting.created'>, entry: EventMessage): MeetingState {
  const first = event.phases[0];
  if (first === undefined) throw new Error(`meeting ${event.meetingId} was created without phases`);
  return {
    view: 'full',
    seq: entry.seq,
    meetingId: event.meetingId,
    joinCode: event.joinCode,
    title: event.title,
    templateId: event.templateId,
    language: event.language,
    groups: [...event.groups],
    phases: event.phases,
    phaseId: first.id,
    joiningOpen: true,
    ended: false,
    createdAt: entry.at,
    endedAt: null,
    participants: {},
    topics: {},
    merges: {},
    spotlight: null
  };
}

export function phaseChanged(state: MeetingState, event: Ev<'phase.changed'>): MeetingState {
  return { ...state, phaseId: event.toPhaseId };
}

export function joiningChanged(state: MeetingState, open: boolean): MeetingState {
  return { ...state, joiningOpen: open };
}

export function meetingEnded(state: MeetingState, entry: EventMessage): MeetingState {
  return { ...state, ended: true, endedAt: entry.at, spotlight: null };
}
