import { exhaustive } from './exhaustive.ts';
import type { Topic } from './state.ts';

/**
 * Who a state or an event is projected for. Comes from the connection's token. A participant's view
 * holds what every participant sees plus their own part (their record, their own hidden topics);
 * `breakoutGroup` is the breakout group they are in (null until meetings have breakout groups), so a
 * feature can scope a view to a group.
 */
export type Audience =
  | { role: 'facilitator' }
  | { role: 'secretary' }
  | { role: 'participant'; participantId: string; breakoutGroup: string | null }
  | { role: 'board' };

/** The facilitator and the secretary run the meeting and keep the record: they see everything. */
export function seesEverything(audience: Audience): boolean {
  switch (audience.role) {
    case 'facilitator':
    case 'secretary':
      return true;
    case 'participant':
    case 'board':
      return false;
    default:
      return exhaustive(audience);
  }
}

/** What a participant or the board may hold: hidden and withdrawn topics are redacted entirely. */
export function isPublicTopic(topic: Topic): boolean {
  return !topic.hidden && !topic.withdrawn;
}

/** A participant's own topic the facilitator hid: it stays on their own phone, flagged. */
export function isOwnHiddenTopic(topic: Topic, participantId: string | null): boolean {
  return participantId !== null && topic.hidden && !topic.withdrawn && topic.convener.kind === 'participant' && topic.convener.participantId === participantId;
}

export function isTopicVisibleTo(topic: Topic, audience: Audience | undefined): boolean {
  if (audience === undefined) return isPublicTopic(topic);
  if (seesEverything(audience)) return true;
  return isPublicTopic(topic) || (audience.role === 'participant' && isOwnHiddenTopic(topic, audience.participantId));
}
