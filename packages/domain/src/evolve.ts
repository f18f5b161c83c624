import type { EventMessage } from '@yishi/protocol';
import { exhaustive } from './exhaustive.ts';
import { joiningChanged, meetingCreated, meetingEnded, phaseChanged } from './meeting.ts';
import {
  topicEdited,
  topicMerged,
  topicPosted,
  topicRedacted,
  topicUnhidden,
  topicUnmerged
} from './openSpace/topics.ts';
import { spotlit } from './openSpace/spotlight.ts';
import { participantJoined, participantRemoved, participantRenamed } from './participants.ts';
import type { MeetingState } from './state.ts';

/**
 * Folds one log entry into the state and returns a new state (the input is never mutated; unchanged
 * parts are shared). Works on the full state and on a projected view: an event about something the
 * view does not hold is a no-op. Throws only on a log that cannot be a meeting's (an event before
 * `meeting.created`, or a second `meeting.created`): that is corruption, not user error.
 */
export function evolve(state: MeetingState | null, entry: EventMessage): MeetingState {
  const event = entry.event;
  if (event.type === 'meeting.created') {
    if (state !== null) throw new Error(`seq ${entry.seq}: meeting.created on an existing meeting`);
    return meetingCreated(event, entry);
  }
  if (state === null) throw new Error(`seq ${entry.seq}: ${event.type} before meeting.created`);
  return { ...apply(state, entry), seq: entry.seq };
}

function apply(state: MeetingState, entry: EventMessage): MeetingState {
  const event = entry.event;
  switch (event.type) {
    case 'meeting.created':
      throw new Error(`seq ${entry.seq}: meeting.created on an existing meeting`);
    case 'participant.joined':
      return participantJoined(state, event, entry);
    case 'participant.renamed':
      return participantRenamed(state, event);
    case 'participant.removed':
      return participantRemoved(state, event);
    case 'topic.posted':
      return topicPosted(state, event, entry);
    case 'topic.edited':
      return topicEdited(state, event);
    case 'topic.withdrawn':
    case 'topic.hidden':
      return topicRedacted(state, event);
    case 'topic.unhidden':
      return topicUnhidden(state, event);
    case 'topic.merged':
      return topicMerged(state, event, entry);
    case 'topic.unmerged':
      return topicUnmerged(state, event, entry);
    case 'phase.changed':
      return phaseChanged(state, event);
    case 'joining.closed':
      return joiningChanged(state, false);
    case 'joining.opened':
      return joiningChanged(state, true);
    case 'meeting.ended':
      return meetingEnded(state, entry);
    case 'board.spotlit':
      return spotlit(state, event);
    default:
      return exhaustive(event);
  }
}

/**
 * Folds entries in order. With `from` (a snapshot), entries it already contains (`seq <= from.seq`)
 * are skipped, so a tail fetched around the snapshot may overlap it.
 */
export function replay(entries: Iterable<EventMessage>, from: MeetingState | null = null): MeetingState | null {
  let state = from;
  for (const entry of entries) {
    if (state !== null && entry.seq <= state.seq) continue;
    state = evolve(state, entry);
  }
  return state;
}

/**
 * What a client does for a log entry whose projection for it was `null` (see `projectEvent`): nothing
 * changes but the seq it has seen, so the next event is not mistaken for a gap.
 */
export function advanceSeq(state: MeetingState, seq: number): MeetingState {
  return seq > state.seq ? { ...state, seq } : state;
}
