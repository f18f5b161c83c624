import { accept, refuse, type Decision } from '../decision.ts';
import type { MeetingState, RecordFields } from '../state.ts';
import type { RecordCmd, RecordEv, RecordEvent } from './schemas.ts';

const EMPTY: RecordFields = { place: '', facilitatorName: '', secretaryName: '', notes: '' };

export function decideDetails(command: RecordCmd<'record.details.set'>): Decision<RecordEvent> {
  const { place, facilitatorName, secretaryName } = command;
  return accept<RecordEvent>({ type: 'record.details.changed', place, facilitatorName, secretaryName });
}

export function decideNotes(command: RecordCmd<'record.notes.set'>): Decision<RecordEvent> {
  return accept<RecordEvent>({ type: 'record.notes.changed', notes: command.notes });
}

export function decidePublish(state: MeetingState, command: RecordCmd<'minutes.publish' | 'minutes.unpublish'>): Decision<RecordEvent> {
  const publish = command.type === 'minutes.publish';
  if (state.minutesPublished === publish) return refuse('conflict', publish ? 'the minutes are already published' : 'the minutes are not published');
  return accept<RecordEvent>({ type: publish ? 'minutes.published' : 'minutes.unpublished' });
}

/** A public view holds no record fields (its projection of these events is null); the full state does. */
export function detailsChanged(state: MeetingState, event: RecordEv<'record.details.changed'>): MeetingState {
  if (state.record === null) return state;
  const { place, facilitatorName, secretaryName } = event;
  return { ...state, record: { ...state.record, place, facilitatorName, secretaryName } };
}

export function notesChanged(state: MeetingState, event: RecordEv<'record.notes.changed'>): MeetingState {
  return state.record === null ? state : { ...state, record: { ...state.record, notes: event.notes } };
}

export function publishedChanged(state: MeetingState, published: boolean): MeetingState {
  return { ...state, minutesPublished: published };
}

/** The record's fields as the full state holds them (empty before anyone typed them). */
export function recordFields(state: MeetingState): RecordFields {
  return state.record ?? EMPTY;
}
