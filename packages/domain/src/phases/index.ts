import type { CommandValue } from '@yishi/protocol';
import type { CommandSpecs, EventSpecs } from '../feature.ts';
import {
  decideAdd,
  decidePhaseMove,
  decideRemove,
  decideRename,
  decideReorder,
  decideTimebox,
  phaseAdded,
  phaseChanged,
  phaseRemoved,
  phaseRenamed,
  phaseReordered,
  phaseTimeboxSet
} from './phases.ts';
import { agendaSection } from './section.ts';
import { phaseCommandSchemas, phaseEventSchemas, type PhaseCommand, type PhaseEvent } from './schemas.ts';

/**
 * Phases: the facilitator steps through the meeting's phases (built from its template, as data) and
 * shapes them before and during the meeting [D38]. Every view holds every phase, so edits reach every
 * audience as they are.
 */
export const phases = {
  clientCommands: phaseCommandSchemas,
  serverCommands: [] as const,
  events: phaseEventSchemas,
  commands: {
    'phase.advance': { rights: ['facilitator'], decide: decidePhaseMove },
    'phase.back': { rights: ['facilitator'], decide: decidePhaseMove },
    'phase.rename': { rights: ['facilitator'], decide: decideRename },
    'phase.add': {
      rights: ['facilitator'],
      decide: decideAdd,
      result: (events): CommandValue => {
        const added = events.find((e) => e.type === 'phase.added');
        return added?.type === 'phase.added' ? { phaseId: added.phase.id } : {};
      }
    },
    'phase.remove': { rights: ['facilitator'], decide: decideRemove },
    'phase.reorder': { rights: ['facilitator'], decide: decideReorder },
    'phase.timebox': { rights: ['facilitator'], decide: decideTimebox }
  } satisfies CommandSpecs<PhaseCommand, PhaseEvent>,
  eventSpecs: {
    'phase.changed': { evolve: phaseChanged, actor: 'private' },
    'phase.renamed': { evolve: phaseRenamed, actor: 'private' },
    'phase.added': { evolve: phaseAdded, actor: 'private' },
    'phase.removed': { evolve: phaseRemoved, actor: 'private' },
    'phase.reordered': { evolve: phaseReordered, actor: 'private' },
    'phase.timeboxSet': { evolve: phaseTimeboxSet, actor: 'private' }
  } satisfies EventSpecs<PhaseEvent>,
  /** The phases' section of the minutes: the agenda as it ran. */
  sections: [agendaSection]
};
export { currentPhase, currentPhaseIndex } from './phases.ts';
export { createPhases, TEMPLATES, KIND_DEFAULTS } from './templates.ts';
export { MAX_PHASES } from './schemas.ts';
