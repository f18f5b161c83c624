import type { MeetingState } from '@yishi/domain';
import type { Actor } from '@yishi/protocol';

export type DocRight = 'none' | 'read' | 'write';

/**
 * What a connection may do with a meeting's documents, decided in this one place: at upgrade and
 * again whenever the meeting changes (a participant removed, the meeting ended). The board only reads;
 * once the meeting has ended only the facilitator and the secretary still write (they complete the record).
 */
export function docRight(actor: Actor, state: MeetingState | null): DocRight {
  if (!state) return 'none';
  switch (actor.role) {
    case 'facilitator':
    case 'secretary':
      return 'write';
    case 'board':
      return 'read';
    case 'participant': {
      const p = state.participants.get(actor.participantId);
      if (!p || p.removed) return 'none';
      return state.ended ? 'read' : 'write';
    }
    default:
      return 'none';
  }
}
