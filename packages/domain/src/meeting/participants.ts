import type { EventMessage } from '@yishi/protocol';
import { accept, refuse, refuseClosed, type Decision } from '../decision.ts';
import type { MeetingState, Participant } from '../state.ts';
import type { MeetingLifeCmd as Cmd, MeetingLifeEv as Ev, MeetingLifeEvent } from './schemas.ts';

export function decideJoin(state: MeetingState, command: Cmd<'participant.join'>): Decision<MeetingLifeEvent> {
  if (!state.joiningOpen) return refuseClosed('joining_closed', 'joining is closed');
  if (!state.groups.includes(command.group)) return refuse('invalid', 'not a group of this meeting', 'group');
  if (state.participants.has(command.participantId)) return refuse('conflict', 'already joined');
  return accept<MeetingLifeEvent>({ type: 'participant.joined', participantId: command.participantId, name: command.name, group: command.group });
}

/** Rename and remove both need someone who is still in the meeting. */
export function decideParticipantChange(state: MeetingState, command: Cmd<'participant.rename' | 'participant.remove'>): Decision<MeetingLifeEvent> {
  const participant = state.participants.get(command.participantId);
  if (participant === undefined) return refuse('not_found', 'no such participant', 'participantId');
  if (participant.removed) return refuse('conflict', 'participant was removed', 'participantId');
  return command.type === 'participant.rename'
    ? accept<MeetingLifeEvent>({ type: 'participant.renamed', participantId: command.participantId, name: command.name })
    : accept<MeetingLifeEvent>({ type: 'participant.removed', participantId: command.participantId });
}

export function participantJoined(state: MeetingState, event: Ev<'participant.joined'>, entry: EventMessage): MeetingState {
  const participant = { id: event.participantId, name: event.name, group: event.group, joinedAt: entry.at, order: entry.seq, removed: false, amendedAfterEnd: false };
  return { ...state, participants: state.participants.set(event.participantId, participant) };
}

export function participantRenamed(state: MeetingState, event: Ev<'participant.renamed'>): MeetingState {
  // A name corrected after the end is marked, so the record says it was completed afterwards [D8].
  const rename = (p: Participant): Participant => ({ ...p, name: event.name, amendedAfterEnd: p.amendedAfterEnd || state.ended });
  return { ...state, participants: state.participants.update(event.participantId, rename) };
}

export function participantRemoved(state: MeetingState, event: Ev<'participant.removed'>): MeetingState {
  return { ...state, participants: state.participants.update(event.participantId, (p) => ({ ...p, removed: true })) };
}

/** People present per stakeholder group (joined and not removed), every meeting group listed, in meeting order. */
export function participantCountsByGroup(state: MeetingState): Record<string, number> {
  const counts = new Map<string, number>(state.groups.map((group) => [group, 0]));
  for (const participant of state.participants.values()) {
    if (!participant.removed) counts.set(participant.group, (counts.get(participant.group) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}
