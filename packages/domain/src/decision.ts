import type { ErrorCode, MeetingEvent, ProtocolError } from '@yishi/protocol';
import { protocolError } from '@yishi/protocol';

/** Time and ids come in from the caller so that `decide` stays pure and replayable in tests. */
export interface DecideContext {
  now: number;
  newId: () => string;
}

export type Decision = { ok: true; events: MeetingEvent[] } | { ok: false; error: ProtocolError };

export function accept(...events: MeetingEvent[]): Decision {
  return { ok: true, events };
}

/** `closed`, with the finer reason the UI words differently: joining closed, a join after the end, anything else after the end. */
export function refuseClosed(reason: 'joining_closed' | 'meeting_ended' | 'after_end', message: string): Decision {
  return { ok: false, error: protocolError('closed', message, { reason }) };
}

export function refuse(code: ErrorCode, message: string, field?: string): Decision {
  return { ok: false, error: field === undefined ? protocolError(code, message) : protocolError(code, message, { field }) };
}
