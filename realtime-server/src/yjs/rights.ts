import { documentRight, type DocumentRight, type MeetingState } from '@yishi/domain';
import type { Actor } from '@yishi/protocol';

export type DocRight = DocumentRight;

/**
 * What a connection may do with one of a meeting's documents: the domain's `documentRight` [D21], asked
 * at upgrade and again whenever the meeting changes (a participant removed, a document's access set,
 * the meeting ended). A meeting that cannot be loaded opens nothing.
 */
export function docRight(actor: Actor, state: MeetingState | null, docId: string): DocRight {
  return documentRight(state, actor, docId);
}
