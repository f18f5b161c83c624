import { refuse } from '../decision.ts';
import type { CommandSpecs, EventSpecs } from '../feature.ts';
import { decideEnd, decideJoining, joiningChanged, meetingEnded } from './meeting.ts';
import {
  attendanceCounted,
  decideJoin,
  decideParticipantChange,
  participantJoined,
  participantRemoved,
  participantRenamed,
  projectJoined,
  projectRemoved,
  projectRenamed
} from './participants.ts';
import { attendanceSection } from './section.ts';
import { createdPaper, decidePaperAdd, decidePaperRemove, paperAdded, paperCounted, paperRemoved, projectPaper } from './paper.ts';
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
    'meeting.end': { rights: ['facilitator'], decide: () => decideEnd() },
    // The secretary declares people without a phone, also after the end to complete the record.
    'paper.add': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: (state, command, _actor, ctx) => decidePaperAdd(state, command, ctx), result: createdPaper },
    'paper.remove': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: (state, command) => decidePaperRemove(state, command) }
  } satisfies CommandSpecs<MeetingLifeCommand, MeetingLifeEvent>,
  eventSpecs: {
    'meeting.created': {
      evolve: () => {
        throw new Error('meeting.created on an existing meeting');
      },
      actor: 'private'
    },
    // A join names the person: the public views get the count (the joiner's own phone, the record).
    'participant.joined': { evolve: participantJoined, actor: 'private', project: projectJoined, phones: 'lazy' },
    'attendance.counted': { evolve: (state, event) => attendanceCounted(state, event), actor: 'private', latest: (event) => `attendance\n${event.group}` },
    // Moderation names nobody to the hall.
    'participant.renamed': { evolve: participantRenamed, actor: 'private', project: projectRenamed },
    'participant.removed': { evolve: participantRemoved, actor: 'private', project: projectRemoved },
    'joining.closed': { evolve: (state) => joiningChanged(state, false), actor: 'private' },
    'joining.opened': { evolve: (state) => joiningChanged(state, true), actor: 'private' },
    'meeting.ended': { evolve: (state, _event, entry) => meetingEnded(state, entry), actor: 'private' },
    // Paper names are the staff's: the public views get the group's paper count.
    'paper.added': { evolve: paperAdded, actor: 'private', project: projectPaper },
    'paper.removed': { evolve: (state, event) => paperRemoved(state, event), actor: 'private', project: projectPaper },
    'paper.counted': { evolve: (state, event) => paperCounted(state, event), actor: 'private', latest: (event) => `paper\n${event.group}` }
  } satisfies EventSpecs<MeetingLifeEvent>,
  /** The meeting's section of the minutes: attendance by stakeholder group, paper participants included. */
  sections: [attendanceSection]
};
export { decideCreate, meetingCreated } from './meeting.ts';
export { participantCountsByGroup, personOf, shownPublicly } from './participants.ts';
export { paperCountsByGroup } from './paper.ts';
export { PersonSchema, PAPER_COUNT_MAX } from './schemas.ts';
