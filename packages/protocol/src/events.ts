import { z } from 'zod';
import { ActorSchema, type Actor } from './model.ts';

/**
 * What every event has, whatever feature it belongs to. The events themselves (their schemas, rules and
 * projections) live in the domain's feature modules; the wire and the store only need this envelope.
 */
export const EventEnvelopeSchema = z.looseObject({ type: z.string().min(1).max(64) });
export interface EventEnvelope {
  type: string;
}

/** What a command produces before the store gives it a place in the log. */
export interface NewEntry<E extends EventEnvelope = EventEnvelope> {
  at: number;
  actor: Actor;
  commandId: string | null;
  event: E;
}

/** One entry of a meeting's append-only, hash-chained log. */
export interface LogEntry<E extends EventEnvelope = EventEnvelope> extends NewEntry<E> {
  seq: number;
  prevHash: string;
  hash: string;
}

/** A stored log entry's shape, checked by the verifier (`unreadable` when it does not hold). */
export const LogEntrySchema = z.strictObject({
  seq: z.number().int().positive(),
  at: z.number(),
  actor: ActorSchema,
  commandId: z.string().nullable(),
  event: EventEnvelopeSchema,
  prevHash: z.string(),
  hash: z.string()
});

/**
 * A log entry as one audience sees it: the projection may redact the event or drop it, and shows the
 * actor only where the event's feature says it is public (`actor: null` otherwise).
 */
export type EventMessage<E extends EventEnvelope = EventEnvelope> = Pick<LogEntry<E>, 'seq' | 'at' | 'event'> & { actor: Actor | null };
