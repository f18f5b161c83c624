import { PMap } from './pmap.ts';
import type { MeetingState, Merge, Topic } from './state.ts';

/**
 * What decisions and projections look up instead of scanning the whole meeting, so each command and
 * each event costs O(log n). Derived from the state's records and kept in step by the only functions
 * that write topics and merges (`putTopic`, `dropTopic`, `putMerge`); left out of the state's JSON,
 * and rebuilt from the records where a state is revived or projected (`buildIndex`). Counts what this
 * state holds: a public view's counts leave out the topics it does not hold, as counting its records would.
 */
export class MeetingIndex {
  constructor(
    /**
     * Per participant, how many topics they convene here that are not withdrawn (only counts above 0).
     * A public view holds no withdrawn topic, so there it counts every topic of theirs the view holds.
     */
    readonly openTopics: PMap<number>,
    /**
     * Per participant, how many public topics (neither hidden nor withdrawn) they convene here (only
     * counts above 0). On the full state: whom the public views name [D14].
     */
    readonly publicTopics: PMap<number>,
    /** Per topic folded under another by an active merge, that merge's id (a topic is a source of at most one) [D3]. */
    readonly mergeOfSource: PMap<string>,
    /** Per topic that active merges fold others into, their ids, oldest first. */
    readonly mergesInto: PMap<readonly string[]>
  ) {}

  /** Derived, so never serialized: `JSON.stringify` leaves the property out. */
  toJSON(): undefined {
    return undefined;
  }
}

const EMPTY = new MeetingIndex(PMap.empty(), PMap.empty(), PMap.empty(), PMap.empty());

export function emptyIndex(): MeetingIndex {
  return EMPTY;
}

/** The participant whose open topics `topic` counts among, if any. */
function openConvener(topic: Topic | undefined): string | null {
  return topic !== undefined && !topic.withdrawn && topic.convener.kind === 'participant' ? topic.convener.participantId : null;
}

/** The participant whose public topics `topic` counts among, if any. */
function publicConvener(topic: Topic | undefined): string | null {
  return topic !== undefined && !topic.hidden ? openConvener(topic) : null;
}

function count(counts: PMap<number>, who: string | null, delta: number): PMap<number> {
  if (who === null) return counts;
  const n = (counts.get(who) ?? 0) + delta;
  return n === 0 ? counts.delete(who) : counts.set(who, n);
}

/** The index after a topic changed from `before` to `after` (either undefined: absent). */
function indexTopic(index: MeetingIndex, before: Topic | undefined, after: Topic | undefined): MeetingIndex {
  const [wasOpen, isOpen] = [openConvener(before), openConvener(after)];
  const [wasPublic, isPublic] = [publicConvener(before), publicConvener(after)];
  if (wasOpen === isOpen && wasPublic === isPublic) return index;
  return new MeetingIndex(
    wasOpen === isOpen ? index.openTopics : count(count(index.openTopics, wasOpen, -1), isOpen, 1),
    wasPublic === isPublic ? index.publicTopics : count(count(index.publicTopics, wasPublic, -1), isPublic, 1),
    index.mergeOfSource,
    index.mergesInto
  );
}

/** The index after a merge changed from `before` to `after`; a merge becomes active only when it is made, so it is the newest. */
function indexMerge(index: MeetingIndex, before: Merge | undefined, after: Merge): MeetingIndex {
  if ((before?.active ?? false) === after.active) return index;
  let { mergeOfSource, mergesInto } = index;
  if (before?.active) {
    for (const id of before.sourceIds) if (mergeOfSource.get(id) === before.id) mergeOfSource = mergeOfSource.delete(id);
    const rest = (mergesInto.get(before.targetId) ?? []).filter((id) => id !== before.id);
    mergesInto = rest.length > 0 ? mergesInto.set(before.targetId, rest) : mergesInto.delete(before.targetId);
  }
  if (after.active) {
    for (const id of after.sourceIds) mergeOfSource = mergeOfSource.set(id, after.id);
    mergesInto = mergesInto.set(after.targetId, [...(mergesInto.get(after.targetId) ?? []), after.id]);
  }
  return new MeetingIndex(index.openTopics, index.publicTopics, mergeOfSource, mergesInto);
}

/** The index of these records, built from scratch: O(n), for a revived or projected state. */
export function buildIndex(topics: PMap<Topic>, merges: PMap<Merge>): MeetingIndex {
  let index = EMPTY;
  for (const topic of topics.values()) index = indexTopic(index, undefined, topic);
  const active = [...merges.values()].filter((merge) => merge.active).sort((a, b) => a.order - b.order);
  for (const merge of active) index = indexMerge(index, undefined, merge);
  return index;
}

/** The state with `topic` stored (added or replacing its earlier version), its index in step. */
export function putTopic(state: MeetingState, topic: Topic): MeetingState {
  return { ...state, topics: state.topics.set(topic.id, topic), index: indexTopic(state.index, state.topics.get(topic.id), topic) };
}

/** The state without the topic (the same state when it holds none), its index in step. */
export function dropTopic(state: MeetingState, topicId: string): MeetingState {
  const topic = state.topics.get(topicId);
  if (topic === undefined) return state;
  return { ...state, topics: state.topics.delete(topicId), index: indexTopic(state.index, topic, undefined) };
}

/** The state with `merge` stored (made, or undone), its index in step. */
export function putMerge(state: MeetingState, merge: Merge): MeetingState {
  return { ...state, merges: state.merges.set(merge.id, merge), index: indexMerge(state.index, state.merges.get(merge.id), merge) };
}
