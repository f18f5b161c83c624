import type { EventMessage } from '@yishi/protocol';
import { accept, refuse, refuseClosed, type Decision } from '../decision.ts';
import type { Projection } from '../feature.ts';
import type { PMap } from '../pmap.ts';
import type { MeetingState, Participant, Person } from '../state.ts';
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
  return { ...state, participants: state.participants.set(event.participantId, participant), attendance: counted(state, event.group, 1) };
}

export function attendanceCounted(state: MeetingState, event: Ev<'attendance.counted'>): MeetingState {
  return { ...state, attendance: state.attendance.set(event.group, event.present) };
}

function counted(state: MeetingState, group: string, delta: number): PMap<number> {
  return state.attendance.set(group, (state.attendance.get(group) ?? 0) + delta);
}

export function participantRenamed(state: MeetingState, event: Ev<'participant.renamed'>): MeetingState {
  // A name corrected after the end is marked, so the record says it was completed afterwards [D8].
  const rename = (p: Participant): Participant => ({ ...p, name: event.name, amendedAfterEnd: p.amendedAfterEnd || state.ended });
  const people = state.people.update(event.participantId, (p) => ({ ...p, name: event.name }));
  return { ...state, participants: state.participants.update(event.participantId, rename), people };
}

/** Who someone is, as far as this state names them: anyone in the full state, the people it shows in a view. */
export function personOf(state: MeetingState, participantId: string): Person | undefined {
  const participant = state.participants.get(participantId);
  return participant === undefined ? state.people.get(participantId) : { name: participant.name, group: participant.group };
}

/** Only the removed person's own view holds their record; every other view gets `attendance.counted` (see `projectRemoved`). */
export function participantRemoved(state: MeetingState, event: Ev<'participant.removed'>): MeetingState {
  const participant = state.participants.get(event.participantId);
  if (participant === undefined || participant.removed) return state;
  return {
    ...state,
    participants: state.participants.set(event.participantId, { ...participant, removed: true }),
    attendance: counted(state, participant.group, -1)
  };
}

/** People present per stakeholder group (joined and not removed), every meeting group listed, in meeting order. */
export function participantCountsByGroup(state: MeetingState): Record<string, number> {
  return Object.fromEntries(state.groups.map((group) => [group, state.attendance.get(group) ?? 0]));
}

/** On the full state: whether the public views (the board, every phone) name this participant, who convenes a public topic. */
export function shownPublicly(state: MeetingState, participantId: string): boolean {
  return state.index.publicTopics.has(participantId);
}

/*
 * How people reach a public view, which holds head counts and names only the people it shows [D14]: a
 * join or a removal is a count change (and the person's own record on their own phone); a rename
 * reaches the views that name the person, and their own phone.
 */

function countMessage(message: EventMessage, after: MeetingState, group: string): EventMessage<MeetingLifeEvent> {
  return { ...message, event: { type: 'attendance.counted', group, present: after.attendance.get(group) ?? 0 } };
}

/**
 * The hall gets the group's new head count. The joiner gets nothing of their own here: their view begins
 * with the snapshot their first connection is sent, which holds their join (they cannot be connected
 * before the join is committed), as every view begins with a snapshot after `meeting.created` [D5].
 * A private part would be sent to a room nobody is in yet, once per join: in a hall of 2,000 joining,
 * a message per join to every node.
 */
export function projectJoined(_before: MeetingState, after: MeetingState, message: EventMessage<Ev<'participant.joined'>>): Projection<MeetingLifeEvent> {
  return { shared: countMessage(message, after, message.event.group) };
}

export function projectRenamed(before: MeetingState, _after: MeetingState, message: EventMessage<Ev<'participant.renamed'>>): Projection<MeetingLifeEvent> {
  const id = message.event.participantId;
  return shownPublicly(before, id) ? { shared: message } : { shared: null, private: [{ participantId: id, message }] };
}

export function projectRemoved(before: MeetingState, after: MeetingState, message: EventMessage<Ev<'participant.removed'>>): Projection<MeetingLifeEvent> {
  const id = message.event.participantId;
  const group = before.participants.get(id)?.group;
  // A view names a removed convener as before (their topics stand); only the count changes.
  return { shared: group === undefined ? null : countMessage(message, after, group), private: [{ participantId: id, message }] };
}
