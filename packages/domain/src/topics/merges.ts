import type { Convener } from '@yishi/protocol';
import type { Merge, MeetingState } from '../state.ts';

/** Active merges, oldest first. */
export function activeMerges(state: MeetingState): Merge[] {
  return Object.values(state.merges)
    .filter((merge) => merge.active)
    .sort((a, b) => a.order - b.order);
}

export function activeMergesInto(state: MeetingState, targetId: string): Merge[] {
  return activeMerges(state).filter((merge) => merge.targetId === targetId);
}

/** The active merge a topic was folded into, if any (a topic is a source of at most one). */
export function activeMergeWithSource(state: MeetingState, topicId: string): Merge | undefined {
  return activeMerges(state).find((merge) => merge.sourceIds.includes(topicId));
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
