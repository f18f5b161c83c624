import type { Actor, EventMessage } from '@yishi/protocol';
import { accept, refuse, type DecideContext, type Decision, type Refusal } from '../decision.ts';
import { currentPhase } from '../phases/index.ts';
import { dropTopic, putMerge, putTopic } from '../indexes.ts';
import type { Convener, Merge, MeetingState, Person, Topic } from '../state.ts';
import { activeMergeWithSource, activeMergesInto } from './merges.ts';
import type { TopicCmd as Cmd, TopicEv as Ev, TopicEvent, TopicView } from './schemas.ts';
import { dimmed } from './spotlight.ts';

type TopicDecision = Decision<TopicEvent>;

/** A participant's topics that still stand (hidden ones count: hiding is the facilitator's call, not theirs). */
export const MAX_OPEN_TOPICS_PER_PARTICIPANT = 20;

function topicsClosed(state: MeetingState): Refusal | null {
  return currentPhase(state).allows.topics ? null : refuse('wrong_phase', 'topics cannot be posted or edited in this phase');
}

function convenedBy(topic: Topic, participantId: string): boolean {
  return topic.convener.kind === 'participant' && topic.convener.participantId === participantId;
}

/**
 * Who may edit or withdraw a topic: its convener, or the facilitator and the secretary for a topic staff
 * entered from a paper slip (a named convener), which nobody else could ever correct [D9]. Staff never
 * touch a participant's own words.
 */
function mayAmend(topic: Topic, actor: Actor): boolean {
  switch (actor.role) {
    case 'participant':
      return convenedBy(topic, actor.participantId);
    case 'facilitator':
    case 'secretary':
      return topic.convener.kind === 'named';
    default:
      return false;
  }
}

function notAParticipant(): Refusal {
  return refuse('forbidden', 'only a participant may do this');
}

export function decidePost(state: MeetingState, command: Cmd<'topic.post'>, actor: Actor, ctx: DecideContext): TopicDecision {
  if (actor.role !== 'participant') return notAParticipant();
  const closed = topicsClosed(state);
  if (closed) return closed;
  if ((state.index.openTopics.get(actor.participantId) ?? 0) >= MAX_OPEN_TOPICS_PER_PARTICIPANT) {
    return refuse('conflict', `at most ${MAX_OPEN_TOPICS_PER_PARTICIPANT} topics per participant; withdraw one first`);
  }
  return accept<TopicEvent>({
    type: 'topic.posted',
    topicId: ctx.newId(),
    title: command.title,
    description: command.description,
    convener: { kind: 'participant', participantId: actor.participantId },
    enteredBy: null
  });
}

/** After the end any phase: staff enter the slips left over to complete the record [D8]. */
export function decidePostFor(state: MeetingState, command: Cmd<'topic.postFor'>, actor: Actor, ctx: DecideContext): TopicDecision {
  const closed = state.ended ? null : topicsClosed(state);
  if (closed) return closed;
  if (command.convenerGroup !== null && !state.groups.includes(command.convenerGroup)) {
    return refuse('invalid', 'not a group of this meeting', 'convenerGroup');
  }
  return accept<TopicEvent>({
    type: 'topic.posted',
    topicId: ctx.newId(),
    title: command.title,
    description: command.description,
    convener: { kind: 'named', name: command.convenerName, group: command.convenerGroup },
    enteredBy: actor
  });
}

/** While the meeting runs, only in a phase that takes topics; after the end staff may still correct the record. */
export function decideEdit(state: MeetingState, command: Cmd<'topic.edit'>, actor: Actor): TopicDecision {
  const topic = state.topics.get(command.topicId);
  if (topic === undefined) return refuse('not_found', 'no such topic', 'topicId');
  if (!mayAmend(topic, actor)) return refuse('forbidden', 'only the convener (or staff, for a topic staff entered) may edit a topic');
  if (topic.withdrawn) return refuse('conflict', 'the topic was withdrawn');
  const closed = state.ended ? null : topicsClosed(state);
  if (closed) return closed;
  if (topic.hidden) return refuse('conflict', 'the topic is hidden');
  if (activeMergeWithSource(state, topic.id)) return refuse('conflict', 'the topic was merged into another');
  return accept<TopicEvent>({ type: 'topic.edited', topicId: topic.id, title: command.title, description: command.description });
}

