import { DEFAULT_TIME_ZONE, type EventMessage } from '@yishi/protocol';
import { accept, refuse, type DecideContext, type Decision } from '../decision.ts';
import { emptyIndex } from '../indexes.ts';
import { createPhases } from '../phases/templates.ts';
import { PMap } from '../pmap.ts';
import type { MeetingState } from '../state.ts';
import type { MeetingLifeCmd, MeetingLifeEv, MeetingLifeEvent } from './schemas.ts';

export function decideCreate(command: MeetingLifeCmd<'meeting.create'>, ctx: DecideContext): Decision<MeetingLifeEvent> {
  return accept<MeetingLifeEvent>({
    type: 'meeting.created',
    meetingId: command.meetingId,
    joinCode: command.joinCode,
    title: command.title,
    templateId: command.templateId,
    language: command.language,
    groups: [...command.groups],
    phases: createPhases(command.templateId, ctx.newId),
    timeZone: command.timeZone ?? DEFAULT_TIME_ZONE
  });
}

export function decideJoining(state: MeetingState, command: MeetingLifeCmd<'joining.close' | 'joining.open'>): Decision<MeetingLifeEvent> {
  if (command.type === 'joining.close') {
    return state.joiningOpen ? accept<MeetingLifeEvent>({ type: 'joining.closed' }) : refuse('conflict', 'joining is already closed');
  }
  return state.joiningOpen ? refuse('conflict', 'joining is already open') : accept<MeetingLifeEvent>({ type: 'joining.opened' });
}

export function decideEnd(): Decision<MeetingLifeEvent> {
  return accept<MeetingLifeEvent>({ type: 'meeting.ended' });
}

export function meetingCreated(event: MeetingLifeEv<'meeting.created'>, entry: EventMessage): MeetingState {
  const first = event.phases[0];
  if (first === undefined) throw new Error(`meeting ${event.meetingId} was created without phases`);
  return {
    view: 'full',
    self: null,
    seq: entry.seq,
    meetingId: event.meetingId,
    joinCode: event.joinCode,
    title: event.title,
    templateId: event.templateId,
    language: event.language,
    groups: [...event.groups],
    phases: event.phases,
    phaseId: first.id,
    phasesReached: [first.id],
    timer: null,
    joiningOpen: true,
    ended: false,
    timeZone: event.timeZone ?? DEFAULT_TIME_ZONE,
    createdAt: entry.at,
    endedAt: null,
    participants: PMap.empty(),
    people: PMap.empty(),
    attendance: PMap.fromEntries(event.groups.map((group) => [group, 0])),
    topics: PMap.empty(),
    merges: PMap.empty(),
    spotlight: null,
    paper: PMap.empty(),
    paperCount: PMap.fromEntries(event.groups.map((group) => [group, 0])),
    record: { place: '', facilitatorName: '', secretaryName: '', notes: '' },
    minutesPublished: false,
    documents: PMap.empty(),
    boardDocument: null,
    index: emptyIndex()
  };
}

export function joiningChanged(state: MeetingState, open: boolean): MeetingState {
  return { ...state, joiningOpen: open };
}

/** The end takes the board's spotlight and document down too, and stops the timer: nothing is presented once the meeting is over. */
export function meetingEnded(state: MeetingState, entry: EventMessage): MeetingState {
  return { ...state, ended: true, endedAt: entry.at, spotlight: null, boardDocument: null, timer: null };
}
