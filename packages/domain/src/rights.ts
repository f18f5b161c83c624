import type { Actor, ProtocolError } from '@yishi/protocol';
import { protocolError } from '@yishi/protocol';
import type { MeetingState } from './state.ts';

type Command = { type: string; participantId?: string };

/**
 * Null when the actor may issue the command in this meeting, else a `forbidden` error. `rights` are the
 * roles the command's feature allows; a participant must also be in the meeting and not removed, and
 * joins only as themselves. Finer rules (only a topic's convener edits it) are the command's own.
 */
export function authorize(state: MeetingState | null, command: Command, actor: Actor, rights: readonly Actor['role'][]): ProtocolError | null {
  if (!rights.includes(actor.role)) {
    return protocolError('forbidden', `${actor.role} may not ${command.type}`);
  }
  if (actor.role !== 'participant') return null;
  const me = state === null ? undefined : state.participants.get(actor.participantId);
  if (command.type === 'participant.join') {
    if (command.participantId !== actor.participantId) return protocolError('forbidden', 'a participant can only join as themselves');
  } else if (me === undefined) {
    return protocolError('forbidden', 'not a participant of this meeting');
  }
  if (me?.removed === true) return protocolError('forbidden', 'removed from this meeting');
  return null;
}
