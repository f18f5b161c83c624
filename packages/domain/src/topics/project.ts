import type { Convener, EventMessage } from '@yishi/protocol';
import { isPublicTopic } from '../audience.ts';
import type { Projection } from '../feature.ts';
import { personOf, shownPublicly } from '../meeting/participants.ts';
import type { MeetingState, Person } from '../state.ts';
import type { TopicEv, TopicEvent } from './schemas.ts';
import { topicView } from './topics.ts';

/*
 * How topic events reach the board and participants, who hold no hidden or withdrawn topic (their view is
 * `public`), except a convener's own hidden topic on their own phone. Each returns the shared part: the
 * message as it is, null (nothing to learn: the client only moves its seq on), or with what a view that
 * did not hold it needs (the topic itself for an unhide, the convener's name and group); and a private
 * part for the convener where only their phone held the topic. The law they keep is [D5].
 */

function publicIn(state: MeetingState, topicId: string): boolean {
  const topic = state.topics.get(topicId);
  return topic !== undefined && isPublicTopic(topic);
}

/** The convener's name and group, for a view that does not name them yet (they convene no topic it holds). */
function newConvener(before: MeetingState, after: MeetingState, convener: Convener): { person?: Person } {
  if (convener.kind !== 'participant' || shownPublicly(before, convener.participantId)) return {};
  const person = personOf(after, convener.participantId);
  return person === undefined ? {} : { person };
}

export function projectPosted(before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'topic.posted'>>): Projection<TopicEvent> {
  if (!publicIn(after, message.event.topicId)) return { shared: null };
  return { shared: { ...message, event: { ...message.event, ...newConvener(before, after, message.event.convener) } } };
}

export function projectEdited(before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'topic.edited'>>): Projection<TopicEvent> {
  return { shared: publicIn(before, message.event.topicId) && publicIn(after, message.event.topicId) ? message : null };
}

/**
 * A removal for an audience that held the topic; nothing at all for one that did not. The convener of
 * a hidden topic holds it on their own phone (flagged), so they alone are told when they withdraw it.
 */
export function projectRemoved<E extends TopicEv<'topic.hidden' | 'topic.withdrawn'>>(before: MeetingState, _after: MeetingState, message: EventMessage<E>): Projection<TopicEvent> {
  if (publicIn(before, message.event.topicId)) return { shared: message };
  const topic = before.topics.get(message.event.topicId);
  const convener = topic?.convener;
  if (topic === undefined || !topic.hidden || topic.withdrawn || convener?.kind !== 'participant') return { shared: null };
  return { shared: null, private: [{ participantId: convener.participantId, message }] };
}

export function projectUnhidden(before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'topic.unhidden'>>): Projection<TopicEvent> {
  const topicId = message.event.topicId;
  const topic = publicIn(after, topicId) ? after.topics.get(topicId) : undefined;
  if (topic === undefined) return { shared: null };
  if (publicIn(before, topicId)) return { shared: message };
  return { shared: { ...message, event: { type: 'topic.unhidden', topicId, topic: topicView(topic), ...newConvener(before, after, topic.convener) } } };
}

export function projectSpotlit(_before: MeetingState, after: MeetingState, message: EventMessage<TopicEv<'board.spotlit'>>): Projection<TopicEvent> {
  return { shared: message.event.topicId === null || publicIn(after, message.event.topicId) ? message : null };
}
