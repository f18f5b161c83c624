import type { EventMessage } from '@yishi/protocol';
import { isPublicTopic } from '../audience.ts';
import type { MeetingState } from '../state.ts';
import type { TopicEv } from './schemas.ts';
import { topicView } from './topics.ts';

/*
 * How topic events reach the board and participants, who hold no hidden or withdrawn topic (their view is
 * `public`). Each returns the message as it is, null (nothing to learn: the client only moves its seq on),
 * or, for an unhide, the topic itself for a view that never held it. The law they keep is [D5].
 */

function publicIn(state: MeetingState, topicId: string): boolean {
  const topic = state.topics.get(topicId);
  return topic !== undefined && isPublicTopic(topic);
}

export function projectPosted(_before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'topic.posted'>>) {
  return publicIn(after, message.event.topicId) ? message : null;
}

export function projectEdited(before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'topic.edited'>>) {
  return publicIn(before, message.event.topicId) && publicIn(after, message.event.topicId) ? message : null;
}

/** A removal for an audience that held the topic; nothing at all for one that did not. */
export function projectRemoved<E extends TopicEv<'topic.hidden' | 'topic.withdrawn'>>(before: MeetingState, _after: MeetingState, message: EventMessage<E>) {
  return publicIn(before, message.event.topicId) ? message : null;
}

export function projectUnhidden(before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'topic.unhidden'>>): EventMessage<TopicEv<'topic.unhidden'>> | null {
  const topicId = message.event.topicId;
  const topic = publicIn(after, topicId) ? after.topics.get(topicId) : undefined;
  if (topic === undefined) return null;
  if (publicIn(before, topicId)) return message;
  return { ...message, event: { type: 'topic.unhidden', topicId, topic: topicView(topic) } };
}

export function projectSpotlit(_before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'board.spotlit'>>) {
  return message.event.topicId === null || publicIn(after, message.event.topicId) ? message : null;
}
