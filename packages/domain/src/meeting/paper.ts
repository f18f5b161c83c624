import type { CommandValue, EventMessage } from '@yishi/protocol';
import { accept, refuse, type DecideContext, type Decision } from '../decision.ts';
import type { Projection } from '../feature.ts';
import type { MeetingState, PaperParticipant } from '../state.ts';
import { PAPER_COUNT_MAX } from './schemas.ts';
import type { MeetingLifeCmd as Cmd, MeetingLifeEv as Ev, MeetingLifeEvent } from './schemas.ts';

/*
 * Paper participants: people without a phone, whom staff declare on the desk by name (one person) or as
 * a count of unnamed people of a stakeholder group. One concept for every feature: they count in
 * attendance here, and later in quorums and denominators, with their dots, votes and scores entered as
 * paper tallies. The full state holds each declaration; every view holds the count per group [D17], and
 * no public view ever holds a name [D18].
 */

export function decidePaperAdd(state: MeetingState, command: Cmd<'paper.add'>, ctx: DecideContext): Decision<MeetingLifeEvent> {
  if (!state.groups.includes(command.group)) return refuse('invalid', 'not a group of this meeting', 'group');
  const name = command.name ?? null;
  const count = name === null ? (command.count ?? 0) : 1;
  if (count < 1 || count > PAPER_COUNT_MAX) return refuse('invalid', `a name, or a count from 1 to ${PAPER_COUNT_MAX}`, 'count');
  return accept<MeetingLifeEvent>({ type: 'paper.added', paperId: ctx.newId(), group: command.group, name, count });
}

export function decidePaperRemove(state: MeetingState, command: Cmd<'paper.remove'>): Decision<MeetingLifeEvent> {
  if (!state.paper.has(command.paperId)) return refuse('not_found', 'no such paper participant', 'paperId');
  return accept<MeetingLifeEvent>({ type: 'paper.removed', paperId: command.paperId });
}

/** The ack of a declaration carries its id, so the desk can remove it again (a retry gets the same id). */
export function createdPaper(events: readonly MeetingLifeEvent[]): CommandValue {
  const added = events.find((e) => e.type === 'paper.added');
  return { paperId: added?.type === 'paper.added' ? added.paperId : null };
}

function counted(state: MeetingState, group: string, delta: number) {
  return state.paperCount.set(group, (state.paperCount.get(group) ?? 0) + delta);
}

export function paperAdded(state: MeetingState, event: Ev<'paper.added'>, entry: EventMessage): MeetingState {
  const person: PaperParticipant = {
    id: event.paperId,
    group: event.group,
    name: event.name,
    count: event.count,
    addedAt: entry.at,
    order: entry.seq,
    amendedAfterEnd: state.ended
  };
  // A public view holds no declaration: it learns the count through `paper.counted` (see `projectPaper`).
  const paper = state.view === 'full' ? state.paper.set(person.id, person) : state.paper;
  return { ...state, paper, paperCount: counted(state, event.group, event.count) };
}

export function paperRemoved(state: MeetingState, event: Ev<'paper.removed'>): MeetingState {
  const person = state.paper.get(event.paperId);
  if (person === undefined) return state;
  return { ...state, paper: state.paper.delete(event.paperId), paperCount: counted(state, person.group, -person.count) };
}

export function paperCounted(state: MeetingState, event: Ev<'paper.counted'>): MeetingState {
  return { ...state, paperCount: state.paperCount.set(event.group, event.count) };
}

/** Paper participants per stakeholder group, every meeting group listed, in meeting order. */
export function paperCountsByGroup(state: MeetingState): Record<string, number> {
  return Object.fromEntries(state.groups.map((group) => [group, state.paperCount.get(group) ?? 0]));
}

/** A declaration or a removal reaches a public view as the group's new paper count, never with a name. */
export function projectPaper(before: MeetingState, after: MeetingState, message: EventMessage<Ev<'paper.added' | 'paper.removed'>>): Projection<MeetingLifeEvent> {
  const event = message.event;
  const group = event.type === 'paper.added' ? event.group : before.paper.get(event.paperId)?.group;
  if (group === undefined) return { shared: null };
  return { shared: { ...message, event: { type: 'paper.counted', group, count: after.paperCount.get(group) ?? 0 } } };
}
