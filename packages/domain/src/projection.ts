import { isOwnHiddenTopic, isPublicTopic, seesEverything, type Audience } from './audience.ts';
import type { PrivatePart, SharedAudience } from './feature.ts';
import { documentsForView } from './documents/documents.ts';
import { buildIndex } from './indexes.ts';
import { PMap } from './pmap.ts';
import { projectRedacted, type EventMessage, type MeetingEvent } from './registry.ts';
import type { MeetingState, PaperParticipant, Participant, Person, Topic } from './state.ts';

/**
 * The state an audience may hold. Facilitator and secretary get the full state; participants and the
 * board get a `public` view: no hidden or withdrawn topic (but a phone keeps its own hidden topics,
 * flagged), head counts per group (paper participants apart), its own participant (on a phone) and, by name and group only, the
 * people it shows: the conveners of the topics it holds [D14]. Merges are kept whole (they carry ids
 * only) so a topic that comes back through `topic.unhidden` folds under its target again.
 */
export function projectState(state: MeetingState, audience: Audience): MeetingState {
  if (seesEverything(audience) || state.view === 'public') return state;
  const self = audience.role === 'participant' ? audience.participantId : null;
  const topics = state.topics.filter((topic) => isPublicTopic(topic) || isOwnHiddenTopic(topic, self));
  // `evolve` keeps the spotlight on a public topic; a view never names one it does not hold regardless.
  const spotlight = state.spotlight !== null && topics.has(state.spotlight) ? state.spotlight : null;
  const mine = self === null ? undefined : state.participants.get(self);
  const participants = mine === undefined ? PMap.empty<Participant>() : PMap.empty<Participant>().set(mine.id, mine);
  // The view's index counts what the view holds, as the client's `evolve` will keep it.
  const index = topics === state.topics ? state.index : buildIndex(topics, state.merges);
  // Paper names and the record's fields are the staff's; the view keeps the paper counts and the published flag [D18].
  const paper = PMap.empty<PaperParticipant>();
  // A named set is reduced to the view's own participant, if named [D21].
  let documents = state.documents;
  for (const doc of state.documents.values()) if (doc.editors.length > 0) documents = documents.set(doc.id, documentsForView(doc, self));
  return { ...state, view: 'public', self, topics, participants, people: shownPeople(state, topics.values()), spotlight, paper, record: null, documents, index };
}

/** The conveners of the topics a view holds, by name and group. */
function shownPeople(state: MeetingState, topics: Iterable<Topic>): PMap<Person> {
  let people = PMap.empty<Person>();
  for (const topic of topics) {
    if (topic.convener.kind !== 'participant') continue;
    const participant = state.participants.get(topic.convener.participantId);
    if (participant !== undefined) people = people.set(participant.id, { name: participant.name, group: participant.group });
  }
  return people;
}

/** An entry as the audiences that do not see everything receive it: a shared part and private parts (see `Projection`). */
export interface Delivery {
  shared: EventMessage | null;
  private: readonly PrivatePart<MeetingEvent>[];
}

/**
 * The log entry `before → after` for a shared audience (the board, or every participant): the part they
 * all receive, and the parts only some participants receive instead (sent to their own room). `before`
 * is null for `meeting.created`. Only `seq`, `at`, `actor` and `event` are sent, so a log entry's command
 * id and hashes never reach a client by accident; the actor only where the feature says it is public.
 */
export function projectShared(before: MeetingState | null, after: MeetingState, entry: EventMessage, audience: SharedAudience): Delivery {
  const message: EventMessage = { seq: entry.seq, at: entry.at, actor: entry.actor, event: entry.event };
  // `meeting.created` (before = null) starts every view and has no projection of its own.
  const projected = projectRedacted(before ?? after, after, message, audience);
  return { shared: projected.shared, private: projected.private ?? [] };
}

/**
 * The log entry `before → after` as one `audience` receives it, or `null` when it carries nothing this
 * audience may know (e.g. a hidden topic is withdrawn). A participant receives their private part if
 * the entry has one for them, else the shared part.
 *
 * The law, tested as [D5] for every audience (each participant too), with P = projectState(·, audience)
 * and before ≠ null:
 *   projected !== null  ⇒  P(after) deep-equals evolve(P(before), projected)
 *   projected === null  ⇒  P(after) deep-equals advanceSeq(P(before), entry.seq)
 * For `meeting.created` (before = null) it reads P(after) = P(evolve(null, projected)): the event cannot
 * say which view it starts, and a client never needs it to, because its state always begins from a
 * projected snapshot. A `null` must still move the client's seq forward (the server tells it the seq
 * advanced); a client that is not told sees a gap at the next event and resyncs from a snapshot.
 */
export function projectEvent(before: MeetingState | null, after: MeetingState, entry: EventMessage, audience: Audience): EventMessage | null {
  if (seesEverything(audience)) return { seq: entry.seq, at: entry.at, actor: entry.actor, event: entry.event };
  const shared: SharedAudience = audience.role === 'participant' ? { role: 'participant', breakoutGroup: audience.breakoutGroup } : audience;
  const delivery = projectShared(before, after, entry, shared);
  if (audience.role !== 'participant') return delivery.shared;
  const mine = delivery.private.find((part) => part.participantId === audience.participantId);
  return mine === undefined ? delivery.shared : mine.message;
}

