import type { Server as HttpServer } from 'node:http';
import { ClientCommandSchema, lazyForPhones, projectShared, supersededAsSkips, type Delivery, projectState, type Audience, type ClientCommand, type EventMessage, type MeetingEvent, type MeetingState, type SharedAudience } from '@yishi/domain';
import {
  BoardSignalSchema,
  CLOSE_REASONS,
  HandshakeAuthSchema,
  LIMITS,
  PROTOCOL_VERSION,
  invalidFromZod,
  protocolError,
  type Ack,
  type Actor,
  type FeedEntry,
  type ClientToServerEvents,
  type ProtocolError,
  type ServerToClientEvents
} from '@yishi/protocol';
import type { Store } from '@yishi/store';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { authenticate, type Authenticated } from '../auth.ts';
import type { Config } from '../config.ts';
import { TokenBucket } from '../http/failureThrottle.ts';
import type { OriginPolicy } from '../http/origins.ts';
import type { Logger } from '../logger.ts';
import type { CommittedEntry, MeetingService } from '../meetings/meetingService.ts';
import { retrying } from '../scale/resubscribed.ts';
import { DocSession } from '../yjs/docSockets.ts';
import type { DocVersions } from '../yjs/docVersions.ts';
import type { YjsServer } from '../yjs/yjsServer.ts';

interface SocketData {
  auth: Authenticated;
  /** Who this connection's projection is for; a participant's breakout group is kept here (null until there are groups). */
  audience: Audience;
}

/** Between nodes: "which participants of this meeting are connected to you?" — a few ids, not sockets. */
interface ServerSideEvents {
  'presence:query': (meetingId: string, ack: (participantIds: string[]) => void) => void;
}

type YishiSocket = Socket<ClientToServerEvents<ClientCommand>, ServerToClientEvents<MeetingState, MeetingEvent>, ServerSideEvents, SocketData>;
export type YishiIo = Server<ClientToServerEvents<ClientCommand>, ServerToClientEvents<MeetingState, MeetingEvent>, ServerSideEvents, SocketData>;

export const rooms = {
  meeting: (meetingId: string) => `m:${meetingId}`,
  role: (meetingId: string, role: string) => `m:${meetingId}:r:${role}`,
  participant: (meetingId: string, participantId: string) => `m:${meetingId}:p:${participantId}`,
  token: (tokenId: string) => `t:${tokenId}`
};

function audienceOf(actor: Actor): Audience {
  switch (actor.role) {
    case 'participant':
      return { role: 'participant', participantId: actor.participantId, breakoutGroup: null };
    case 'facilitator':
    case 'secretary':
    case 'board':
      return { role: actor.role };
    case 'system':
      return { role: 'board' };
  }
}

/**
 * The shared audience of the whole participant room. What only one participant may see (their own
 * record, their own hidden topic, later their ballot) is a private part, sent to their own room instead.
 * Group-scoped views (breakout groups) will get a room per group and a shared part each.
 */
const PARTICIPANTS: SharedAudience = { role: 'participant', breakoutGroup: null };

/**
 * Entries a meeting commits within a window go to each room as one message. A socket command ends its
 * window at once (its entries go out before its ack), so what waits is what no socket waits on: the
 * joins, over HTTP, 33 a second in a storm of 2,000 in a minute. The window grows with the phones this
 * node holds in the meeting, since every batch is a frame per phone: in a hall of 2,000, a 100 ms
 * window wrote 20,000 frames a second for head counts alone (join storm: 3.3× a bare server's CPU,
 * 2.2× with the wider window). From BATCH_WINDOW_MS at up to BATCH_WIDEN_FROM phones to
 * BATCH_WINDOW_MAX_MS at four times as many; a head count (or another phone's post) then shows up to
 * that much later, never the sender's own command.
 */
const BATCH_WINDOW_MS = 100;
const BATCH_WINDOW_MAX_MS = 1000;
const BATCH_WIDEN_FROM = 500;

