import { personOf, type MeetingState, type TopicRow } from '@yishi/domain';
import type { Convener } from '@yishi/protocol';
import { m } from '$lib/i18n';

/** The names shown for a topic's conveners (someone the view does not name shows as "someone"). */
export function convenerNames(state: MeetingState, conveners: Convener[]): string {
  return conveners
    .map((c) => (c.kind === 'named' ? c.name : (personOf(state, c.participantId)?.name ?? m.someone())))
    .join('、');
}

export function isMine(row: TopicRow, participantId: string | null): boolean {
  return participantId !== null && row.topic.convener.kind === 'participant' && row.topic.convener.participantId === participantId;
}
