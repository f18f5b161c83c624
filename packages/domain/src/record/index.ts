import type { CommandSpecs, EventSpecs } from '../feature.ts';
import { decideDetails, decideNotes, decidePublish, detailsChanged, notesChanged, publishedChanged } from './record.ts';
import { recordCommandSchemas, recordEventSchemas, type RecordCommand, type RecordEvent } from './schemas.ts';
import { notesSection } from './section.ts';

/**
 * The record: what the secretary enters for the minutes (place, the facilitator's and the secretary's
 * names, the notes) and whether participants may download them. Staff only, also after the end (they
 * complete the record then); a public view learns only whether the minutes are published [D18].
 */
export const record = {
  clientCommands: recordCommandSchemas,
  serverCommands: [] as const,
  events: recordEventSchemas,
  commands: {
    'record.details.set': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: (_state, command) => decideDetails(command) },
    'record.notes.set': { rights: ['facilitator', 'secretary'], afterEnd: 'record', decide: (_state, command) => decideNotes(command) },
    'minutes.publish': { rights: ['facilitator'], afterEnd: 'record', decide: (state, command) => decidePublish(state, command) },
    'minutes.unpublish': { rights: ['facilitator'], afterEnd: 'record', decide: (state, command) => decidePublish(state, command) }
  } satisfies CommandSpecs<RecordCommand, RecordEvent>,
  eventSpecs: {
    // Staff's text: nothing of it reaches the hall.
    'record.details.changed': { evolve: (state, event) => detailsChanged(state, event), actor: 'private', project: () => ({ shared: null }) },
    'record.notes.changed': { evolve: (state, event) => notesChanged(state, event), actor: 'private', project: () => ({ shared: null }) },
    'minutes.published': { evolve: (state) => publishedChanged(state, true), actor: 'private' },
    'minutes.unpublished': { evolve: (state) => publishedChanged(state, false), actor: 'private' }
  } satisfies EventSpecs<RecordEvent>,
  /** The record's sections of the minutes, after every other feature's: the notes. */
  sections: [notesSection]
};
export { RECORD_LIMITS } from './schemas.ts';
export { recordFields } from './record.ts';