/** The batch window for a meeting whose participant room on this node holds `phones` sockets. */
export function batchWindow(phones: number): number {
  if (phones <= BATCH_WIDEN_FROM) return BATCH_WINDOW_MS;
  const widened = BATCH_WINDOW_MS + ((BATCH_WINDOW_MAX_MS - BATCH_WINDOW_MS) * (phones - BATCH_WIDEN_FROM)) / (3 * BATCH_WIDEN_FROM);
  return Math.min(BATCH_WINDOW_MAX_MS, Math.round(widened));
}

/**
 * How long what only lazy events (head counts) left for the phones may wait: long enough that a hall
 * joining all evening costs a frame per phone every few seconds, short enough that a phone's view is
 * never far behind (anything else for the phones, or a command of theirs, sends it at once).
 */
export const LAZY_PHONES_MS = 5_000;

/** People with their own part in one batch for the phones, at most (see `queue`). */
const OWN_ROOMS_MAX = 256;

/** Presence changes within this window go out as one update. */
const PRESENCE_COALESCE_MS = 100;

/**
 * Snapshot requests per connection: a phone asks after a gap it could not close, so a few in a row and
 * then one a second is plenty. Each answer is the whole meeting, so a flood of them stalled the meeting
 * and the whole server (issue 7).
 */
const SNAPSHOT_RATE = { perSecond: 1, burst: 3 };
/** Clock pings per connection: a client takes a handful of samples on each (re)connection. */
const TIME_RATE = { perSecond: 2, burst: 10 };
/** Requests a connection may send in a row after being told to wait before it is not read for a while. The page waits as told. */
const MAX_REFUSED_IN_A_ROW = 50;

type Loaded = Awaited<ReturnType<MeetingService['current']>>;
interface MeetingRead {
  running: Promise<Loaded>;
  next: Promise<Loaded> | null;
}

export interface SocketServerDeps {
  config: Config;
  store: Store;
  meetings: MeetingService;
  origins: OriginPolicy;
  log: Logger;
  publicUrl: () => string;
  /** Cross-node adapter (Redis) when scaled out; the in-memory default otherwise. */
  adapter?: ServerOptions['adapter'] | null;
  /** Saves named versions of documents (`document.version.save`); without it the domain refuses them. */
  versions?: DocVersions | null;
  /** Serves shared documents over the socket when a browser refuses the /yjs WebSocket (yjs/docSockets.ts). */
  docs?: () => YjsServer | null;
  /** This node's clock, the one commands are decided with (tests give a node a clock of its own). */
  now?: () => number;
}

export interface SocketServer {
  io: YishiIo;
  broadcast(meetingId: string, committed: CommittedEntry[]): void;
  disconnectToken(tokenId: string): void;
  /** Sends every socket on this node a fresh snapshot (after cross-node broadcasts may have been lost). */
  resyncLocal(): Promise<void>;
  /** Sends every batch still waiting and stops batching: the node is closing. */
  flushAll(): void;
}

