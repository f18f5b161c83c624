import { z } from 'zod';
import type { Actor, CommandValue, EventMessage as EventMessageOf, LogEntry as LogEntryOf, NewEntry as NewEntryOf } from '@yishi/protocol';
import { refuse, refuseClosed, type DecideContext, type Decision } from './decision.ts';
import type { CommandSpec, CommandSpecs, EventSpec, EventSpecs, Projection, SharedAudience } from './feature.ts';
import { documents } from './documents/index.ts';
import { decideCreate, meeting, meetingCreated } from './meeting/index.ts';
import { phases } from './phases/index.ts';
import type { RecordSection } from './record/model.ts';
import { record } from './record/index.ts';
import { authorize } from './rights.ts';
import type { MeetingState } from './state.ts';
import { timer } from './timer/index.ts';
import { topics } from './topics/index.ts';

/*
 * The registry: every feature module, composed. The protocol's unions (what a client may send, what the
 * log holds) and the domain's dispatch (decide, evolve, project) are built from the features here and
 * nowhere else. Adding a command means adding it to its feature module; a feature added here is
 * complete or does not compile.
 */

/** Commands a connected client may send over Socket.IO with `emit('cmd', command, ack)`. */
export const ClientCommandSchema = z.discriminatedUnion('type', [...meeting.clientCommands, ...phases.clientCommands, ...timer.clientCommands, ...topics.clientCommands, ...record.clientCommands, ...documents.clientCommands]);
export type ClientCommand = z.infer<typeof ClientCommandSchema>;

/** Commands the server issues itself from HTTP requests (never accepted over a socket). */
export const ServerCommandSchema = z.discriminatedUnion('type', [...meeting.serverCommands, ...documents.serverCommands]);
export type ServerCommand = z.infer<typeof ServerCommandSchema>;

export type Command = ClientCommand | ServerCommand;
export type CommandType = Command['type'];

/** Every event a meeting's log may hold; clients fold them with `evolve`. */
export const MeetingEventSchema = z.discriminatedUnion('type', [...meeting.events, ...phases.events, ...timer.events, ...topics.events, ...record.events, ...documents.events]);
export type MeetingEvent = z.infer<typeof MeetingEventSchema>;
export type MeetingEventType = MeetingEvent['type'];

/** A meeting's log entry, a new entry and an entry as an audience receives it (the protocol's, with the meeting's events). */
export type LogEntry = LogEntryOf<MeetingEvent>;
export type NewEntry = NewEntryOf<MeetingEvent>;
export type EventMessage = EventMessageOf<MeetingEvent>;
export type MeetingDecision = Decision<MeetingEvent>;

/** One spec per command and per event; the annotation is where the compiler checks that none is missing. */
const COMMANDS: CommandSpecs<Command, MeetingEvent> = { ...meeting.commands, ...phases.commands, ...timer.commands, ...topics.commands, ...record.commands, ...documents.commands };
const EVENTS: EventSpecs<MeetingEvent> = { ...meeting.eventSpecs, ...phases.eventSpecs, ...timer.eventSpecs, ...topics.eventSpecs, ...record.eventSpecs, ...documents.eventSpecs };

/**
 * Every feature's sections of the minutes, in the order the minutes print them: attendance, the agenda
 * as it ran, the topics, the documents' named versions, then the secretary's notes (the head and the
 * signatures are the record's own).
 */
export const RECORD_SECTIONS: readonly RecordSection[] = [...meeting.sections, ...phases.sections, ...topics.sections, ...documents.sections, ...record.sections];

// The maps are keyed by type, so the spec found for a value of the union is the one for that member;
// TypeScript cannot follow that correlation through an index, hence these two narrowing reads.
const commandSpec = (type: CommandType) => COMMANDS[type] as CommandSpec<Command, MeetingEvent>;
const eventSpec = (type: MeetingEventType) => EVENTS[type] as EventSpec<MeetingEvent, MeetingEvent>;

/**
 * A view's batch in seq order, with every event a later one of the batch supersedes (`EventSpec.latest`:
 * the same head count, stated again) given as its seq, i.e. a skip. Folding the result gives the same
 * state as folding the batch. Linear in the batch.
 */
export function supersededAsSkips(items: readonly (EventMessage | number)[]): (EventMessage | number)[] {
  const seen = new Set<string>();
  const out = new Array<EventMessage | number>(items.length);
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const key = typeof item === 'number' ? undefined : eventSpec(item.event.type).latest?.(item.event);
    if (key === undefined) out[i] = item;
    else if (seen.has(key)) out[i] = (item as EventMessage).seq;
    else {
      seen.add(key);
      out[i] = item;
    }
  }
  return out;
}

