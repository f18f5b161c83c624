import { z } from 'zod';
import { CommandIdSchema, type Actor, type CommandValue, type EventEnvelope, type EventMessage } from '@yishi/protocol';
import type { Audience } from './audience.ts';
import type { DecideContext, Decision } from './decision.ts';
import type { MeetingState } from './state.ts';

/*
 * One feature, one module. A feature (meeting and participants, phases, topics, …) lives in its own
 * folder and states, in one place, everything about its commands and events:
 * - the schemas (`cmd`, `serverCmd`, `ev` below), from which the protocol's unions are composed;
 * - per command: who may send it, whether staff may still send it after the end, and `decide`;
 * - per event: `evolve`, and how it reaches an audience that does not see everything.
 * `registry.ts` composes the features. The spec maps are keyed by the feature's own union, so a command
 * or event without its spec, or a spec for one that does not exist, does not compile.
 */

/** A command a client sends over the socket; the command id makes a retry idempotent. */
export const cmd = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), commandId: CommandIdSchema, ...shape });

/** A command the server issues itself from an HTTP request (never accepted over a socket). */
export const serverCmd = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.strictObject({ type: z.literal(type), ...shape });

/** An event: what happened. The log holds these; every client folds them with `evolve`. */
export const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.strictObject({ type: z.literal(type), ...shape });

export type Role = Actor['role'];

export interface CommandSpec<C, E extends EventEnvelope> {
  /**
   * What the command's ack carries besides its seq (the id it created, …), read from the events it
   * caused. Stored with the command's result, so a retry (same command id) is answered the same.
   */
  result?(events: readonly E[]): CommandValue;
  /** Who may send it (finer rules, such as only a topic's convener, are the command's own `decide`). */
  rights: readonly Role[];
  /**
   * Once the meeting has ended every command is refused (`closed`, reason `after_end`), except:
   * `record` — the facilitator and the secretary may still complete the record [D8];
   * `join` — refused with reason `meeting_ended`, which the join page words as joining.
   */
  afterEnd?: 'record' | 'join';
  decide(state: MeetingState, command: C, actor: Actor, ctx: DecideContext): Decision<E>;
}

/** A participant's own part of an event: what they receive instead of the shared part (null: nothing). */
export interface PrivatePart<E extends EventEnvelope> {
  participantId: string;
  message: EventMessage<E> | null;
}

/**
 * An entry as the audiences that do not see everything receive it: one shared part for the audience
 * (every participant, the board, later a breakout group), and private parts for the few participants
 * whose own view differs (their own record, their own hidden topic, later their own ballot). The server
 * sends each private part to that participant's room only and the shared part to the rest.
 */
export interface Projection<E extends EventEnvelope> {
  /** Null when it carries nothing the audience may know (the client then only moves its seq on). */
  shared: EventMessage<E> | null;
  private?: readonly PrivatePart<E>[];
}

/** An audience that shares one projection: the board, or the participants (of one breakout group, once there are groups). */
export type SharedAudience = Exclude<Audience, { role: 'participant' }> | { role: 'participant'; breakoutGroup: string | null };

/**
 * `E` is the event, `F` the feature's events: a projection may turn an entry into another event of its
 * feature that only views receive (a join reaches a public view as `attendance.counted`).
 */
export interface EventSpec<E extends EventEnvelope, F extends EventEnvelope = E> {
  /** The state with the event folded in; never mutates `state`. Works on the full state and on a projected view. */
  evolve(state: MeetingState, event: E, entry: EventMessage<E>): MeetingState;
  /**
   * Whether a public view (participants, the board) may see who caused the entry. `private`: the actor
   * is sent as null (moderation names nobody; a join names someone the view may not hold). Staff always see it.
   */
  actor: 'public' | 'private';
  /**
   * The entry for a shared audience that does not see everything, and private parts per participant.
   * `before` and `after` are the full states around the entry. Absent: every audience receives the
   * entry as it is. The law it keeps, for the board and for every single participant, is [D5].
   */
  project?(before: MeetingState, after: MeetingState, message: EventMessage<E>, audience: SharedAudience): Projection<F>;
  /**
   * `lazy`: what participants receive of it may reach their phones on a slower beat (seconds, not a
   * tenth of one), because nothing a phone shows waits on it — a head count. In a hall of 2,000 phones
   * each batch is a frame per phone; joins, which come all evening, then cost a frame per phone every
   * few seconds instead of ten a second. Staff and the board receive it as soon as anything.
   */
  phones?: 'lazy';
  /**
   * For an event that states a value rather than a change (a group's head count): its key. Of several
   * events with one key sent to a view in one batch, only the last matters, so the others may go as
   * skips — a batch of 150 joins then carries three head counts, not 150.
   */
  latest?(event: E): string;
}

type Tagged = { type: string };

/** One spec per command of the union `C` (whose events are `E`), keyed by its type. */
export type CommandSpecs<C extends Tagged, E extends EventEnvelope> = { readonly [T in C['type']]: CommandSpec<Extract<C, { type: T }>, E> };

/** One spec per event of the union `E`, keyed by its type. */
export type EventSpecs<E extends Tagged> = { readonly [T in E['type']]: EventSpec<Extract<E, { type: T }>, E> };