export function attachSocketServer(httpServer: HttpServer, deps: SocketServerDeps): SocketServer {
  const { meetings, log, config } = deps;
  const now = deps.now ?? Date.now;
  const io: YishiIo = new Server(httpServer, {
    path: '/socket.io',
    serveClient: false,
    // The engine's hard cap; frames between LIMITS.maxFrameBytes and this are closed with a stated reason below.
    maxHttpBufferSize: 1024 * 1024,
    allowRequest: (req, callback) => {
      if (deps.origins.isAllowed(req.headers.origin)) callback(null, true);
      else {
        log.warn({ origin: req.headers.origin }, 'socket refused: origin not allowed');
        callback('origin not allowed', false);
      }
    },
    ...(deps.adapter ? { adapter: deps.adapter } : {})
  });

  io.use(async (socket, next) => {
    const parsed = HandshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) return next(refusal(protocolError('unauthorized', 'send {token, protocol} in the handshake auth')));
    if (parsed.data.protocol !== PROTOCOL_VERSION) {
      return next(refusal(protocolError('version_mismatch', `server speaks protocol ${PROTOCOL_VERSION}, client ${parsed.data.protocol}: reload the page`)));
    }
    try {
      const result = await authenticate(deps.store, meetings, parsed.data.token);
      if (!result.ok) return next(refusal(result.error));
      socket.data.auth = result.auth;
      socket.data.audience = audienceOf(result.auth.actor);
      next();
    } catch (err) {
      log.error({ err }, 'socket authentication failed');
      next(refusal(protocolError('internal', 'could not check the token')));
    }
  });

  io.on('connection', (socket) => {
    void onConnection(socket).catch((err: unknown) => {
      log.error({ err }, 'socket connection setup failed');
      socket.disconnect(true);
    });
  });

  const presencePending = new Map<string, Promise<void>>();
  /** Per meeting: the read of the meeting in progress, and the one every later request waits for. */
  const reads = new Map<string, MeetingRead>();

  async function onConnection(socket: YishiSocket): Promise<void> {
    const { auth } = socket.data;
    const { meetingId, actor } = auth;
    const bucket = new TokenBucket(config.commandRate.perSecond, config.commandRate.burst);
    let refusedInARow = 0;
    let holding = false;
    /**
     * A `rate_limited` refusal. A connection that keeps sending regardless is not read for a while:
     * even a refusal costs a decode and an answer, and tens of thousands a second from one socket
     * delayed every other phone (tests/server/socket-snapshots.test.ts). Closing it instead would only
     * bring it back at once, with a full snapshot for its new connection.
     */
    const refuse = (reply: (a: Ack) => void, what: string, wait: number) => {
      if (holding) return; // what it sent before the pause took hold: dropped unanswered
      if (++refusedInARow <= MAX_REFUSED_IN_A_ROW) {
        return reply({ ok: false, error: protocolError('rate_limited', `too many ${what}, slow down`, { retryAfterMs: wait }) });
      }
      log.warn({ meetingId, what }, 'connection keeps sending while rate-limited; not reading it for a while');
      holding = true;
      refusedInARow = 0;
      const transport = socket.conn.transport as { name: string; socket?: { pause?(): void; resume?(): void } };
      const ws = transport.name === 'websocket' ? transport.socket : undefined;
      if (!ws?.pause || !ws.resume) return void socket.disconnect(true); // long-polling cannot be paused
      ws.pause();
      setTimeout(() => {
        holding = false;
        ws.resume!();
      }, Math.max(wait, 1_000)).unref();
    };

    // Engine-level packet check: a frame over the limit closes the connection with a stated reason.
    socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
      if (packet.type !== 'message' || packet.data === undefined) return;
      const size = typeof packet.data === 'string' ? Buffer.byteLength(packet.data) : (packet.data as Buffer).byteLength ?? 0;
      if (size > LIMITS.maxFrameBytes) {
        log.warn({ meetingId, size }, 'frame too large, closing connection');
        socket.emit('closing', { reason: CLOSE_REASONS.frameTooLarge, error: protocolError('too_large', `frames are limited to ${LIMITS.maxFrameBytes} bytes`) });
        socket.disconnect(true);
      }
    });

    socket.on('cmd', async (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return; // a command without an ack cannot be answered
      const reply = ack as (a: Ack) => void;
      if (!socket.connected) return;
      const wait = bucket.take();
      if (wait > 0) return refuse(reply, 'commands', wait);
      refusedInARow = 0;
      const parsed = ClientCommandSchema.safeParse(raw);
      if (!parsed.success) return reply({ ok: false, error: invalidFromZod(parsed.error) });
      try {
        const key = `${actorKey(actor)}:${parsed.data.commandId}`;
        const command = parsed.data;
        // A named version needs the document's content, which the server fills in before deciding [D22].
        const result = command.type === 'document.version.save' && deps.versions ? await deps.versions.save(meetingId, command, actor, key) : await meetings.execute(meetingId, command, actor, key);
        // What the command committed reaches its sender before its ack, as before batching (the page
        // shows the ack's result, e.g. the topic it created, at once).
        flush(meetingId);
        reply(result);
      } catch (err) {
        log.error({ err, meetingId, type: parsed.data.type }, 'command failed');
        reply({ ok: false, error: protocolError('internal', 'the server could not run this command; try again') });
      }
    });

    // Shared documents for a browser that refuses the /yjs WebSocket: on this socket, whose token is checked.
    const yjs = deps.docs?.() ?? null;
    if (yjs) {
      const docs = new DocSession(socket, auth, yjs, log);
      socket.on('doc:open', (raw: unknown, ack: unknown) => void docs.onOpen(raw, ack));
      socket.on('doc:close', (raw: unknown, ack: unknown) => docs.onClose(raw, ack));
      socket.on('doc:msg', (raw: unknown, ack: unknown) => docs.onMessage(raw, ack));
      socket.on('disconnect', () => docs.disconnected());
    }

    // Board paging: the console turns the board's pages, the board says where it is. Not stored.
    socket.on('board', (raw: unknown) => {
      if (bucket.take() > 0) return;
      const parsed = BoardSignalSchema.safeParse(raw);
      if (!parsed.success) return;
      const signal = parsed.data;
      if (actor.role === 'facilitator' && signal.type !== 'state') io.to(rooms.role(meetingId, 'board')).emit('board', signal);
      else if (actor.role === 'board' && signal.type === 'state') io.to(rooms.role(meetingId, 'facilitator')).emit('board', signal);
    });

    // Clock pings: the answer is this node's time, the clock its commands are decided with, so a
    // client's offset is measured to the very clock that wrote the timer's end [D41]. A few per
    // (re)connection; more are not answered.
    const timeBucket = new TokenBucket(TIME_RATE.perSecond, TIME_RATE.burst);
    socket.on('time', (_req: unknown, ack?: unknown) => {
      if (typeof ack !== 'function' || timeBucket.take() > 0) return;
      (ack as (serverNow: number) => void)(now());
    });

    // Rate-limited before any work; a request while this socket's snapshot is on its way is answered by
    // that one; and one read of the meeting serves every socket waiting for it (readMeeting).
    const snapshotBucket = new TokenBucket(SNAPSHOT_RATE.perSecond, SNAPSHOT_RATE.burst);
    let snapshotInFlight: Promise<number> | null = null;
    const snapshotOnce = () => (snapshotInFlight ??= sendSnapshot(socket).finally(() => (snapshotInFlight = null)));
    socket.on('snapshot', async (_req: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined;
      const wait = snapshotBucket.take();
      if (wait > 0) return refuse(reply, 'snapshot requests', wait);
      refusedInARow = 0;
      try {
        reply({ ok: true, seq: await snapshotOnce() });
      } catch (err) {
        log.error({ err, meetingId }, 'snapshot failed');
        reply({ ok: false, error: protocolError('internal', 'could not load the meeting') });
      }
    });

    // Join the rooms before reading the state, so no event committed in between is missed; the
    // client drops events at or below the snapshot's seq.
    const joined = [rooms.meeting(meetingId), rooms.role(meetingId, actor.role === 'system' ? 'board' : actor.role), rooms.token(auth.token.tokenId)];
    if (actor.role === 'participant') joined.push(rooms.participant(meetingId, actor.participantId));
    await socket.join(joined);
    await snapshotOnce();
    if (actor.role === 'participant') {
      socket.on('disconnect', () => void sendPresence(meetingId));
    }
    void sendPresence(meetingId, socket);
  }

  /**
   * Tells the meeting who is connected. Computed from the room itself (across nodes once the Redis
   * adapter is in place), so it is never stale for long and never persisted. Room-wide updates are
   * coalesced per meeting: each one sends the whole list to everybody, so a hall of N phones joining
   * at once would otherwise cost N² messages of N ids (bench/fanout.ts at N = 2000 never got going).
   */
  function sendPresence(meetingId: string, only?: YishiSocket): Promise<void> {
    if (only && only.data.auth.actor.role !== 'participant') return presenceNow(meetingId, only);
    let pending = presencePending.get(meetingId);
    if (!pending) {
      pending = new Promise<void>((resolve) => setTimeout(resolve, PRESENCE_COALESCE_MS)).then(() => {
        // Removed before reading the room, so a change during the read schedules another update.
        presencePending.delete(meetingId);
        return presenceNow(meetingId);
      });
      presencePending.set(meetingId, pending);
    }
    return pending;
  }

  async function presenceNow(meetingId: string, only?: YishiSocket): Promise<void> {
    try {
      const connected = [...new Set([...localPresence(meetingId), ...(await remotePresence(meetingId))])].sort();
      const msg = { connected };
      if (only) only.emit('presence', msg);
      // Only the console and the board show who is connected; phones are not sent the list.
      else io.to([rooms.role(meetingId, 'facilitator'), rooms.role(meetingId, 'secretary'), rooms.role(meetingId, 'board')]).emit('presence', msg);
    } catch (err) {
      log.warn({ err, meetingId }, 'presence update failed');
    }
  }

  /** Participants of the meeting with a socket on this node. */
  function localPresence(meetingId: string): string[] {
    const ids: string[] = [];
    for (const socketId of io.of('/').adapter.rooms.get(rooms.role(meetingId, 'participant')) ?? []) {
      const actor = io.sockets.sockets.get(socketId)?.data.auth?.actor;
      if (actor?.role === 'participant') ids.push(actor.participantId);
    }
    return ids;
  }

  /**
   * The other nodes' answers. Not `fetchSockets()`: that ships every socket's handshake across Redis,
   * megabytes for a full hall, and held up broadcasts behind it (seconds at N = 2000 in bench/fanout.ts).
   */
  function remotePresence(meetingId: string): Promise<string[]> {
    if (!deps.adapter) return Promise.resolve([]);
    return new Promise((resolve) => {
      // A node that does not answer in time is left out of this update, not waited for.
      io.serverSideEmit('presence:query', meetingId, (_err: Error | null, responses: string[][]) => resolve((responses ?? []).flat()));
    });
  }

  io.on('presence:query', (meetingId, ack) => {
    if (typeof meetingId === 'string' && typeof ack === 'function') ack(localPresence(meetingId));
  });

  /**
   * The meeting's current state for a snapshot. A request that arrives while a read is running waits for
   * the next one (which sees everything committed before the request) and shares it with every other
   * request that arrived meanwhile: at most two reads per meeting are ever queued, however many ask.
   */
  function readMeeting(meetingId: string): Promise<Loaded> {
    const slot = reads.get(meetingId);
    if (!slot) return startRead(meetingId);
    const again = () => startRead(meetingId);
    return (slot.next ??= slot.running.then(again, again));
  }

  function startRead(meetingId: string): Promise<Loaded> {
    const slot: MeetingRead = { running: meetings.current(meetingId), next: null };
    reads.set(meetingId, slot);
    const done = () => {
      if (reads.get(meetingId) === slot) reads.delete(meetingId);
    };
    slot.running.then(done, done);
    return slot.running;
  }

  async function sendSnapshot(socket: YishiSocket): Promise<number> {
    const { meetingId, actor } = socket.data.auth;
    const { state, head } = await readMeeting(meetingId);
    if (!state) throw new Error(`meeting ${meetingId} has no log`);
    socket.emit('snapshot', { protocol: PROTOCOL_VERSION, meetingId, seq: head.seq, state: projectState(state, socket.data.audience), you: actor, publicUrl: deps.publicUrl() });
    return head.seq;
  }

  /** Per meeting: what each committed entry looks like to each audience, not yet sent (see `broadcast`). */
  /** Per meeting: what waits for the staff and the board, and what waits for the phones (see `queue`). */
  const toStaff = new Map<string, Pending>();
  const toPhones = new Map<string, Pending>();
  let closing = false;

  /**
   * Broadcast each committed event to every audience, projected for it: the full entry to the staff, the
   * shared part to the board and to the participants, and each private part to its participant's own
   * room, which the shared part then leaves out. Rooms span the nodes, so this costs a message per
   * audience and per private part, never one per participant.
   *
   * What a meeting commits within its batch window (or until a command's ack) goes to each room as one
   * `entries` message, in seq order: in a join storm every join reached every phone as its own frame,
   * N²/2 frames for N phones, and writing them was 40 % of the node's time (bench/joinStorm.ts).
   */
  function broadcast(meetingId: string, committed: CommittedEntry[]): void {
    for (const { entry, before, after } of committed) {
      const full: EventMessage = { seq: entry.seq, at: entry.at, actor: entry.actor, event: entry.event };
      const participants = projectShared(before, after, entry, PARTICIPANTS);
      queue(meetingId, { full, board: projectShared(before, after, entry, { role: 'board' }).shared, participants, lazy: lazyForPhones(entry.event.type) });
      const ev = entry.event;
      if (ev.type === 'participant.removed') {
        // Their phones get everything up to their removal, then are closed.
        flush(meetingId);
        const room = rooms.participant(meetingId, ev.participantId);
        io.to(room).emit('closing', { reason: CLOSE_REASONS.removed, error: protocolError('forbidden', 'you were removed from this meeting') });
        io.in(room).disconnectSockets(true);
      }
    }
  }

  /**
   * Every delivery waits for the staff and the board one batch window, and for the phones one window
   * too — or LAZY_PHONES_MS when everything waiting for them is lazy (a head count, see
   * `EventSpec.phones`): then joins, which come all evening, cost a frame per phone every few seconds.
   * Anything else for the phones brings their batch forward; a command's ack flushes both at once.
   */
  function queue(meetingId: string, delivery: Outgoing): void {
    if (closing) return;
    const window = batchWindow(io.of('/').adapter.rooms.get(rooms.role(meetingId, 'participant'))?.size ?? 0);
    schedule(toStaff, meetingId, delivery, window, flushStaff);
    // A batch for the phones goes as soon as it holds OWN_ROOMS_MAX people's own parts: each of them gets
    // the whole batch in their own room, so a longer one would cost (own parts) × (batch) to send.
    const own = (toPhones.get(meetingId)?.own ?? 0) + delivery.participants.private.length;
    const wait = own >= OWN_ROOMS_MAX ? 0 : delivery.lazy ? Math.max(window, LAZY_PHONES_MS) : window;
    schedule(toPhones, meetingId, delivery, wait, flushPhones);
  }

  function schedule(waiting: Map<string, Pending>, meetingId: string, delivery: Outgoing, wait: number, send: (meetingId: string) => void): void {
    const due = Date.now() + wait;
    const pending = waiting.get(meetingId);
    if (!pending) {
      waiting.set(meetingId, { deliveries: [delivery], own: delivery.participants.private.length, due, timer: setTimeout(() => send(meetingId), wait) });
      return;
    }
    pending.deliveries.push(delivery);
    pending.own += delivery.participants.private.length;
    if (due < pending.due) {
      clearTimeout(pending.timer);
      pending.due = due;
      pending.timer = setTimeout(() => send(meetingId), wait);
    }
  }

  function take(waiting: Map<string, Pending>, meetingId: string): Outgoing[] | null {
    const pending = waiting.get(meetingId);
    if (!pending) return null;
    waiting.delete(meetingId);
    clearTimeout(pending.timer);
    return pending.deliveries;
  }

  /** Sends everything the meeting has waiting, to everyone. */
  function flush(meetingId: string): void {
    flushStaff(meetingId);
    flushPhones(meetingId);
  }

  function flushStaff(meetingId: string): void {
    const deliveries = take(toStaff, meetingId);
    if (!deliveries) return;
    io.to([rooms.role(meetingId, 'facilitator'), rooms.role(meetingId, 'secretary')]).emit('entries', { entries: deliveries.map((d) => d.full) });
    io.to(rooms.role(meetingId, 'board')).emit('entries', { entries: runs(supersededAsSkips(deliveries.map((d) => d.board ?? d.full.seq))) });
  }

  function flushPhones(meetingId: string): void {
    const deliveries = take(toPhones, meetingId);
    if (!deliveries) return;
    // Whoever has a private part anywhere in the batch gets the whole batch in their own room (their part
    // where they have one, the shared part elsewhere), and the shared batch leaves them out.
    const own = new Map<string, Map<number, EventMessage | number>>();
    deliveries.forEach((d, i) => {
      for (const part of d.participants.private) {
        const parts = own.get(part.participantId) ?? new Map<number, EventMessage | number>();
        parts.set(i, part.message ?? d.full.seq);
        own.set(part.participantId, parts);
      }
    });
    const shared = (d: Outgoing) => d.participants.shared ?? d.full.seq;
    io.to(rooms.role(meetingId, 'participant'))
      .except([...own.keys()].map((id) => rooms.participant(meetingId, id)))
      .emit('entries', { entries: runs(supersededAsSkips(deliveries.map(shared))) });
    for (const [id, parts] of own) {
      const mine = deliveries.map((d, i) => parts.get(i) ?? shared(d));
      io.to(rooms.participant(meetingId, id)).emit('entries', { entries: runs(supersededAsSkips(mine)) });
    }
  }

  function disconnectToken(tokenId: string): void {
    const room = rooms.token(tokenId);
    io.to(room).emit('closing', { reason: CLOSE_REASONS.revoked, error: protocolError('unauthorized', 'this link was revoked') });
    io.in(room).disconnectSockets(true);
  }

  async function resyncLocal(): Promise<void> {
    let pending = [...io.sockets.sockets.values()].filter((s) => s.data.auth);
    // The store's own connection to the same Redis may come back a little later than the adapter's:
    // a snapshot that cannot be read yet is tried again rather than left out.
    const done = await retrying(async () => {
      const results = await Promise.allSettled(pending.map((s) => sendSnapshot(s)));
      pending = pending.filter((s, i) => results[i]!.status === 'rejected' && s.connected);
      if (pending.length > 0) throw new Error(`${pending.length} snapshots not sent yet`);
    });
    if (!done) log.warn({ sockets: pending.length }, 'could not resync some sockets; they resync on their next gap');
  }

  /** Sends what is waiting and stops the batch timers (before the node closes its connections). */
  function flushAll(): void {
    closing = true;
    for (const meetingId of new Set([...toStaff.keys(), ...toPhones.keys()])) flush(meetingId);
  }

  return { io, broadcast, disconnectToken, resyncLocal, flushAll };
}

/** One committed entry as each audience sees it. */
interface Outgoing {
  full: EventMessage;
  board: EventMessage | null;
  participants: Delivery;
  /** It may reach the phones on the slower beat (a head count). */
  lazy: boolean;
}

/** Deliveries waiting for one set of rooms, and when they go. */
interface Pending {
  deliveries: Outgoing[];
  /** Private parts among them. */
  own: number;
  due: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Events as they are; each run of entries the audience may not see (given by their seq) as one skip run. */
function runs(items: (EventMessage | number)[]): FeedEntry<MeetingEvent>[] {
  const out: FeedEntry<MeetingEvent>[] = [];
  for (const item of items) {
    if (typeof item !== 'number') out.push(item);
    else {
      const last = out.at(-1);
      if (last && 'skip' in last && last.to === item - 1) last.to = item;
      else out.push({ skip: item, to: item });
    }
  }
  return out;
}

function actorKey(actor: Actor): string {
  return actor.role === 'participant' ? `p:${actor.participantId}` : actor.role;
}

/** A connect error the client can read: `err.message` is the code, `err.data` the typed error. */
function refusal(error: ProtocolError): Error & { data: ProtocolError } {
  return Object.assign(new Error(error.code), { data: error });
}
