import { getContext, setContext } from 'svelte';
import { io, type Socket } from 'socket.io-client';
import type { MeetingState } from '@yishi/domain';
import {
  PROTOCOL_VERSION,
  type Ack,
  type Actor,
  type BoardSignal,
  type ClientCommand,
  type ClientToServerEvents,
  type ProtocolError,
  type ServerToClientEvents
} from '@yishi/protocol';
import { newCommandId } from './commandId.ts';
import { MeetingFeed } from './feed.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

/** A command as a page writes it; the connection adds the id it retries with. */
export type CommandInput = ClientCommand extends infer C ? (C extends ClientCommand ? Omit<C, 'commandId'> : never) : never;

interface Pending {
  command: ClientCommand;
  resolve: (ack: Ack) => void;
}

type YishiClientSocket = Socket<ServerToClientEvents<MeetingState>, ClientToServerEvents>;

const ACK_TIMEOUT_MS = 10_000;

/**
 * One browser's live view of one meeting. Holds the projected state the server sent, folds events with
 * the domain's `evolve`, asks for a fresh snapshot on a gap in `seq` or after a reconnect, and keeps
 * commands until the server has acknowledged them, resending with the same command id (the server
 * answers a repeat with the first result, so a retry never posts twice).
 */
export class MeetingConnection {
  state = $state.raw<MeetingState | null>(null);
  you = $state.raw<Actor | null>(null);
  publicUrl = $state('');
  /** Participants with a live connection right now. */
  connected = $state.raw<ReadonlySet<string>>(new Set());
  status = $state<ConnectionStatus>('connecting');
  /** Why the server ended this connection for good (removed, revoked, bad token). */
  fatal = $state.raw<ProtocolError | null>(null);
  pendingCount = $state(0);