/** Allowed in any phase, but not while the topic takes part in a merge: the facilitator unmerges first. */
export function decideWithdraw(state: MeetingState, command: Cmd<'topic.withdraw'>, actor: Actor): TopicDecision {
  const topic = state.topics.get(command.topicId);
  if (topic === undefined) return refuse('not_found', 'no such topic', 'topicId');
  if (!mayAmend(topic, actor)) return refuse('forbidden', 'only the convener (or staff, for a topic staff entered) may withdraw a topic');
  if (topic.withdrawn) return refuse('conflict', 'the topic was already withdrawn');
  if (activeMergeWithSource(state, topic.id) || activeMergesInto(state, topic.id).length > 0) {
    return refuse('conflict', 'the topic is part of a merge; it must be unmerged first');
  }
  return accept<TopicEvent>({ type: 'topic.withdrawn', topicId: topic.id });
}

export function decideVisibility(state: MeetingState, command: Cmd<'topic.hide' | 'topic.unhide'>): TopicDecision {
  const topic = state.topics.get(command.topicId);
  if (topic === undefined) return refuse('not_found', 'no such topic', 'topicId');
  if (topic.withdrawn) return refuse('conflict', 'the topic was withdrawn');
  const hide = command.type === 'topic.hide';
  if (topic.hidden === hide) return refuse('conflict', hide ? 'the topic is already hidden' : 'the topic is not hidden');
  return accept<TopicEvent>(hide ? { type: 'topic.hidden', topicId: topic.id } : { type: 'topic.unhidden', topicId: topic.id });
}

/**
 * Merges are one level deep: a source is folded under exactly one target, and a target is never
 * itself folded. That keeps the conveners of a merged topic a flat, complete list [D3].
 */
export function decideMerge(state: MeetingState, command: Cmd<'topic.merge'>, ctx: DecideContext): TopicDecision {
  if (new Set(command.sourceIds).size !== command.sourceIds.length) return refuse('invalid', 'duplicate topic ids', 'sourceIds');
  const target = state.topics.get(command.targetId);
  if (target === undefined) return refuse('not_found', 'no such target topic', 'targetId');
  const sources: Topic[] = [];
  for (const id of command.sourceIds) {
    const source = state.topics.get(id);
    if (source === undefined) return refuse('not_found', `no such topic ${id}`, 'sourceIds');
    sources.push(source);
  }
  if (target.withdrawn || sources.some((s) => s.withdrawn)) return refuse('conflict', 'a withdrawn topic cannot be merged');
  if (command.sourceIds.includes(target.id)) return refuse('conflict', 'a topic cannot be merged into itself', 'sourceIds');
  const folded = (topic: Topic) => state.index.mergeOfSource.has(topic.id);
  if (folded(target) || sources.some(folded)) return refuse('conflict', 'a topic is already merged into another');
  if (sources.some((s) => state.index.mergesInto.has(s.id))) return refuse('conflict', 'a source has topics merged into it; unmerge first');
  return accept<TopicEvent>({ type: 'topic.merged', mergeId: ctx.newId(), targetId: target.id, sourceIds: [...command.sourceIds] });
}

export function decideUnmerge(state: MeetingState, command: Cmd<'topic.unmerge'>): TopicDecision {
  const merge = state.merges.get(command.mergeId);
  if (merge === undefined) return refuse('not_found', 'no such merge', 'mergeId');
  if (!merge.active) return refuse('conflict', 'already unmerged');
  return accept<TopicEvent>({ type: 'topic.unmerged', mergeId: merge.id });
}

export function topicView(topic: TopicView): TopicView {
  const { id, title, description, convener, enteredBy, postedAt, order } = topic;
  return { id, title, description, convener, enteredBy, postedAt, order };
}

