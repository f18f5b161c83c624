import { isPublicTopic } from '../audience.ts';
import { accept, refuse, type Decision } from '../decision.ts';
import type { MeetingState } from '../state.ts';
import { activeMergeWithSource } from './merges.ts';
import type { TopicCmd as Cmd, TopicEv as Ev, TopicEvent } from './schemas.ts';

/**
 * The board cuts long titles; the facilitator puts one topic on it in full. Only a topic every audience
 * may see, so the board never learns a hidden topic through it [D10].
 */
export function decideSpotlight(state: MeetingState, command: Cmd<'board.spotlight'>): Decision<TopicEvent> {
  if (command.topicId === null) {
    return state.spotlight === null ? refuse('conflict', 'no topic is on the board in full') : accept<TopicEvent>({ type: 'board.spotlit', topicId: null });
  }
  const topic = state.topics.get(command.topicId);
  if (topic === undefined) return refuse('not_found', 'no such topic', 'topicId');
  if (!isPublicTopic(topic)) return refuse('conflict', 'a hidden or withdrawn topic cannot be shown on the board');
  if (activeMergeWithSource(state, topic.id)) return refuse('conflict', 'the topic was merged into another', 'topicId');
  if (state.spotlight === topic.id) return refuse('conflict', 'the topic is already on the board in full');
  return accept<TopicEvent>({ type: 'board.spotlit', topicId: topic.id });
}

export function spotlit(state: MeetingState, event: Ev<'board.spotlit'>): MeetingState {
  return { ...state, spotlight: event.topicId };
}

/** Takes the spotlight down when its topic leaves what everyone may see (hidden, withdrawn, merged away). */
export function dimmed(state: MeetingState, gone: readonly string[]): MeetingState {
  return state.spotlight !== null && gone.includes(state.spotlight) ? { ...state, spotlight: null } : state;
}
