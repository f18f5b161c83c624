import { getContext, setContext } from 'svelte';
import { io, type Socket } from 'socket.io-client';
import type { ClientCommand, MeetingEvent, MeetingState, MeetingStateJSON } from '@yishi/domain';
import {
  PROTOCOL_VERSION,
  type Ack,
  type Actor,
  type BoardSignal,
  type ClientToServerEvents,
  type ProtocolError,
  type ServerToClientEvents
} from '@yishi/protocol';
import { socketDocChannel, type DocChannel } from '$lib/editor/socketDocProvider';
import { newCommandId } from './commandId.ts';
import { MeetingFeed } from './feed.ts';
import { ServerClock } from './serverClock.ts';
import { outbox } from './storage.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

/** A command as a page writes it; the connection adds the id it retries with. */
export type CommandInput = ClientCommand extends infer C ? (C extends ClientCommand ? Omit<C, 'commandId'> : never) : never;

interface Pending {
  command: ClientCommand;
  resolve: (ack: Ack) => void;
  /** The connection it was last sent on: each command goes out once per connection. */
  sentOn: number;
}

/** What the server sends is JSON: a snapshot's state is revived by the feed. */
type YishiClientSocket = Socket<ServerToClientEvents<MeetingStateJSON, MeetingEvent>, ClientToServerEvents<ClientCommand>>;

const ACK_TIMEOUT_MS = 10_000;
const CLOCK_REMEASURE_MS = 5 * 60_000;

/**
 * One browser's live view of one meeting. Holds the projected state the server sent, folds events with
 * the domain's `evolve`, asks for a fresh snapshot on a gap in `seq` or after a reconnect, and keeps
 * commands until the server has acknowledged them: in storage too (per meeting and person), so a reload
 * still sends them, and sent once on each connection with the same command id (the server answers a
 * repeat with the first result, so a retry never posts twice).
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
  /** ms to add to this device's clock to read the server's; measured on every connection [D41]. */
  clockOffset = $state(0);
  readonly #clock = new ServerClock({ onChange: () => (this.clockOffset = this.#clock.offset) });
  /** Measured again now and then too: a device whose clock is stepped mid-meeting (NTP, a person) is right again within minutes. */
  readonly #remeasure = setInterval(() => {
    if (this.#socket.connected) void this.#clock.measure(this.#socket as unknown as Parameters<ServerClock['measure']>[0]);
  }, CLOCK_REMEASURE_MS);

  readonly #socket: YishiClientSocket;
  readonly #pending = new Map<string, Pending>();
  /** Counts connections, so a command is sent once on each. */
  #connection = 0;
  /** Where the unacknowledged commands are kept: known from the first snapshot (meeting, and who we are). */
  #outbox: { meetingId: string; who: string } | null = null;
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
      this.#connection++;
      this.status = 'connected';
      this.#feed.expectSnapshot(); // the server sends one on every connection
      // A reconnect may land on another node: measure the offset to this one again.
      void this.#clock.measure(socket as unknown as Parameters<ServerClock['measure']>[0]);
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
      if (!this.#outbox) this.#adoptOutbox(msg.meetingId, msg.you);
    });
    socket.on('entries', ({ entries }) => this.#feed.entries(entries));
    socket.on('presence', ({ connected }) => (this.connected = new Set(connected)));
    socket.on('closing', ({ error }) => this.#close(error));
    window.addEventListener('offline', this.#onOffline);
    window.addEventListener('online', this.#onOnline);
    if (navigator.onLine === false) this.#goOffline();
  }

  /**
   * Sends a command; resolves with the server's ack once it is durable (or refused): its seq and, for a
   * command that has one, its result (the id it created). A retry is answered with the same result.
   * Survives reconnects and reloads.
   */
  send(input: CommandInput): Promise<Ack> {
    const command = { ...input, commandId: newCommandId() } as ClientCommand;
    return new Promise<Ack>((resolve) => {
      const pending = this.#keep(command, resolve);
      if (this.fatal) pending.resolve({ ok: false, error: this.fatal });
      else this.#emit(pending);
    });
  }

  #keep(command: ClientCommand, resolve: (ack: Ack) => void = () => undefined): Pending {
    const pending: Pending = {
      command,
      sentOn: 0,
      resolve: (ack) => {
        if (!this.#pending.delete(command.commandId)) return;
        this.#saveOutbox();
        resolve(ack);
      }
    };
    this.#pending.set(command.commandId, pending);
    this.#saveOutbox();
    return pending;
  }

  /**
   * Takes up what an earlier page of this person left unsent (a reload, a closed tab), and from now on
   * keeps this page's unsent commands in the same place.
   */
  #adoptOutbox(meetingId: string, you: Actor): void {
    const who = you.role === 'participant' ? `p:${you.participantId}` : you.role;
    this.#outbox = { meetingId, who };
    for (const command of outbox.load(meetingId, who)) {
      if (!this.#pending.has(command.commandId)) this.#keep(command);
    }
    this.#saveOutbox();
    for (const pending of this.#pending.values()) this.#emit(pending);
  }

  #saveOutbox(): void {
    this.pendingCount = this.#pending.size;
    if (this.#outbox) outbox.save(this.#outbox.meetingId, this.#outbox.who, [...this.#pending.values()].map((p) => p.command));
  }

  /** The server's time now as this device reads it (its own clock plus the measured offset) [D41]. */
  serverNow(): number {
    return Date.now() + this.clockOffset;
  }

  /** This connection as the way shared documents travel when the /yjs WebSocket is refused (docConnection.ts). */
  get documents(): DocChannel {
    return (this.#documents ??= socketDocChannel(this.#socket as unknown as Parameters<typeof socketDocChannel>[0]));
  }
  #documents: DocChannel | null = null;

  /** Board paging signals, relayed by the server between the console and the board (never stored). */
  boardSignal(signal: BoardSignal): void {
    if (this.#socket.connected) this.#socket.emit('board', signal);
  }

  onBoardSignal(listener: (signal: BoardSignal) => void): () => void {
    this.#socket.on('board', listener);
    return () => this.#socket.off('board', listener);
  }

  close(): void {
    clearInterval(this.#remeasure);
    window.removeEventListener('offline', this.#onOffline);
    window.removeEventListener('online', this.#onOnline);
    this.#socket.disconnect();
  }

  /** Sends a command unless it already went out on this connection; its answer, or the next connection, settles it. */
  #emit(pending: Pending): void {
    const connection = this.#connection;
    if (!this.#socket.connected || pending.sentOn === connection) return;
    pending.sentOn = connection;
    this.#socket.timeout(ACK_TIMEOUT_MS).emit('cmd', pending.command, (err: Error | null, ack: Ack) => {
      // No answer in time: the next connection sends it again (with the same id), not this one.
      if (err || !this.#pending.has(pending.command.commandId)) return;
      if (!ack.ok && ack.error.code === 'rate_limited') {
        // Refused unrun: it may go again on this connection, once the server says.
        setTimeout(() => {
          if (pending.sentOn !== connection) return;
          pending.sentOn = 0;
          this.#emit(pending);
        }, ack.error.retryAfterMs ?? 1_000);
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

/** The page's connection when it has one (a document opened where there is none gets no fallback). */
export function findMeetingConnection(): MeetingConnection | null {
  return getContext<MeetingConnection | undefined>(KEY) ?? null;
}

export function getMeetingConnection(): MeetingConnection {
  const connection = getContext<MeetingConnection | undefined>(KEY);
  if (!connection) throw new Error('no meeting connection in context');
  return connection;
}
