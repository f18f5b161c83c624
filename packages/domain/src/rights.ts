import type { Actor, Command, ProtocolError } from '@yishi/protocol';
import { protocolError } from '@yishi/protocol';
import { own } from './records.ts';
import type { MeetingState } from './state.ts';

type CommandType = Command['type'];

/**
 * Who may issue each command, in one table (a missing command type does not compile). The board is
 * read-only. `system` is the server acting on an HTTP request; it never sends socket commands.
 * Finer rules (only a topic's convener edits it, staff only a topic staff entered) are checked by the
 * command's handler.
 */
export const COMMAND_RIGHTS: { readonly [T in CommandType]: readonly Actor['role'][] } = {
  'meeting.create': ['system', 'facilitator'],
  'participant.join': ['system', 'participant'],
  'topic.post': ['participant'],
  // Staff correct only what staff entered (a named convener); the handler checks whose topic it is.
  'topic.edit': ['participant', 'facilitator', 'secretary'],
  'topic.withdraw': ['participant', 'facilitator', 'secretary'],
  'topic.postFor': ['facilitator', 'secretary'],
  'topic.hide': ['facilitator'],
  'topic.unhide': ['facilitator'],
  'topic.merge': ['facilitator'],
  'topic.unmerge': ['facilitator'],
  // The secretary keeps the record, so may correct a name too (also after the end).
  'participant.rename': ['facilitator', 'secretary'],
  'participant.remove': ['facilitator'],
  'phase.advance': ['facilitator'],
  'phase.back': ['facilitator'],
  'joining.close': ['facilitator'],
  'joining.open': ['facilitator'],
  'meeting.end': ['facilitator'],
  'board.spotlight': ['facilitator']
};

/** Null when the actor may issue the command in this meeting, else a `forbidden` error. */
export function authorize(state: MeetingState | null, command: Command, actor: Actor): ProtocolError | null {
  if (!COMMAND_RIGHTS[command.type].includes(actor.role)) {
    return protocolError('forbidden', `${actor.role} may not ${command.type}`);
  }
  if (actor.role !== 'participant') return null;
  const me = state === null ? undefined : own(state.participants, actor.participantId);
  if (command.type === 'participant.join') {
    if (command.participantId !== actor.participantId) return protocolError('forbidden', 'a participant can only join as themselves');
  } else if (me === undefined) {
    return protocolError('forbidden', 'not a participant of this meeting');
  }
  if (me?.removed === true) return protocolError('forbidden', 'removed from this meeting');
  return null;
}
