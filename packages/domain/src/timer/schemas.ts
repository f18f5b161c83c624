import { z } from 'zod';
import { IdSchema, TIMEBOX_MAX_MINUTES } from '@yishi/protocol';
import { cmd, ev } from '../feature.ts';

/** A countdown runs for at most a timebox's longest, eight hours, extensions included [D40]. */
export const TIMER_MAX_MS = TIMEBOX_MAX_MINUTES * 60_000;
/** One extension adds at most an hour (the console offers +1 and +5 minutes). */
export const EXTEND_MAX_MINUTES = 60;

/**
 * Every timer command names the phase it is for, which must be the current one: a console that has
 * not seen the phase move yet changes nothing.
 */
export const timerCommandSchemas = [
  /** Counts down the phase's timebox, or `seconds` when given (a phase without a timebox needs them). */
  cmd('timer.start', { phaseId: IdSchema, seconds: z.number().int().min(1).max(TIMER_MAX_MS / 1000).optional() }),
  cmd('timer.pause', { phaseId: IdSchema }),
  cmd('timer.resume', { phaseId: IdSchema }),
  cmd('timer.extend', { phaseId: IdSchema, minutes: z.number().int().min(1).max(EXTEND_MAX_MINUTES) }),
  cmd('timer.reset', { phaseId: IdSchema })
] as const;
export type TimerCommand = z.infer<(typeof timerCommandSchemas)[number]>;
export type TimerCmd<T extends TimerCommand['type']> = Extract<TimerCommand, { type: T }>;

const Ms = z.number().int();

/**
 * The deciding server writes the times from its own clock (`ctx.now`): `endsAt` is a server time in
 * ms since the epoch, which every client reads against its own measured offset to the server [D41].
 */
export const timerEventSchemas = [
  ev('timer.started', { phaseId: IdSchema, durationMs: Ms.positive(), endsAt: Ms }),
  /** `remainingMs` is negative when paused in overrun. */
  ev('timer.paused', { phaseId: IdSchema, remainingMs: Ms }),
  ev('timer.resumed', { phaseId: IdSchema, endsAt: Ms }),
  ev('timer.extended', { phaseId: IdSchema, addedMs: Ms.positive() }),
  ev('timer.reset', { phaseId: IdSchema })
] as const;
export type TimerEvent = z.infer<(typeof timerEventSchemas)[number]>;
export type TimerEv<T extends TimerEvent['type']> = Extract<TimerEvent, { type: T }>;