/** Whether what participants receive of this event may reach their phones on the slower beat (see `EventSpec.phones`). */
export function lazyForPhones(type: MeetingEventType): boolean {
  return eventSpec(type).phones === 'lazy';
}

/** Who may send each command, read from the features (tests compare it with an independent model). */
export const COMMAND_RIGHTS: { readonly [T in CommandType]: readonly Actor['role'][] } = Object.fromEntries(
  Object.entries(COMMANDS).map(([type, spec]) => [type, spec.rights])
) as { readonly [T in CommandType]: readonly Actor['role'][] };

/**
 * Checks a command against the meeting's full state and the actor's role and returns the events it
 * causes or a typed error. Pure: time and ids come from `ctx`; `state` is not touched.
 * Order of checks: meeting exists → not ended (or completing the record) → role → the command's own rules.
 */
export function decide(state: MeetingState | null, command: Command, actor: Actor, ctx: DecideContext): Decision<MeetingEvent> {
  if (state === null) {
    if (command.type !== 'meeting.create') return refuse('not_found', 'no such meeting');
    const denied = authorize(null, command, actor, COMMANDS[command.type].rights);
    return denied ? { ok: false, error: denied } : decideCreate(command, ctx);
  }
  const spec = commandSpec(command.type);
  if (state.ended) {
    // After the end participants can do nothing and nobody moderates; staff may complete the record [D8].
    if (spec.afterEnd === 'join') return refuseClosed('meeting_ended', 'the meeting has ended');
    const staff = actor.role === 'facilitator' || actor.role === 'secretary';
    if (!(spec.afterEnd === 'record' && staff)) return refuseClosed('after_end', 'the meeting has ended');
  }
  if (state.view !== 'full') return refuse('internal', 'decide needs the full meeting state, not a projected view');
  const denied = authorize(state, command, actor, spec.rights);
  if (denied) return { ok: false, error: denied };
  return spec.decide(state, command, actor, ctx);
}

/**
 * Folds one log entry into the state and returns a new state (the input is never mutated; unchanged
 * parts are shared). Works on the full state and on a projected view: an event about something the
 * view does not hold is a no-op. Throws only on a log that cannot be a meeting's (an event before
 * `meeting.created`, or a second `meeting.created`): that is corruption, not user error.
 */
export function evolve(state: MeetingState | null, entry: EventMessage): MeetingState {
  const event = entry.event;
  if (event.type === 'meeting.created') {
    if (state !== null) throw new Error(`seq ${entry.seq}: meeting.created on an existing meeting`);
    return meetingCreated(event, entry);
  }
  if (state === null) throw new Error(`seq ${entry.seq}: ${event.type} before meeting.created`);
  return { ...eventSpec(event.type).evolve(state, event, entry), seq: entry.seq };
}

/**
 * Folds entries in order. With `from` (a snapshot), entries it already contains (`seq <= from.seq`)
 * are skipped, so a tail fetched around the snapshot may overlap it.
 */
export function replay(entries: Iterable<EventMessage>, from: MeetingState | null = null): MeetingState | null {
  let state = from;
  for (const entry of entries) {
    if (state !== null && entry.seq <= state.seq) continue;
    state = evolve(state, entry);
  }
  return state;
}

/**
 * What a client does for a log entry whose projection for it was `null` (see `projectEvent`): nothing
 * changes but the seq it has seen, so the next event is not mistaken for a gap.
 */
export function advanceSeq(state: MeetingState, seq: number): MeetingState {
  return seq > state.seq ? { ...state, seq } : state;
}

/**
 * The event's own projection for a shared audience that does not see everything (see `projectShared`),
 * with the actor shown only where the event's feature says it is public.
 */
export function projectRedacted(before: MeetingState, after: MeetingState, message: EventMessage, audience: SharedAudience): Projection<MeetingEvent> {
  const spec = eventSpec(message.event.type);
  const shown = spec.actor === 'public' ? message : { ...message, actor: null };
  return spec.project ? spec.project(before, after, shown, audience) : { shared: shown };
}

/** What the ack of a command carries besides its seq, per its feature (nothing for most commands). */
export function commandResult(type: CommandType, events: readonly MeetingEvent[]): CommandValue | undefined {
  return commandSpec(type).result?.(events);
}
