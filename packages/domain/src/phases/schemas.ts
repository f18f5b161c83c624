import { z } from 'zod';
import { IdSchema } from '@yishi/protocol';
import { cmd, ev } from '../feature.ts';

export const phaseCommandSchemas = [
  /** `fromPhaseId` makes a double click or a stale console move one phase, not two. */
  cmd('phase.advance', { fromPhaseId: IdSchema }),
  cmd('phase.back', { fromPhaseId: IdSchema })
] as const;
export type PhaseCommand = z.infer<(typeof phaseCommandSchemas)[number]>;

export const phaseEventSchemas = [ev('phase.changed', { fromPhaseId: IdSchema, toPhaseId: IdSchema })] as const;
export type PhaseEvent = z.infer<(typeof phaseEventSchemas)[number]>;
