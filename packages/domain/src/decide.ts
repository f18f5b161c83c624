import type { Actor, Command } from '@yishi/protocol';
import { refuse, type DecideContext, type Decision } from './decision.ts';
import { exhaustive } from './exhaustive.ts';
import { decideCreate, decideEnd, decideJoining, decidePhaseMove, refuseAfterEnd } from './meeting.ts';
import { decideSpotlight } from './openSpace/spotlight.ts';
import {
  decideEdit,
  decideMerge,
  decidePost,
  decidePostFor,
  decideUnmerge,
  decideVisibility,
  decideWithdraw
} from './openSpace/topics.ts';
import { decideJoin, decideParticipantChange } from './participants.ts';
import { authorize } from './rights.ts';
import type { MeetingState } from './state.ts';

/**
 * Checks a command against the meeting's full state and the actor's role and returns the events it
 * causes or a typed error. Pure: time and ids come from `ctx`; `state` is not touched.
 * Order of checks: meeting exists → not ended (or completing the record) → role → the command's own rules.
 */
export function decide(state: MeetingState | null, command: Command, actor: Actor, ctx: DecideContext): Decision {
  if (state === null) {
    if (command.type !== 'meeting.create') return refuse('not_found', 'no such meeting');
    const denied = authorize(null, command, actor);
    return denied ? { ok: false, error: denied } : decideCreate(command, ctx);
  }
  const over = state.ended ? refuseAfterEnd(command, actor) : null;
  if (over) return over;
  if (state.view !== 'full') return refuse('internal', 'decide needs the full meeting state, not a projected view');
  const denied = authorize(state, command, actor);
  if (denied) return { ok: false, error: denied };
  switch (command.type) {
    case 'meeting.create':
      return refuse('conflict', 'the meeting already exists');
    case 'participant.join':
      return decideJoin(state, command);
    case 'participant.rename':
    case 'participant.remove':
      return decideParticipantChange(state, command);
    case 'board.spotlight':
      return decideSpotlight(state, command);
    case 'topic.post':
      return decidePost(state, command, actor, ctx);
    case 'topic.postFor':
      return decidePostFor(state, command, actor, ctx);
    case 'topic.edit':
      return decideEdit(state, command, actor);
    case 'topic.withdraw':
      return decideWithdraw(state, command, actor);
    case 'topic.hide':
    case 'topic.unhide':
      return decideVisibility(state, command);
    case 'topic.merge':
      return decideMerge(state, command, ctx);
    case 'topic.unmerge':
      return decideUnmerge(state, command);
    case 'phase.advance':
    case 'phase.back':
      return decidePhaseMove(state, command);
    case 'joining.close':
    case 'joining.open':
      return decideJoining(state, command);
    case 'meeting.end':
      return decideEnd();
    default:
      return exhaustive(command);
  }
}
