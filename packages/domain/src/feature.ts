import { z } from 'zod';
import { CommandIdSchema, type Actor, type EventEnvelope, type EventMessage } from '@yishi/protocol';
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

export interface EventSpec<E extends EventEnvelope> {
  /** The state with the event folded in; never mutates `state`. Works on the full state and on a projected view. */
  evolve(state: MeetingState, event: E, entry: EventMessage<E>): MeetingState;
  /**
   * The entry as an audience that does not see everything (participants, the board) receives it, or null
   * when it carries nothing that audience may know (the client then only moves its seq on). `before` and
   * `after` are the full states around the entry. Absent: every audience receives the entry as it is.
   */
  project?(before: MeetingState, after: MeetingState, message: EventMessage<E>, audience: Audience): EventMessage<E> | null;
}

type Tagged = { type: string };

/** One spec per command of the union `C` (whose events are `E`), keyed by its type. */
export type CommandSpecs<C extends Tagged, E extends EventEnvelope> = { readonly [T in C['type']]: CommandSpec<Extract<C, { type: T }>, E> };

/** One spec per event of the union `E`, keyed by its type. */
export type EventSpecs<E extends Tagged> = { readonly [T in E['type']]: EventSpec<Extract<E, { type: T }>> };
