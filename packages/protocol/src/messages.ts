import { z } from 'zod';
import type { ProtocolError } from './errors.ts';
import type { EventEnvelope, EventMessage } from './events.ts';
import type { Actor } from './model.ts';

/**
 * The wire version. A client sends it in the Socket.IO handshake (`auth.protocol`); a mismatch is
 * refused with `version_mismatch` so an old cached page tells the person to reload.
 */
export const PROTOCOL_VERSION = 4;

export const HandshakeAuthSchema = z.strictObject({
  token: z.string().min(16).max(256),
  protocol: z.number().int()
});
export type HandshakeAuth = z.infer<typeof HandshakeAuthSchema>;

/** A command's result, as its feature declares it (the id it created, …): plain JSON values only. */
export type CommandValue = { readonly [key: string]: string | number | boolean | null };

/** The answer to a command: its log position and, where the command has one, its result (the same on a retry). */
export type Ack = { ok: true; seq: number; result?: CommandValue } | { ok: false; error: ProtocolError };

export interface SnapshotMessage<State = unknown> {
  protocol: number;
  meetingId: string;
  seq: number;
  /** Meeting state projected for this connection's audience. */
  state: State;
  /** Who this connection is. */
  you: Actor;
  /** The address phones should open (PUBLIC_URL or the server's LAN address), for the QR code. */
  publicUrl: string;
}

/** Which participants have at least one live connection right now (ephemeral, never persisted). */
export interface PresenceMessage {
  connected: string[];
}

/**
 * Ephemeral signals between the facilitator's console and the board (turning the topic wall's pages).
 * Relayed by the server to the other side, never stored. The console sends `turn`, `auto` and `hello`
 * (asking the board to say where it is); the board answers with `state`.
 */
export const BoardSignalSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('turn'), delta: z.union([z.literal(1), z.literal(-1)]) }),
  z.strictObject({ type: z.literal('auto'), on: z.boolean() }),
  z.strictObject({ type: z.literal('hello') }),
  z.strictObject({ type: z.literal('state'), page: z.number().int().min(1).max(10_000), pages: z.number().int().min(1).max(10_000), auto: z.boolean() })
]);
export type BoardSignal = z.infer<typeof BoardSignalSchema>;

/** Entries from `skip` to `to` (inclusive) this audience may not see (their projection is empty): only the seq moves on. */
export interface SkipRun {
  skip: number;
  to: number;
}

/** One entry of a batch: an event as this audience sees it, or a run of entries it may not see. */
export type FeedEntry<E extends EventEnvelope = EventEnvelope> = EventMessage<E> | SkipRun;

/**
 * The log entries a room was sent over one short window, in `seq` order, as one message: one frame per
 * socket instead of one per entry (a join storm of N phones otherwise sent each phone every join,
 * N²/2 frames). The page folds them in order exactly as if they had come one by one.
 */
export interface EntriesMessage<E extends EventEnvelope = EventEnvelope> {
  entries: FeedEntry<E>[];
}

export interface ServerToClientEvents<State = unknown, E extends EventEnvelope = EventEnvelope> {
  entries: (msg: EntriesMessage<E>) => void;
  snapshot: (msg: SnapshotMessage<State>) => void;
  presence: (msg: PresenceMessage) => void;
  board: (signal: BoardSignal) => void;
  /** Sent just before the server closes a connection for a stated reason. */
  closing: (msg: { reason: string; error: ProtocolError }) => void;
}

export interface ClientToServerEvents<C = unknown> {
  cmd: (command: C, ack: (ack: Ack) => void) => void;
  snapshot: (request: unknown, ack: (ack: Ack) => void) => void;
  board: (signal: BoardSignal) => void;
}

