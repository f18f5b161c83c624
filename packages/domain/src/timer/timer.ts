import { accept, refuse, type DecideContext, type Decision } from '../decision.ts';
import type { MeetingState } from '../state.ts';
import { TIMER_MAX_MS, type TimerCmd, type TimerCommand, type TimerEv, type TimerEvent } from './schemas.ts';

/**
 * The shared countdown of the current phase [D40]. Running: it ends at `endsAt`, a time on the deciding
 * server's clock. Paused: `remainingMs` is frozen (negative when paused in overrun). `durationMs` is the
 * whole countdown, extensions included. No timer (null): the phase's timebox waits to be started.
 */
export type PhaseTimer =
  | { phaseId: string; status: 'running'; endsAt: number; durationMs: number }
  | { phaseId: string; status: 'paused'; remainingMs: number; durationMs: number };

/** The timer as a screen shows it at one moment: idle (the timebox, not started), running or paused. */
export interface TimerReading {
  phaseId: string;
  status: 'idle' | 'running' | 'paused';
  /** Null only when idle in a phase without a timebox. Negative: overrun. */
  remainingMs: number | null;
  durationMs: number | null;
}

/**
 * The current phase's timer at `serverNow` (a time on the server's clock: a client passes its own
 * `Date.now()` plus its measured offset). Pure: every audience holds the same timer, so two screens
 * that agree on the server's time show the same remaining time [D41].
 */
export function readTimer(state: MeetingState, serverNow: number): TimerReading {
  const timer = state.timer;
  if (timer === null || timer.phaseId !== state.phaseId) {
    const minutes = state.phases.find((p) => p.id === state.phaseId)?.timeboxMinutes ?? null;
    const ms = minutes === null ? null : minutes * 60_000;
    return { phaseId: state.phaseId, status: 'idle', remainingMs: ms, durationMs: ms };
  }
  const remainingMs = timer.status === 'running' ? timer.endsAt - serverNow : timer.remainingMs;
  return { phaseId: timer.phaseId, status: timer.status, remainingMs, durationMs: timer.durationMs };
}

/**
 * Whole seconds as a countdown shows them: up to zero it rounds up (1 ms left shows 0:01, so "time's
 * up" shows exactly when the end is reached), past zero the overrun counts up in whole seconds.
 */
export function displaySeconds(remainingMs: number): { overrun: boolean; seconds: number } {
  return remainingMs > 0 ? { overrun: false, seconds: Math.ceil(remainingMs / 1000) } : { overrun: true, seconds: Math.floor(-remainingMs / 1000) + 0 };
}

function forCurrentPhase(state: MeetingState, phaseId: string): Decision<TimerEvent> | null {
  if (!state.phases.some((p) => p.id === phaseId)) return refuse('not_found', 'no such phase in this meeting', 'phaseId');
  if (phaseId !== state.phaseId) return refuse('conflict', 'the timer runs for the current phase only', 'phaseId');
  return null;
}

export function decideTimer(state: MeetingState, command: TimerCommand, _actor: unknown, ctx: DecideContext): Decision<TimerEvent> {
  const wrong = forCurrentPhase(state, command.phaseId);
  if (wrong) return wrong;
  const phaseId = command.phaseId;
  const timer = state.timer?.phaseId === phaseId ? state.timer : null;
  switch (command.type) {
    case 'timer.start': {
      if (timer !== null) return refuse('conflict', 'the timer is already started; reset it first');
      const minutes = state.phases.find((p) => p.id === phaseId)!.timeboxMinutes;
      const durationMs = command.seconds !== undefined ? command.seconds * 1000 : minutes !== null ? minutes * 60_000 : null;
      if (durationMs === null) return refuse('invalid', 'this phase has no timebox: give the seconds', 'seconds');
      return accept<TimerEvent>({ type: 'timer.started', phaseId, durationMs, endsAt: ctx.now + durationMs });
    }
    case 'timer.pause':
      if (timer?.status !== 'running') return refuse('conflict', 'the timer is not running');
      return accept<TimerEvent>({ type: 'timer.paused', phaseId, remainingMs: timer.endsAt - ctx.now });
    case 'timer.resume':
      if (timer?.status !== 'paused') return refuse('conflict', 'the timer is not paused');
      return accept<TimerEvent>({ type: 'timer.resumed', phaseId, endsAt: ctx.now + timer.remainingMs });
    case 'timer.extend': {
      if (timer === null) return refuse('conflict', 'the timer is not started');
      const addedMs = command.minutes * 60_000;
      // Bounded by the whole countdown, not by what is left, so the answer does not hang on the clock
      // (`permits` asks without one) [D12].
      if (timer.durationMs + addedMs > TIMER_MAX_MS) {
        return refuse('invalid', 'a countdown runs for at most eight hours', 'minutes');
      }
      return accept<TimerEvent>({ type: 'timer.extended', phaseId, addedMs });
    }
    case 'timer.reset':
      if (timer === null) return refuse('conflict', 'the timer is not started');
      return accept<TimerEvent>({ type: 'timer.reset', phaseId });
  }
}

/** Timer events name the phase they were for; one that is not the timer's any more (a phase move came between) changes nothing. */
export function timerStarted(state: MeetingState, event: TimerEv<'timer.started'>): MeetingState {
  if (event.phaseId !== state.phaseId) return state;
  return { ...state, timer: { phaseId: event.phaseId, status: 'running', endsAt: event.endsAt, durationMs: event.durationMs } };
}

export function timerPaused(state: MeetingState, event: TimerEv<'timer.paused'>): MeetingState {
  const timer = state.timer;
  if (timer?.phaseId !== event.phaseId) return state;
  return { ...state, timer: { phaseId: timer.phaseId, status: 'paused', remainingMs: event.remainingMs, durationMs: timer.durationMs } };
}

export function timerResumed(state: MeetingState, event: TimerEv<'timer.resumed'>): MeetingState {
  const timer = state.timer;
  if (timer?.phaseId !== event.phaseId) return state;
  return { ...state, timer: { phaseId: timer.phaseId, status: 'running', endsAt: event.endsAt, durationMs: timer.durationMs } };
}

export function timerExtended(state: MeetingState, event: TimerEv<'timer.extended'>): MeetingState {
  const timer = state.timer;
  if (timer?.phaseId !== event.phaseId) return state;
  const durationMs = timer.durationMs + event.addedMs;
  return {
    ...state,
    timer: timer.status === 'running' ? { ...timer, endsAt: timer.endsAt + event.addedMs, durationMs } : { ...timer, remainingMs: timer.remainingMs + event.addedMs, durationMs }
  };
}

export function timerReset(state: MeetingState, event: TimerEv<'timer.reset'>): MeetingState {
  return state.timer?.phaseId === event.phaseId ? { ...state, timer: null } : state;
}

export type { TimerCmd };
