import type { Convener } from '@yishi/protocol';
import type { Merge, MeetingState } from '../state.ts';

/** The active merges into a topic, oldest first (read from the state's index, not by scanning every merge). */
export function activeMergesInto(state: MeetingState, targetId: string): Merge[] {
  return (state.index.mergesInto.get(targetId) ?? []).map((id) => mergeOf(state, id));
}

/** The active merge a topic was folded into, if any (a topic is a source of at most one). */
export function activeMergeWithSource(state: MeetingState, topicId: string): Merge | undefined {
  const id = state.index.mergeOfSource.get(topicId);
  return id === undefined ? undefined : mergeOf(state, id);
}

/** A merge the index names; the index is kept in step with the merges, so it is always there. */
function mergeOf(state: MeetingState, mergeId: string): Merge {
  const merge = state.merges.get(mergeId);
  if (merge === undefined) throw new Error(`meeting ${state.meetingId}: index names merge ${mergeId}, which it does not hold`);
  return merge;
}

export function sameConvener(a: Convener, b: Convener): boolean {
  if (a.kind === 'participant') return b.kind === 'participant' && a.participantId === b.participantId;
  return b.kind === 'named' && a.name === b.name && a.group === b.group;
}

export function dedupeConveners(conveners: readonly Convener[]): Convener[] {
  const out: Convener[] = [];
  for (const convener of conveners) if (!out.some((seen) => sameConvener(seen, convener))) out.push(convener);
  return out;
}
