import type { ErrorCode, EventEnvelope, ProtocolError } from '@yishi/protocol';
import { protocolError } from '@yishi/protocol';

/** Time and ids come in from the caller so that `decide` stays pure and replayable in tests. */
export interface DecideContext {
  now: number;
  newId: () => string;
}

/** What `decide` answers: the events a command causes, or the typed error it is refused with. */
export type Decision<E extends EventEnvelope = EventEnvelope> = { ok: true; events: E[] } | { ok: false; error: ProtocolError };
export type Refusal = { ok: false; error: ProtocolError };

export function accept<E extends EventEnvelope>(...events: E[]): Decision<E> {
  return { ok: true, events };
}

/** `closed`, with the finer reason the UI words differently: joining closed, a join after the end, anything else after the end. */
export function refuseClosed(reason: 'joining_closed' | 'meeting_ended' | 'after_end', message: string): Refusal {
  return { ok: false, error: protocolError('closed', message, { reason }) };
}

export function refuse(code: ErrorCode, message: string, field?: string): Refusal {
  return { ok: false, error: field === undefined ? protocolError(code, message) : protocolError(code, message, { field }) };
}
