import type { Convener } from '@yishi/protocol';
import { isTopicVisibleTo, type Audience } from '../audience.ts';
import type { MeetingState, Topic } from '../state.ts';
import { activeMergesInto, dedupeConveners } from './merges.ts';

/**
 * The target's own convener, then the conveners of every source of its active merges (merge order,
 * then source order), without repeats. Sources the state does not hold (redacted from a public view)
 * are skipped; a topic that is not a merge target has just its own convener.
 */
export function convenersOf(state: MeetingState, topicId: string): Convener[] {
  const topic = state.topics.get(topicId);
  if (topic === undefined) return [];
  const sources = activeMergesInto(state, topicId).flatMap((merge) => present(state, merge.sourceIds));
  return dedupeConveners([topic.convener, ...sources.map((source) => source.convener)]);
}

export interface MergeGroup {
  mergeId: string;
  sources: Topic[];
}

/** One line of the topic marketplace: a topic with the duplicates merged into it folded underneath. */
export interface TopicRow {
  topic: Topic;
  /** Active merges into this topic that have a source this audience may see, oldest first. */
  merges: MergeGroup[];
  /** `topic`'s convener and its folded sources' conveners, deduplicated. */
  conveners: Convener[];
}

/**
 * Topics in posting order with merged sources folded under their target. Hidden and withdrawn topics
 * are left out unless the audience is the facilitator or the secretary; then they stay in, flagged by
 * `topic.hidden`/`topic.withdrawn`. Without an audience the redacted (public) list is returned.
 * A source whose target this audience may not see stands alone rather than vanishing with it.
 */
export function visibleTopics(state: MeetingState, audience?: Audience): TopicRow[] {
  const shown = [...state.topics.values()]
    .filter((topic) => isTopicVisibleTo(topic, audience))
    .sort((a, b) => a.order - b.order);
  const shownIds = new Set(shown.map((topic) => topic.id));
  const folded = new Set<string>();
  const groupsByTarget = new Map<string, MergeGroup[]>();
  for (const target of shown) {
    const groups: MergeGroup[] = [];
    for (const merge of activeMergesInto(state, target.id)) {
      const sources = present(state, merge.sourceIds).filter((source) => shownIds.has(source.id));
      for (const source of sources) folded.add(source.id);
      if (sources.length > 0) groups.push({ mergeId: merge.id, sources });
    }
    groupsByTarget.set(target.id, groups);
  }
  return shown
    .filter((topic) => !folded.has(topic.id))
    .map((topic) => {
      const merges = groupsByTarget.get(topic.id) ?? [];
      const conveners = dedupeConveners([topic.convener, ...merges.flatMap((g) => g.sources.map((s) => s.convener))]);
      return { topic, merges, conveners };
    });
}

/**
 * What the console says about its topic list, in the board's terms: `shown` is what the board and the
 * phones count (public rows, duplicates folded); hidden and withdrawn topics are counted apart.
 */
export function topicCounts(state: MeetingState): { shown: number; hidden: number; withdrawn: number } {
  let hidden = 0;
  let withdrawn = 0;
  for (const topic of state.topics.values()) {
    if (topic.withdrawn) withdrawn++;
    else if (topic.hidden) hidden++;
  }
  return { shown: visibleTopics(state).length, hidden, withdrawn };
}

function present(state: MeetingState, topicIds: readonly string[]): Topic[] {
  return topicIds.flatMap((id) => {
    const topic = state.topics.get(id);
    return topic === undefined ? [] : [topic];
  });
}