  readonly #socket: YishiClientSocket;
  readonly #pending = new Map<string, Pending>();
  readonly #feed = new MeetingFeed({
    changed: (state) => (this.state = state),
    resync: () => this.#requestSnapshot(1)
  });
  readonly #onOffline = () => this.#goOffline();
  readonly #onOnline = () => this.#goOnline();

  constructor(token: string, origin: string = location.origin) {
    this.#socket = io(origin, {
      auth: { token, protocol: PROTOCOL_VERSION },
      // WebSocket first; where it is refused (a proxy, some in-app browsers) fall back to HTTP
      // long-polling instead of retrying the WebSocket forever. Socket.IO only falls back when told to.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4_000
    });
    const socket = this.#socket;
    socket.on('connect', () => {
      this.status = 'connected';
      this.#feed.expectSnapshot(); // the server sends one on every connection
      for (const pending of this.#pending.values()) this.#emit(pending);
    });
    socket.on('disconnect', (reason) => {
      if (this.fatal) return;
      this.status = navigator.onLine === false ? 'offline' : 'reconnecting';
      // The server hung up on purpose (removed, revoked): socket.io does not retry that by itself.
      if (reason === 'io server disconnect' && !this.fatal) socket.connect();
    });
    socket.on('connect_error', (err: Error & { data?: ProtocolError }) => {
      if (err.data?.code === 'unauthorized' || err.data?.code === 'version_mismatch' || err.data?.code === 'forbidden') {
        this.#close(err.data);
        return;
      }
      this.status = navigator.onLine === false ? 'offline' : 'reconnecting';
    });
    socket.on('snapshot', (msg) => {
      this.you = msg.you;
      this.publicUrl = msg.publicUrl;
      this.#feed.snapshot(msg.seq, msg.state);
    });
    socket.on('event', (msg) => this.#feed.event(msg));
    socket.on('skip', ({ seq }) => this.#feed.skip(seq));
    socket.on('presence', ({ connected }) => (this.connected = new Set(connected)));
    socket.on('closing', ({ error }) => this.#close(error));
    window.addEventListener('offline', this.#onOffline);
    window.addEventListener('online', this.#onOnline);
    if (navigator.onLine === false) this.#goOffline();
  }

  /** Sends a command; resolves with the server's ack once it is durable (or refused). Survives reconnects. */
  send(input: CommandInput): Promise<Ack> {
    const command = { ...input, commandId: newCommandId() } as ClientCommand;
    return new Promise<Ack>((resolve) => {
      const pending: Pending = {
        command,
        resolve: (ack) => {
          if (!this.#pending.delete(command.commandId)) return;
          this.pendingCount = this.#pending.size;
          resolve(ack);
        }
      };
      this.#pending.set(command.commandId, pending);
      this.pendingCount = this.#pending.size;
      if (this.fatal) pending.resolve({ ok: false, error: this.fatal });
      else if (this.#socket.connected) this.#emit(pending);
    });
  }

  /** Board paging signals, relayed by the server between the console and the board (never stored). */
  boardSignal(signal: BoardSignal): void {
    if (this.#socket.connected) this.#socket.emit('board', signal);
  }

  onBoardSignal(listener: (signal: BoardSignal) => void): () => void {
    this.#socket.on('board', listener);
    return () => this.#socket.off('board', listener);
  }

  close(): void {
    window.removeEventListener('offline', this.#onOffline);
    window.removeEventListener('online', this.#onOnline);
    this.#socket.disconnect();
  }

  #emit(pending: Pending): void {
    this.#socket.timeout(ACK_TIMEOUT_MS).emit('cmd', pending.command, (err: Error | null, ack: Ack) => {
      if (!this.#pending.has(pending.command.commandId)) return;
      if (err) {
        // No answer in time: send again with the same id if we are still connected; a reconnect resends anyway.
        if (this.#socket.connected) this.#emit(pending);
        return;
      }
      if (!ack.ok && ack.error.code === 'rate_limited') {
        setTimeout(() => this.#socket.connected && this.#emit(pending), ack.error.retryAfterMs ?? 1_000);
        return;
      }
      pending.resolve(ack);
    });
  }

  /**
   * Asks for a snapshot until one comes: a request the server could not answer (its store was briefly
   * away) or that went unanswered is tried again, a little later each time (or when a `rate_limited`
   * answer says), instead of leaving the page holding events forever. A reconnect brings a snapshot of its own.
   */
  #requestSnapshot(attempt: number): void {
    const socket = this.#socket;
    socket.timeout(ACK_TIMEOUT_MS).emit('snapshot', {}, (err: Error | null, ack: Ack) => {
      if (!this.#feed.awaitingSnapshot || !socket.connected || (!err && ack.ok)) return;
      const limited = !err && !ack.ok && ack.error.code === 'rate_limited';
      setTimeout(
        () => {
          if (this.#feed.awaitingSnapshot && socket.connected) this.#requestSnapshot(attempt + 1);
        },
        limited ? (ack.error.retryAfterMs ?? 1_000) : Math.min(500 * attempt, 5_000)
      );
    });
  }

  #goOffline(): void {
    if (this.fatal) return;
    this.status = 'offline';
    // The browser knows the network is gone long before a heartbeat times out: drop the socket now
    // and reconnect (with a fresh snapshot) as soon as the network is back.
    this.#socket.disconnect();
  }

  #goOnline(): void {
    if (this.fatal) return;
    this.status = 'reconnecting';
    this.#socket.connect();
  }

  #close(error: ProtocolError): void {
    this.fatal = error;
    this.status = 'closed';
    for (const pending of [...this.#pending.values()]) pending.resolve({ ok: false, error });
    this.close();
  }
}

const KEY = Symbol('meeting-connection');

/** The page that opens a connection shares it with its components through context, never a module singleton. */
export function setMeetingConnection(connection: MeetingConnection): MeetingConnection {
  return setContext(KEY, connection);
}

export function getMeetingConnection(): MeetingConnection {
  const connection = getContext<MeetingConnection | undefined>(KEY);
  if (!connection) throw new Error('no meeting connection in context');
  return connection;
}
