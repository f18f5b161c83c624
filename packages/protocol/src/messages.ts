import { z } from 'zod';
import type { ProtocolError } from './errors.ts';
import { LIMITS } from './text.ts';
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

/*
 * A shared document over the meeting's Socket.IO connection, for browsers that refuse the /yjs
 * WebSocket (in-app browsers, some proxies): the same y-protocols messages as /yjs, as binary, with
 * the same rights and limits. `doc:open` answers a DocAck; a message the server refuses closes the
 * document (`doc:closed`, with the code /yjs would have closed the WebSocket with), never the socket.
 */

const DocIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** `doc:open` and `doc:close`. */
export const DocRequestSchema = z.strictObject({ docId: DocIdSchema });
export type DocRequest = z.infer<typeof DocRequestSchema>;

/** `doc:msg` both ways: one y-protocols message (sync, awareness, auth) for one open document. */
export const DocMessageSchema = z.strictObject({
  docId: DocIdSchema,
  data: z.instanceof(Uint8Array).refine((d) => d.byteLength > 0 && d.byteLength <= LIMITS.maxFrameBytes, `1 to ${LIMITS.maxFrameBytes} bytes`)
});
export interface DocMessage {
  docId: string;
  /** A Buffer in Node, an ArrayBuffer in a browser. */
  data: Uint8Array | ArrayBuffer;
}

/** The answer to a document request; `closeCode` is the WS_CLOSE code /yjs would have answered with. */
export type DocAck = { ok: true } | { ok: false; error: ProtocolError; closeCode?: number };

/** The server closed a document opened over the socket (rights, limits, a refused message, shutdown). */
export interface DocClosedMessage {
  docId: string;
  /** A WS_CLOSE code, as /yjs would close its WebSocket. */
  code: number;
  reason: string;
  error: ProtocolError;
}

export interface ServerToClientEvents<State = unknown, E extends EventEnvelope = EventEnvelope> {
  entries: (msg: EntriesMessage<E>) => void;
  snapshot: (msg: SnapshotMessage<State>) => void;
  presence: (msg: PresenceMessage) => void;
  board: (signal: BoardSignal) => void;
  /** Sent just before the server closes a connection for a stated reason. */
  closing: (msg: { reason: string; error: ProtocolError }) => void;
  'doc:msg': (msg: DocMessage) => void;
  'doc:closed': (msg: DocClosedMessage) => void;
}

export interface ClientToServerEvents<C = unknown> {
  cmd: (command: C, ack: (ack: Ack) => void) => void;
  snapshot: (request: unknown, ack: (ack: Ack) => void) => void;
  board: (signal: BoardSignal) => void;
  /**
   * A clock ping: the server answers with its own time (ms since the epoch), from which the client
   * measures its offset to this server (round trip and all; see the domain's `estimateClockOffset`).
   */
  time: (request: unknown, ack: (serverNow: number) => void) => void;
  'doc:open': (request: DocRequest, ack: (ack: DocAck) => void) => void;
  'doc:close': (request: DocRequest, ack?: (ack: DocAck) => void) => void;
  /** Without an ack as a rule (a refusal comes as `doc:closed`); with one, answered once handled. */
  'doc:msg': (msg: DocMessage, ack?: (ack: DocAck) => void) => void;
}

