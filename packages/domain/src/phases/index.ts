import type { CommandSpecs, EventSpecs } from '../feature.ts';
import { decidePhaseMove, phaseChanged } from './phases.ts';
import { agendaSection } from './section.ts';
import { phaseCommandSchemas, phaseEventSchemas, type PhaseCommand, type PhaseEvent } from './schemas.ts';

/** Phases: the facilitator steps through the meeting's phases (built from its template, as data). */
export const phases = {
  clientCommands: phaseCommandSchemas,
  serverCommands: [] as const,
  events: phaseEventSchemas,
  commands: {
    'phase.advance': { rights: ['facilitator'], decide: decidePhaseMove },
    'phase.back': { rights: ['facilitator'], decide: decidePhaseMove }
  } satisfies CommandSpecs<PhaseCommand, PhaseEvent>,
  eventSpecs: {
    'phase.changed': { evolve: phaseChanged, actor: 'private' }
  } satisfies EventSpecs<PhaseEvent>,
  /** The phases' section of the minutes: the agenda as it ran. */
  sections: [agendaSection]
};
export { currentPhase, currentPhaseIndex } from './phases.ts';
export { createPhases } from './templates.ts';