function fromView(view: TopicView): Topic {
  return { ...topicView(view), hidden: false, withdrawn: false, amendedAfterEnd: false };
}

/** Posts and edits folded after `meeting.ended` are staff completing the record: marked so [D8]. */
export function topicPosted(state: MeetingState, event: Ev<'topic.posted'>, entry: EventMessage): MeetingState {
  const { topicId, title, description, convener, enteredBy } = event;
  const topic = { ...fromView({ id: topicId, title, description, convener, enteredBy, postedAt: entry.at, order: entry.seq }), amendedAfterEnd: state.ended };
  return putTopic(withConvener(state, convener, event.person), topic);
}

/** A view learns the name of a convener it did not name from the event that brings their topic. */
function withConvener(state: MeetingState, convener: Convener, person: Person | undefined): MeetingState {
  if (person === undefined || convener.kind !== 'participant') return state;
  return { ...state, people: state.people.set(convener.participantId, person) };
}

/**
 * A view stops naming a convener with the last of their topics it held [D14]. The index says when, in
 * O(log n): a view holds no withdrawn topic, so its `openTopics` counts every topic of theirs it holds.
 */
function unnamed(state: MeetingState, topic: Topic): MeetingState {
  if (topic.convener.kind !== 'participant' || state.index.openTopics.has(topic.convener.participantId)) return state;
  return { ...state, people: state.people.delete(topic.convener.participantId) };
}

export function topicEdited(state: MeetingState, event: Ev<'topic.edited'>): MeetingState {
  const topic = state.topics.get(event.topicId);
  if (topic === undefined) return state;
  return putTopic(state, { ...topic, title: event.title, description: event.description, amendedAfterEnd: topic.amendedAfterEnd || state.ended });
}

/**
 * The full state keeps a hidden or withdrawn topic, flagged, for the facilitator's console; a public
 * view drops it (and a topic it never held is a no-op), which is what `projectState` would give.
 */
export function topicRedacted(state: MeetingState, event: Ev<'topic.hidden' | 'topic.withdrawn'>): MeetingState {
  const next = dimmed(state, [event.topicId]);
  const topic = state.topics.get(event.topicId);
  if (topic === undefined) return next;
  // A phone keeps its own topic the facilitator hid, flagged, as the full state does.
  const ownPhone = event.type === 'topic.hidden' && topic.convener.kind === 'participant' && topic.convener.participantId === state.self;
  if (state.view === 'public' && !ownPhone) return unnamed(dropTopic(next, event.topicId), topic);
  const flag = event.type === 'topic.hidden' ? { hidden: true } : { withdrawn: true };
  return putTopic(next, { ...topic, ...flag, amendedAfterEnd: topic.amendedAfterEnd || state.ended });
}

/** A view that never held the topic gets it from `event.topic`, filled in by the projection. */
export function topicUnhidden(state: MeetingState, event: Ev<'topic.unhidden'>): MeetingState {
  const topic = state.topics.get(event.topicId);
  if (topic !== undefined) return putTopic(state, { ...topic, hidden: false });
  if (event.topic === undefined) return state;
  return putTopic(withConvener(state, event.topic.convener, event.person), fromView(event.topic));
}

export function topicMerged(state: MeetingState, event: Ev<'topic.merged'>, entry: EventMessage): MeetingState {
  const merge: Merge = {
    id: event.mergeId,
    targetId: event.targetId,
    sourceIds: [...event.sourceIds],
    order: entry.seq,
    mergedAt: entry.at,
    active: true,
    unmergedAt: null
  };
  return putMerge(dimmed(state, event.sourceIds), merge);
}

export function topicUnmerged(state: MeetingState, event: Ev<'topic.unmerged'>, entry: EventMessage): MeetingState {
  const merge = state.merges.get(event.mergeId);
  return merge === undefined ? state : putMerge(state, { ...merge, active: false, unmergedAt: entry.at });
}
