import { z } from 'zod';
import { IdSchema, LIMITS, PhaseKindSchema, PhaseSchema, TIMEBOX_MAX_MINUTES, text } from '@yishi/protocol';
import { cmd, ev } from '../feature.ts';

/** At most this many phases in a meeting: an agenda, not a log; it keeps every phase edit O(1) [D38]. */
export const MAX_PHASES = 30;

/** A facilitator's own title; null gives the phase back the catalogue name of its kind. */
const PhaseTitleSchema = text({ max: LIMITS.phaseTitle }).nullable();
/** Whole minutes, 1 to eight hours; null: no timebox. */
const TimeboxSchema = z.number().int().min(1).max(TIMEBOX_MAX_MINUTES).nullable();

export const phaseCommandSchemas = [
  /** `fromPhaseId` makes a double click or a stale console move one phase, not two. */
  cmd('phase.advance', { fromPhaseId: IdSchema }),
  cmd('phase.back', { fromPhaseId: IdSchema }),
  cmd('phase.rename', { phaseId: IdSchema, title: PhaseTitleSchema }),
  /** Appended at the end of the agenda; `phase.reorder` moves it. The ack carries its id. */
  cmd('phase.add', { kind: PhaseKindSchema, title: PhaseTitleSchema, timeboxMinutes: TimeboxSchema.optional() }),
  cmd('phase.remove', { phaseId: IdSchema }),
  /** Every phase id of the meeting, each once, in the new order. */
  cmd('phase.reorder', { phaseIds: z.array(IdSchema).min(1).max(MAX_PHASES) }),
  cmd('phase.timebox', { phaseId: IdSchema, minutes: TimeboxSchema })
] as const;
export type PhaseCommand = z.infer<(typeof phaseCommandSchemas)[number]>;
export type PhaseCmd<T extends PhaseCommand['type']> = Extract<PhaseCommand, { type: T }>;

export const phaseEventSchemas = [
  ev('phase.changed', { fromPhaseId: IdSchema, toPhaseId: IdSchema }),
  /** `phaseTitle` null: the catalogue name of its kind again. */
  ev('phase.renamed', { phaseId: IdSchema, phaseTitle: z.string().nullable() }),
  ev('phase.added', { phase: PhaseSchema }),
  ev('phase.removed', { phaseId: IdSchema }),
  ev('phase.reordered', { phaseIds: z.array(IdSchema) }),
  ev('phase.timeboxSet', { phaseId: IdSchema, minutes: z.number().int().positive().nullable() })
] as const;
export type PhaseEvent = z.infer<(typeof phaseEventSchemas)[number]>;
export type PhaseEv<T extends PhaseEvent['type']> = Extract<PhaseEvent, { type: T }>;
