import type { CommandSpecs, EventSpecs } from '../feature.ts';
import { timerCommandSchemas, timerEventSchemas, type TimerCommand, type TimerEvent } from './schemas.ts';
import { decideTimer, timerExtended, timerPaused, timerReset, timerResumed, timerStarted } from './timer.ts';

/**
 * The phase timer: the facilitator starts, pauses, resumes, extends and resets the current phase's
 * countdown [D40]; the deciding server writes the times from its clock [D41]. Every view holds the
 * timer, so each event reaches every audience as it is, and costs O(1).
 */
export const timer = {
  clientCommands: timerCommandSchemas,
  serverCommands: [] as const,
  events: timerEventSchemas,
  commands: {
    'timer.start': { rights: ['facilitator'], decide: decideTimer },
    'timer.pause': { rights: ['facilitator'], decide: decideTimer },
    'timer.resume': { rights: ['facilitator'], decide: decideTimer },
    'timer.extend': { rights: ['facilitator'], decide: decideTimer },
    'timer.reset': { rights: ['facilitator'], decide: decideTimer }
  } satisfies CommandSpecs<TimerCommand, TimerEvent>,
  eventSpecs: {
    'timer.started': { evolve: timerStarted, actor: 'private' },
    'timer.paused': { evolve: timerPaused, actor: 'private' },
    'timer.resumed': { evolve: timerResumed, actor: 'private' },
    'timer.extended': { evolve: timerExtended, actor: 'private' },
    'timer.reset': { evolve: timerReset, actor: 'private' }
  } satisfies EventSpecs<TimerEvent>,
  sections: []
};
export { readTimer, displaySeconds, type PhaseTimer, type TimerReading } from './timer.ts';
export { estimateClockOffset, type ClockSample } from './clock.ts';
export { TIMER_MAX_MS, EXTEND_MAX_MINUTES } from './schemas.ts';
