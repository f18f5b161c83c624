import { exhaustive } from './exhaustive.ts';
import type { Topic } from './state.ts';

/**
 * Who a state or an event is projected for. Comes from the connection's token. No rule reads
 * `participantId` yet, so every participant gets the same projection today; a rule that does (a
 * participant seeing their own anonymous ballot) will need per-participant projection on the server.
 */
export type Audience =
  | { role: 'facilitator' }
  | { role: 'secretary' }
  | { role: 'participant'; participantId: string }
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

export function isTopicVisibleTo(topic: Topic, audience: Audience | undefined): boolean {
  return (audience !== undefined && seesEverything(audience)) || isPublicTopic(topic);
}
