import { isPublicTopic, seesEverything, type Audience } from './audience.ts';
import { buildIndex } from './indexes.ts';
import { projectRedacted, type EventMessage } from './registry.ts';
import type { MeetingState } from './state.ts';

/**
 * The state an audience may hold. Facilitator and secretary get the full state; participants and the
 * board get a `public` view without hidden or withdrawn topics. Merges are kept whole (they carry ids
 * only) so a topic that comes back through `topic.unhidden` folds under its target again.
 */
export function projectState(state: MeetingState, audience: Audience): MeetingState {
  if (seesEverything(audience) || state.view === 'public') return state;
  const topics = state.topics.filter(isPublicTopic);
  // `evolve` keeps the spotlight on a public topic; a view never names one it does not hold regardless.
  const spotlight = state.spotlight !== null && topics.has(state.spotlight) ? state.spotlight : null;
  // The view's index counts what the view holds, as the client's `evolve` will keep it.
  const index = topics === state.topics ? state.index : buildIndex(topics, state.merges);
  return { ...state, view: 'public', topics, spotlight, index };
}

/**
 * The log entry `before → after` as `audience` should receive it, or `null` when it carries nothing
 * this audience may know (e.g. a hidden topic is withdrawn). `before` and `after` are the full states
 * around the entry (`before` is null for `meeting.created`). Only `seq`, `at`, `actor` and `event` are
 * returned, so a log entry's command id and hashes never reach a client by accident.
 *
 * The law, tested as [D5] for every audience, with P = projectState(·, audience) and before ≠ null:
 *   projected !== null  ⇒  P(after) deep-equals evolve(P(before), projected)
 *   projected === null  ⇒  P(after) deep-equals advanceSeq(P(before), entry.seq)
 * For `meeting.created` (before = null) it reads P(after) = P(evolve(null, projected)): the event cannot
 * say which view it starts, and a client never needs it to, because its state always begins from a
 * projected snapshot. A `null` must still move the client's seq forward (the server tells it the seq
 * advanced); a client that is not told sees a gap at the next event and resyncs from a snapshot, which
 * is correct too, only slower.
 */
export function projectEvent(
  before: MeetingState | null,
  after: MeetingState,
  entry: EventMessage,
  audience: Audience
): EventMessage | null {
  const message: EventMessage = { seq: entry.seq, at: entry.at, actor: entry.actor, event: entry.event };
  if (seesEverything(audience)) return message;
  // `meeting.created` starts every view (before = null); each other event says how it is redacted.
  return before === null ? message : projectRedacted(before, after, message, audience);
}
