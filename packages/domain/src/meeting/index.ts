import { refuse } from '../decision.ts';
import type { CommandSpecs, EventSpecs } from '../feature.ts';
import { decideEnd, decideJoining, joiningChanged, meetingEnded } from './meeting.ts';
import { decideJoin, decideParticipantChange, participantJoined, participantRemoved, participantRenamed } from './participants.ts';
import { meetingCommandSchemas, meetingEventSchemas, meetingServerCommandSchemas, type MeetingLifeCommand, type MeetingLifeEvent } from './schemas.ts';

/**
 * The meeting and its people: creation (from an HTTP request), joining (HTTP too), renaming and removing
 * people, opening and closing joining, and the end.
 */
export const meeting = {
  clientCommands: meetingCommandSchemas,
  serverCommands: meetingServerCommandSchemas,
  events: meetingEventSchemas,
  commands: {
    // A meeting that exists is not created again; creating one (on no state) is the registry's first case.
    'meeting.create': { rights: ['system', 'facilitator'], decide: () => refuse('conflict', 'the meeting already exists') },
    'participant.join': { rights: ['system', 'participant'], afterEnd: 'join', decide: (state, command) => decideJoin(state, command) },
    // The secretary keeps the record, so may correct a name too (also after the end).
    'participant.rename': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: (state, command) => decideParticipantChange(state, command) },
    'participant.remove': { rights: ['facilitator'], decide: (state, command) => decideParticipantChange(state, command) },
    'joining.close': { rights: ['facilitator'], decide: (state, command) => decideJoining(state, command) },
    'joining.open': { rights: ['facilitator'], decide: (state, command) => decideJoining(state, command) },
    'meeting.end': { rights: ['facilitator'], decide: () => decideEnd() }
  } satisfies CommandSpecs<MeetingLifeCommand, MeetingLifeEvent>,
  eventSpecs: {
    'meeting.created': {
      evolve: () => {
        throw new Error('meeting.created on an existing meeting');
      }
    },
    'participant.joined': { evolve: participantJoined },
    'participant.renamed': { evolve: participantRenamed },
    'participant.removed': { evolve: participantRemoved },
    'joining.closed': { evolve: (state) => joiningChanged(state, false) },
    'joining.opened': { evolve: (state) => joiningChanged(state, true) },
    'meeting.ended': { evolve: (state, _event, entry) => meetingEnded(state, entry) }
  } satisfies EventSpecs<MeetingLifeEvent>
};
export { decideCreate, meetingCreated } from './meeting.ts';
export { participantCountsByGroup } from './participants.ts';
