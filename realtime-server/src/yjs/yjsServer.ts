import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { isDiagramKind, type MeetingState } from '@yishi/domain';
import { CLOSE_REASONS, WS_CLOSE, LIMITS, type Actor } from '@yishi/protocol';
import type { Store, StoredDocUpdate } from '@yishi/store';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocketServer, type WebSocket } from 'ws';
import * as Y from 'yjs';
import { authenticate } from '../auth.ts';
import { TokenBucket } from '../http/failureThrottle.ts';
import type { OriginPolicy } from '../http/origins.ts';
import type { Logger } from '../logger.ts';
import type { MeetingService } from '../meetings/meetingService.ts';
import { checkDiagramUpdate } from './diagramCheck.ts';
import { docRight } from './rights.ts';
import { checkStateVector, checkUpdate, type DecodedUpdate } from './updateCheck.ts';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const DOC_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MEETING_ID = /^[A-Za-z0-9_-]{4,64}$/;
const PING_MS = 30_000;
/** Compact a document's stored updates when it unloads with more than this many. */
const COMPACT_OVER = 50;
/**
 * Compact while the document is open once this node has stored this many updates (or bytes) since it
 * loaded or last compacted it: a document the board keeps open all evening stays a few hundred rows.
 */
const COMPACT_LIVE_UPDATES = 200;
const COMPACT_LIVE_BYTES = 256 * 1024;
/** A group commit that fails is tried again this many times in all, backing off up to a second. */
const WRITE_ATTEMPTS = 6;

/** Where an update came from, so nothing is echoed back or persisted twice. */
export type UpdateOrigin = { kind: 'connection'; peer: DocPeer } | { kind: 'store' } | { kind: 'relay' };
const FROM_STORE: UpdateOrigin = { kind: 'store' };

/**
 * Limits per meeting, document and connection. Past each, the connection is closed with its own code
 * (WS_CLOSE) and nothing of the refused message is applied, stored or relayed.
 */
export interface YjsLimits {
  /** Distinct documents a meeting may have (stored or open); opening one more is refused. */
  maxDocsPerMeeting: number;
  /**
   * One update. 32 KiB holds a paste of about 10,000 Chinese characters (3 bytes each in UTF-8) — more
   * than a charter — while staying well inside the 64 KiB frame cap with room for the message header.
   */
  maxUpdateBytes: number;
  /** What a document may hold in the store (its updates as stored, until the next compaction: live or on unload). */
  maxDocBytes: number;
  /**
   * Token bucket per connection: an update costs 1 + one token per KiB, a sync request 10, an
   * awareness message 1 (dropped, not closed, when none is left: the next one carries the same state).
   * Typing sends one small update and one awareness message per key; a 32 KiB paste costs 33.
   */
  tokensPerSecond: number;
  tokenBurst: number;
}

export const YJS_LIMITS: YjsLimits = {
  maxDocsPerMeeting: 50,
  maxUpdateBytes: 32 * 1024,
  maxDocBytes: 4 * 1024 * 1024,
  tokensPerSecond: 50,
  tokenBurst: 150
};
const SYNC_REQUEST_COST = 10;

/** A change of rights seen by one node, carried to the others (revoked token, or re-decide a meeting). */
export type YjsControl = { kind: 'token'; meetingId: string; tokenId: string } | { kind: 'rights'; meetingId: string } | { kind: 'deleted'; meetingId: string };

/** Relays updates between nodes (Redis pub/sub when scaled out); absent on a single node. */
export interface DocRelay {
  /** Called only once the update is in the store (a node relays what is durable, never before). */
  publish(meetingId: string, docId: string, update: Uint8Array): void;
  subscribe(meetingId: string, docId: string, onUpdate: (update: Uint8Array) => void, onAwareness?: (update: Uint8Array) => void): () => void;
  /** Presence and cursors (an encoded awareness update); not stored, relayed as they come. */
  publishAwareness?(meetingId: string, docId: string, update: Uint8Array): void;
  /** Tells every other node; it does not come back to this one. */
  publishControl?(message: YjsControl): void;
  onControl?(listener: (message: YjsControl) => void): void;
}

/**
 * One editor's link to one document: a /yjs WebSocket, or the document opened over the meeting's
 * Socket.IO connection when the browser refuses WebSockets (docSockets.ts). Loading, rights, limits,
 * checks, durability, awareness and the relay are the same code for both; only these differ.
 */
export interface DocPeer {
  /** Sends one y-protocols message (sync, awareness or auth). */
  send(message: Uint8Array): void;
  /** Ends the link with a WS_CLOSE code; nothing more is read from it (the server stopped first). */
  close(code: number, reason: string): void;
  /** Called every PING_MS: a link that did not answer the last one ends itself. Socket.IO has its own heartbeat. */
  ping?(): void;
  /** Holds what is sent until `uncork`, to go out in one write (a group commit's updates). */
  cork?(): void;
  uncork?(): void;
}

/** Who opens a document, as their token says; the bucket is theirs to keep across reopenings (docSockets.ts). */
export interface DocOpener {
  actor: Actor;
  tokenId: string;
  bucket?: TokenBucket;
}

interface Conn {
  actor: Actor;
  tokenId: string;
  right: 'read' | 'write';
  awarenessIds: Set<number>;
  bucket: TokenBucket;
  /** Whether this read-only connection was told so (once). */
  toldReadOnly: boolean;
}

/** Closes the connection with `code`; nothing of the message that caused it was applied. */
class Refused extends Error {
  constructor(
    readonly code: number,
    reason: string,
    readonly detail = reason
  ) {
    super(reason);
  }
}

class SharedDoc {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly conns = new Map<DocPeer, Conn>();
  /** Openings (upgrades, doc:open) of this document that have not attached or given up yet, plus attached peers. */
  holds = 0;
  ready: Promise<void> = Promise.resolve();
  /** Bytes this document holds in the store: what was loaded plus every update appended since. */
  bytes = 0;
  /** The store holds updates that were left out on load (see applyStored). */
  private damaged = false;
  /** The meeting was deleted: nothing more is written, and nothing is compacted on unload. */
  private discarded = false;
  /** Updates from editors waiting for the next group commit, each with the connection it came from. */
  private queued: { update: Uint8Array; from: DocPeer | null }[] = [];
  /** The commit loop, while it runs; one at a time per document, so the store gets updates in arrival order. */
  private committing: Promise<void> | null = null;
  /** Updates queued since the document was opened, and how many of them have been written (or given up on). */
  private received = 0;
  private written = 0;
  private waiters: { upTo: number; resolve: () => void }[] = [];
  /** A group commit was given up on: the next one writes the whole document, which holds what it lost. */
  private lost = false;
  /** Updates and bytes this node stored (or loaded) since the document's last compaction. */
  private storedUpdates = 0;
  private storedBytes = 0;
  private compacting: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /**
   * The one stored update the document was loaded from, while nothing has changed it since: the answer
   * to an editor that has nothing yet, sent as stored rather than encoded again (a load after a clean
   * restart, when unloading compacted the document into one update).
   */
  private asLoaded: Uint8Array | null = null;
  /** Changes to the document from anywhere but the store: a load that raced one keeps no `asLoaded`. */
  private changes = 0;

  constructor(
    readonly meetingId: string,
    readonly docId: string,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly relay: DocRelay | null,
    private readonly limits: () => YjsLimits,
    /** What the document's kind asks of its content beyond applying cleanly (a diagram's shape [D31]). */
    private readonly contentCheck: ((doc: Y.Doc, update: Uint8Array, decoded: DecodedUpdate) => string | null) | null = null
  ) {
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onUpdate(update, origin as UpdateOrigin | undefined));
    this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const changed = [...added, ...updated, ...removed];
      const conn = (origin as UpdateOrigin | undefined)?.kind === 'connection' ? this.conns.get((origin as { peer: DocPeer }).peer) : undefined;
      if (conn) {
        for (const id of added) conn.awarenessIds.add(id);
        for (const id of removed) conn.awarenessIds.delete(id);
      }
      const body = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
      // What this node's editors set or left goes to the other nodes; what came from them does not go back.
      if ((origin as UpdateOrigin | undefined)?.kind !== 'relay') this.relay?.publishAwareness?.(this.meetingId, this.docId, body);
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(enc, body);
      this.broadcast(encoding.toUint8Array(enc), null);
    });
  }

  async load(): Promise<void> {
    // Listen to other nodes before reading the store: an update relayed meanwhile is applied (Yjs
    // updates are idempotent and commute), rather than falling between the read and the subscription.
    if (this.relay) {
      // Checked by the node that received it; applied even when its dependencies are still on their way.
      this.unsubscribe = this.relay.subscribe(
        this.meetingId,
        this.docId,
        (update) => Y.applyUpdate(this.doc, update, { kind: 'relay' } satisfies UpdateOrigin),
        (update) => awarenessProtocol.applyAwarenessUpdate(this.awareness, update, { kind: 'relay' } satisfies UpdateOrigin)
      );
    }
    try {
      const rows = await this.store.loadDocRows(this.meetingId, this.docId);
      for (const r of rows) this.bytes += r.update.byteLength;
      this.storedUpdates = rows.length;
      this.storedBytes = this.bytes;
      if (rows.length > 0) this.applyStored(rows);
    } catch (err) {
      this.unsubscribe?.();
      throw err;
    }
  }

  /**
   * Stored updates were checked on arrival, and a server that checked them says so in the store [S22]:
   * those are applied as they are. A store written before the mark (or the check) existed may hold a
   * poisoned one: each unmarked one is checked again (and the ones that never pass are left out of the
   * served copy, with an error in the log). All one by one, in one transaction, rather than merged
   * first: `Y.mergeUpdates` of 10,000 small updates takes about four times as long as applying them
   * (bench/docLoad.ts); after live compaction a crash leaves at most a few hundred.
   */
  private applyStored(rows: StoredDocUpdate[]): void {
    const changes = this.changes;
    const rest = applyChecked(this.doc, rows);
    if (rows.length === 1 && rest.length === 0 && this.changes === changes && changes === 0) this.asLoaded = rows[0]!.update;
    // Compaction would fold the bad ones into the good: keep them apart for the next load.
    this.damaged = rest.length > 0;
    if (rest.length > 0) this.log.error({ meetingId: this.meetingId, docId: this.docId, skipped: rest.length }, 'stored document updates that would not apply cleanly were left out');
  }

  private onUpdate(update: Uint8Array, origin: UpdateOrigin | undefined): void {
    if (origin?.kind === 'store') return;
    this.changes++;
    this.asLoaded = null;
    // Stored by this node or by the one that relayed it: either way it counts towards the document's size.
    this.bytes += update.byteLength;
    if (origin?.kind === 'connection' || origin === undefined) {
      // Only the node that received an update from a person persists and relays it, once it is stored.
      return this.persist(update, origin?.kind === 'connection' ? origin.peer : null);
    }
    // From another node, which stored it before relaying it.
    this.broadcast(updateMessage(update), null);
  }

  /** Stops writing this document: its meeting was deleted. */
  discard(): void {
    this.discarded = true;
  }

  /**
   * Durable before relayed: the update waits for the next group commit (everything queued while the
   * previous write was in flight goes into one `appendDocUpdates`), and only once that is stored is it
   * sent to this node's other editors and to the other nodes. The window is one write plus the one in
   * flight when it arrived. Stored means it survives the server being killed; against a power cut,
   * SQLite's WAL is fsynced a moment later, off the event loop (S23).
   */
  private persist(update: Uint8Array, from: DocPeer | null): void {
    if (this.discarded) return;
    this.queued.push({ update, from });
    this.received++;
    this.committing ??= this.commitLoop();
  }

  private async commitLoop(): Promise<void> {
    // Let every message already read from the sockets in this turn of the event loop join the group:
    // SQLite writes synchronously, so without this each update would get a transaction of its own.
    await new Promise((r) => setImmediate(r));
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      const updates = batch.map((b) => b.update);
      if (this.discarded) {
        this.settle(batch.length);
        continue;
      }
      // A group given up on earlier is covered by the whole document, which holds it.
      const stored = await this.write(this.lost ? [Y.encodeStateAsUpdate(this.doc)] : updates);
      if (stored) {
        this.lost = false;
        this.storedUpdates += stored.length;
        for (const u of stored) this.storedBytes += u.byteLength;
      } else this.lost = true;
      this.deliver(batch);
      this.settle(batch.length);
      this.compactIfLarge();
    }
    this.committing = null;
  }

  /** Writes a group, trying again with backoff; answers what was stored, or null when it gave up. */
  private async write(updates: Uint8Array[]): Promise<Uint8Array[] | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        // Checked on arrival (or the whole document, made of checked updates): a load need not check them again [S22].
        await this.store.appendDocUpdates(this.meetingId, this.docId, updates, { checked: true });
        return updates;
      } catch (err) {
        if (attempt >= WRITE_ATTEMPTS || this.discarded) {
          // Relayed all the same (editors keep working); the next group commit writes the whole document.
          this.log.error({ err, meetingId: this.meetingId, docId: this.docId, updates: updates.length }, 'could not persist document updates; the next write carries the whole document');
          return null;
        }
        this.log.warn({ err, meetingId: this.meetingId, docId: this.docId, attempt }, 'could not persist document updates; trying again');
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  /** Sends a stored group to this node's other editors and to the other nodes. */
  private deliver(batch: { update: Uint8Array; from: DocPeer | null }[]): void {
    // One write per connection for the whole group rather than one per update and connection.
    if (batch.length > 1) for (const peer of this.conns.keys()) peer.cork?.();
    for (const { update, from } of batch) this.broadcast(updateMessage(update), from);
    if (batch.length > 1) for (const peer of this.conns.keys()) peer.uncork?.();
    if (this.relay && batch.length > 0) this.relay.publish(this.meetingId, this.docId, batch.length === 1 ? batch[0]!.update : Y.mergeUpdates(batch.map((b) => b.update)));
  }

  private settle(n: number): void {
    this.written += n;
    const ready = this.waiters.filter((w) => w.upTo <= this.written);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.upTo > this.written);
    for (const w of ready) w.resolve();
  }

  /** Resolves once every update queued so far is written (not waiting for those queued later). */
  private writtenSoFar(): Promise<void> {
    if (this.written >= this.received) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo: this.received, resolve }));
  }

  /**
   * Compacts while the document is open once this node stored enough since the last compaction. The
   * store keeps every update appended while it runs (S11, S20); one at a time per document.
   */
  private compactIfLarge(): void {
    if (this.compacting || this.damaged || this.discarded) return;
    if (this.storedUpdates <= COMPACT_LIVE_UPDATES && this.storedBytes <= COMPACT_LIVE_BYTES) return;
    const before = this.storedUpdates;
    this.compacting = this.store
      .compactDoc(this.meetingId, this.docId)
      .then(
        ({ merged }) => merged > 0,
        (err: unknown) => {
          this.log.warn({ err, meetingId: this.meetingId, docId: this.docId }, 'live compaction failed; updates are kept as they are');
          return false;
        }
      )
      .then((compacted) => {
        this.compacting = null;
        if (!compacted) return;
        // The merged ones became one; groups stored meanwhile still count, and may call for the next one.
        this.storedUpdates = Math.max(1, this.storedUpdates - before + 1);
        this.storedBytes = this.bytes = Y.encodeStateAsUpdate(this.doc).byteLength;
        this.compactIfLarge();
      });
  }

  /** The whole document as one update, once every update received so far is stored (a named version holds nothing a crash could take back). */
  async content(): Promise<Uint8Array> {
    await this.writtenSoFar();
    return Y.encodeStateAsUpdate(this.doc);
  }

  /** Every update received so far is stored (and relayed), and no compaction is under way. */
  async flush(): Promise<void> {
    await this.writtenSoFar();
    while (this.compacting) await this.compacting;
  }

  broadcast(message: Uint8Array, except: DocPeer | null): void {
    for (const peer of this.conns.keys()) if (peer !== except) peer.send(message);
  }

  handleMessage(peer: DocPeer, conn: Conn, data: Uint8Array): void {
    const limits = this.limits();
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const syncType = decoding.readVarUint(decoder);
      if (syncType === syncProtocol.messageYjsSyncStep1) {
        charge(conn, SYNC_REQUEST_COST);
        const stateVector = decoding.readVarUint8Array(decoder);
        if (!checkStateVector(stateVector)) throw new Refused(WS_CLOSE.badUpdate, 'bad sync request');
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MESSAGE_SYNC);
        // An empty state vector (one client count of 0): the editor has nothing, so the whole document it gets.
        if (this.asLoaded && stateVector.byteLength === 1 && stateVector[0] === 0) {
          encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
          encoding.writeVarUint8Array(encoder, this.asLoaded);
        } else syncProtocol.writeSyncStep2(encoder, this.doc, stateVector);
        const reply = encoding.toUint8Array(encoder);
        // The answer holds what this node has: sent once that is stored, as a relayed update would be.
        if (this.written >= this.received) peer.send(reply);
        else
          void this.writtenSoFar().then(() => {
            if (this.conns.has(peer)) peer.send(reply);
          });
      } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
        // A copy: the check and Yjs must read exactly these bytes and no further into the frame.
        const update = decoding.readVarUint8Array(decoder).slice();
        // A read-only connection (the board, everyone but staff after the end) receives but never changes.
        if (conn.right !== 'write') return this.tellReadOnly(peer, conn);
        if (update.byteLength > limits.maxUpdateBytes) throw new Refused(WS_CLOSE.updateTooLarge, 'update too large');
        charge(conn, 1 + Math.floor(update.byteLength / 1024));
        if (this.bytes + update.byteLength > limits.maxDocBytes) throw new Refused(WS_CLOSE.docFull, 'document full');
        const check = checkUpdate(this.doc, update);
        if (!check.ok) throw new Refused(WS_CLOSE.badUpdate, 'bad update', check.reason);
        const content = this.contentCheck?.(this.doc, check.update, check.decoded) ?? null;
        if (content !== null) throw new Refused(WS_CLOSE.badContent, 'bad content', content);
        Y.applyUpdate(this.doc, check.update, { kind: 'connection', peer } satisfies UpdateOrigin);
      } else {
        throw new Refused(WS_CLOSE.badUpdate, 'bad message', `unknown sync message ${syncType}`);
      }
    } else if (type === MESSAGE_AWARENESS) {
      // A read-only connection publishes no presence or cursor; past its allowance a state is dropped.
      if (conn.right !== 'write' || !afford(conn, 1)) return;
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), { kind: 'connection', peer } satisfies UpdateOrigin);
    } else {
      throw new Refused(WS_CLOSE.badUpdate, 'bad message', `unknown message type ${type}`);
    }
  }

  /** Says once, in y-websocket's own words (an auth "permission denied"), that changes are not taken. */
  tellReadOnly(peer: DocPeer, conn: Conn): void {
    if (conn.toldReadOnly) return;
    conn.toldReadOnly = true;
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_AUTH);
    authProtocol.writePermissionDenied(enc, 'read-only');
    peer.send(encoding.toUint8Array(enc));
  }

  /** Applies a new right to a connection: from now on it writes, or only reads and publishes no presence. */
  setRight(peer: DocPeer, conn: Conn, right: 'read' | 'write'): void {
    if (conn.right === right) return;
    conn.right = right;
    if (right === 'read') {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessIds], null);
      conn.awarenessIds.clear();
      this.tellReadOnly(peer, conn);
    } else conn.toldReadOnly = false;
  }

  greet(peer: DocPeer): void {
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(enc, this.doc);
    peer.send(encoding.toUint8Array(enc));
    const states = this.awareness.getStates();
    if (states.size > 0) {
      const a = encoding.createEncoder();
      encoding.writeVarUint(a, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(a, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()]));
      peer.send(encoding.toUint8Array(a));
    }
  }

  async unload(): Promise<void> {
    this.unsubscribe?.();
    await this.flush();
    try {
      const stored = this.discarded ? [] : await this.store.loadDocUpdates(this.meetingId, this.docId);
      if (stored.length > COMPACT_OVER && !this.damaged) await this.store.compactDoc(this.meetingId, this.docId);
    } catch (err) {
      this.log.warn({ err, meetingId: this.meetingId, docId: this.docId }, 'compaction failed; updates are kept as they are');
    }
    this.awareness.destroy();
    this.doc.destroy();
  }
}

/**
 * Applies stored updates to `doc` in one transaction: those their writer checked [S22] as they are,
 * the others checked again, in as many passes as it takes for ones that arrive before what they depend
 * on; answers those that never passed.
 */
function applyChecked(doc: Y.Doc, rows: StoredDocUpdate[]): Uint8Array[] {
  let rest: Uint8Array[] = [];
  doc.transact(() => {
    for (const r of rows) {
      // Once one was left out, what follows may depend on it: checked again, as all were before the mark.
      if (r.checked && rest.length === 0) {
        Y.applyUpdate(doc, r.update, FROM_STORE);
        continue;
      }
      const check = checkUpdate(doc, r.update);
      if (check.ok) Y.applyUpdate(doc, check.update, FROM_STORE);
      else rest.push(r.update);
    }
    for (let progress = rest.length > 0; progress && rest.length > 0; ) {
      const before = rest.length;
      rest = rest.filter((u) => {
        const check = checkUpdate(doc, u);
        if (check.ok) Y.applyUpdate(doc, check.update, FROM_STORE);
        return !check.ok;
      });
      progress = rest.length < before;
    }
  }, FROM_STORE);
  return rest;
}

function updateMessage(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MESSAGE_SYNC);
  syncProtocol.writeUpdate(enc, update);
  return encoding.toUint8Array(enc);
}

function afford(conn: Conn, cost: number): boolean {
  // The bucket hands out one token at a time; a refused message closes the connection, so tokens
  // taken before the refusal do not matter.
  for (let i = 0; i < cost; i++) if (conn.bucket.take() > 0) return false;
  return true;
}

function charge(conn: Conn, cost: number): void {
  if (!afford(conn, cost)) throw new Refused(WS_CLOSE.rateLimited, 'rate limited');
}

/** A /yjs WebSocket as a document's peer, with the keep-alive ping the ws library leaves to us. */
class WebSocketPeer implements DocPeer {
  private alive = true;
  constructor(readonly ws: WebSocket) {
    ws.on('pong', () => (this.alive = true));
  }

  send(message: Uint8Array): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    ws.send(message, (err) => {
      if (err) ws.terminate();
    });
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  cork(): void {
    (this.ws as unknown as { _socket?: Duplex })._socket?.cork();
  }

  uncork(): void {
    (this.ws as unknown as { _socket?: Duplex })._socket?.uncork();
  }

  ping(): void {
    if (!this.alive) return void this.ws.terminate();
    this.alive = false;
    this.ws.ping();
  }
}

export interface YjsServerDeps {
  store: Store;
  meetings: MeetingService;
  origins: OriginPolicy;
  log: Logger;
  relay?: DocRelay | null;
  limits?: Partial<YjsLimits>;
}

/** Why a document was not opened: no such document in the meeting, no right, one too many, or try again. */
export type Refusal = 'not_found' | 'forbidden' | 'too_many' | 'unavailable' | 'gone';

interface Attached {
  shared: SharedDoc;
  conn: Conn;
}

/**
 * The y-websocket endpoint `/yjs/<meetingId>/<docId>?token=…`. The token is checked before anything is
 * loaded; each document is loaded once even when connections race, every update is checked
 * (updateCheck.ts) and stored in the document's next group commit before anyone else gets it, and a
 * document is flushed and unloaded when the last connection or upgrade holding it lets go. Only
 * documents the meeting created are served; rights (rights.ts: the domain's `documentRight`) are decided
 * at upgrade and again when the meeting changes (a removal, a document's access, the end), on every node.
 * A browser that refuses WebSockets opens documents over the meeting's Socket.IO connection instead
 * (docSockets.ts, `openPeer`): the same path from `admit` on, with a DocPeer in place of the WebSocket.
 */
export class YjsServer {
  /** Tests lower these to reach a limit quickly. */
  limits: YjsLimits;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes });
  private readonly docs = new Map<string, SharedDoc>();
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly attached = new Map<DocPeer, Attached>();
  /** Bumped per meeting whenever rights change, so an upgrade in flight across a change starts over. */
  private readonly rightsEpoch = new Map<string, number>();
  private readonly pinger: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly deps: YjsServerDeps) {
    this.limits = { ...YJS_LIMITS, ...deps.limits };
    this.pinger = setInterval(() => this.ping(), PING_MS);
    this.pinger.unref();
    deps.relay?.onControl?.((message) => this.onControl(message));
  }

  /** Returns false when the request is not for /yjs. Never throws, whatever the request target. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // `//[` and the like are no URL at all: answered here, whoever they were meant for.
      refuse(socket, 400, 'Bad Request');
      return true;
    }
    if (!url.pathname.startsWith('/yjs/')) return false;
    const match = /^\/yjs\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    void this.accept(req, socket, head, url, match).catch((err: unknown) => {
      this.deps.log.error({ err }, 'yjs upgrade failed');
      refuse(socket, 500, 'Internal Server Error');
    });
    return true;
  }

  /** Documents in memory on this node (loaded or loading). */
  loadedDocCount(): number {
    return this.docs.size;
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, match: RegExpExecArray | null): Promise<void> {
    if (this.closing) return refuse(socket, 503, 'Service Unavailable');
    if (!this.deps.origins.isAllowed(req.headers.origin)) {
      this.deps.log.warn({ origin: req.headers.origin }, 'yjs refused: origin not allowed');
      return refuse(socket, 403, 'Forbidden');
    }
    if (!match || !MEETING_ID.test(match[1]!) || !DOC_ID.test(match[2]!)) return refuse(socket, 404, 'Not Found');
    const meetingId = match[1]!;
    const docId = match[2]!;
    const epoch = this.rightsEpoch.get(meetingId) ?? 0;
    const auth = await authenticate(this.deps.store, this.deps.meetings, url.searchParams.get('token'));
    if (!auth.ok) return refuse(socket, auth.error.code === 'forbidden' ? 403 : 401, 'Unauthorized');
    if (auth.auth.meetingId !== meetingId) return refuse(socket, 403, 'Forbidden');
    const admitted = await this.admit(meetingId, docId, auth.auth.actor, epoch, () => gone(socket));
    if (!admitted.ok) {
      switch (admitted.refusal) {
        case 'gone':
          return;
        case 'not_found':
          return refuse(socket, 404, 'Not Found');
        case 'forbidden':
          return refuse(socket, 403, 'Forbidden');
        case 'too_many':
          return this.wss.handleUpgrade(req, socket, head, (ws) => ws.close(WS_CLOSE.tooManyDocs, 'too many documents'));
        case 'unavailable':
          return refuse(socket, 503, 'Service Unavailable');
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = new WebSocketPeer(ws);
      ws.binaryType = 'arraybuffer';
      ws.on('message', (data: ArrayBuffer) => this.receive(peer, new Uint8Array(data)));
      ws.on('close', () => this.detach(peer));
      ws.on('error', () => ws.terminate());
      this.attach(peer, admitted.shared, { actor: auth.auth.actor, tokenId: auth.auth.token.tokenId }, admitted.right);
    });
  }

  /**
   * Opens a document for a peer whose connection is already authenticated for `meetingId` (the
   * meeting's Socket.IO connection, docSockets.ts): the same checks, load and rights as an upgrade.
   * `gone` says the connection went away meanwhile. Answers why not, with nothing opened, or attaches it.
   */
  async openPeer(peer: DocPeer, meetingId: string, docId: string, who: DocOpener, gone: () => boolean): Promise<{ ok: true } | { ok: false; refusal: Refusal }> {
    if (this.closing) return { ok: false, refusal: 'unavailable' };
    if (!DOC_ID.test(docId)) return { ok: false, refusal: 'not_found' };
    const epoch = this.rightsEpoch.get(meetingId) ?? 0;
    const admitted = await this.admit(meetingId, docId, who.actor, epoch, gone);
    if (!admitted.ok) return admitted;
    this.attach(peer, admitted.shared, who, admitted.right);
    return { ok: true };
  }

  /**
   * The meeting's document `docId`, loaded and held for one more peer, with the right `actor` has to it
   * now; or why not. Rights changed since `epoch` (read before the token was checked) start it over.
   */
  private async admit(meetingId: string, docId: string, actor: Actor, epoch: number, isGone: () => boolean): Promise<{ ok: true; shared: SharedDoc; right: 'read' | 'write' } | { ok: false; refusal: Refusal }> {
    const { state } = await this.deps.meetings.current(meetingId);
    // Only a document the meeting created (document.create) is served: any other docId is refused.
    if (state === null || !state.documents.has(docId)) return { ok: false, refusal: 'not_found' };
    const right = docRight(actor, state, docId);
    if (right === 'none') return { ok: false, refusal: 'forbidden' };
    const stored = this.docs.has(docKey(meetingId, docId)) ? [] : await this.deps.store.listDocs(meetingId);
    if (isGone()) return { ok: false, refusal: 'gone' };
    // Counted right before opening, with no await in between, so racing openings on this node cannot
    // both take the last place.
    if (!this.docs.has(docKey(meetingId, docId)) && !stored.includes(docId) && this.docCount(meetingId, stored) >= this.limits.maxDocsPerMeeting) {
      return { ok: false, refusal: 'too_many' };
    }
    const shared = this.open(meetingId, docId, state.documents.get(docId)!.kind);
    try {
      await shared.ready;
    } catch (err) {
      this.release(shared);
      throw err;
    }
    // The connection went away while the document loaded, or rights changed meanwhile: let go of the document.
    if (this.closing || isGone() || (this.rightsEpoch.get(meetingId) ?? 0) !== epoch) {
      this.release(shared);
      return { ok: false, refusal: 'unavailable' };
    }
    return { ok: true, shared, right };
  }

  /** Distinct documents of a meeting: those stored plus those open (or unloading) on this node. */
  private docCount(meetingId: string, stored: string[]): number {
    const ids = new Set(stored);
    const prefix = `${meetingId}/`;
    for (const key of [...this.docs.keys(), ...this.unloading.keys()]) if (key.startsWith(prefix)) ids.add(key.slice(prefix.length));
    return ids.size;
  }

  private attach(peer: DocPeer, shared: SharedDoc, who: DocOpener, right: 'read' | 'write'): void {
    const bucket = who.bucket ?? new TokenBucket(this.limits.tokensPerSecond, this.limits.tokenBurst);
    const conn: Conn = { actor: who.actor, tokenId: who.tokenId, right, awarenessIds: new Set(), bucket, toldReadOnly: false };
    shared.conns.set(peer, conn);
    this.attached.set(peer, { shared, conn });
    shared.greet(peer);
  }

  /**
   * One message from a peer. Whatever it holds, it is checked and applied whole or not at all: a
   * refusal ends the link with its close code, and nothing of the message is applied, stored or relayed.
   */
  receive(peer: DocPeer, data: Uint8Array): void {
    const a = this.attached.get(peer);
    if (!a) return;
    try {
      a.shared.handleMessage(peer, a.conn, data);
    } catch (err) {
      const refused = err instanceof Refused ? err : new Refused(WS_CLOSE.badUpdate, 'bad message', (err as Error).message);
      this.deps.log.warn({ detail: refused.detail, code: refused.code, meetingId: a.shared.meetingId, docId: a.shared.docId }, 'yjs message refused, closing');
      this.drop(peer, refused.code, refused.message);
    }
  }

  /** Closes a link and stops taking anything from it at once (a WebSocket's close handshake may take a while). */
  private drop(peer: DocPeer, code: number, reason: string): void {
    this.detach(peer);
    peer.close(code, reason);
  }

  /** The peer let go of its document (closed it, or its connection ended): its presence goes, and its hold. */
  detach(peer: DocPeer): void {
    const a = this.attached.get(peer);
    if (!a) return;
    this.attached.delete(peer);
    a.shared.conns.delete(peer);
    awarenessProtocol.removeAwarenessStates(a.shared.awareness, [...a.conn.awarenessIds], null);
    this.release(a.shared);
  }

  private open(meetingId: string, docId: string, kind: string): SharedDoc {
    const key = docKey(meetingId, docId);
    let shared = this.docs.get(key);
    if (!shared) {
      const s = new SharedDoc(meetingId, docId, this.deps.store, this.deps.log, this.deps.relay ?? null, () => this.limits, isDiagramKind(kind) ? checkDiagramUpdate : null);
      // A document being unloaded is flushed before it is read again, so no update is missed.
      s.ready = (this.unloading.get(key) ?? Promise.resolve()).then(() => s.load());
      s.ready.catch(() => {
        if (this.docs.get(key) === s) this.docs.delete(key);
      });
      this.docs.set(key, s);
      shared = s;
    }
    shared.holds++;
    return shared;
  }

  /** One holder (an upgrade or a connection) lets go; the last one unloads the document. */
  private release(shared: SharedDoc): void {
    shared.holds--;
    const key = docKey(shared.meetingId, shared.docId);
    if (shared.holds > 0 || this.closing || this.docs.get(key) !== shared) return;
    this.docs.delete(key);
    const done = shared.unload().finally(() => this.unloading.delete(key));
    this.unloading.set(key, done);
  }

  /** Closes every /yjs connection opened with this token, on this node and (through the relay) on the others. */
  revokeToken(meetingId: string, tokenId: string): void {
    this.closeToken(meetingId, tokenId);
    this.deps.relay?.publishControl?.({ kind: 'token', meetingId, tokenId });
  }

  /** Re-decides every connection of the meeting with its new state, here and on the other nodes. */
  rightsChanged(meetingId: string, state: MeetingState): void {
    this.applyRights(meetingId, state);
    this.deps.relay?.publishControl?.({ kind: 'rights', meetingId });
  }

  /**
   * The meeting was deleted: its connections are closed with that reason and its documents dropped
   * without writing (or compacting) anything more. Answers whether any were open here, once every
   * write already under way has ended.
   */
  async forgetMeeting(meetingId: string): Promise<boolean> {
    this.bumpEpoch(meetingId);
    const prefix = `${meetingId}/`;
    const docs = [...this.docs].filter(([key]) => key.startsWith(prefix)).map(([, d]) => d);
    for (const d of docs) d.discard();
    for (const [peer, { shared }] of this.attached) if (shared.meetingId === meetingId) this.drop(peer, WS_CLOSE.notFound, CLOSE_REASONS.deleted);
    const unloading = [...this.unloading].filter(([key]) => key.startsWith(prefix)).map(([, p]) => p);
    await Promise.all([...docs.map((d) => d.ready.then(() => d.flush(), () => undefined)), ...unloading]);
    return docs.length > 0 || unloading.length > 0;
  }

  private onControl(message: YjsControl): void {
    if (message.kind === 'token') return this.closeToken(message.meetingId, message.tokenId);
    // Handled by the meeting deletion (meetings/deletion.ts), which also forgets the meeting's state.
    if (message.kind === 'deleted') return;
    this.bumpEpoch(message.meetingId);
    this.deps.meetings.current(message.meetingId).then(
      ({ state }) => this.applyRights(message.meetingId, state),
      (err: unknown) => this.deps.log.error({ err, meetingId: message.meetingId }, 'yjs: could not re-decide rights')
    );
  }

  private closeToken(meetingId: string, tokenId: string): void {
    this.bumpEpoch(meetingId);
    for (const [peer, { shared, conn }] of this.attached) {
      if (shared.meetingId === meetingId && conn.tokenId === tokenId) this.drop(peer, WS_CLOSE.unauthorized, CLOSE_REASONS.revoked);
    }
  }

  private applyRights(meetingId: string, state: MeetingState | null): void {
    this.bumpEpoch(meetingId);
    for (const [peer, { shared, conn }] of this.attached) {
      if (shared.meetingId !== meetingId) continue;
      const right = docRight(conn.actor, state, shared.docId);
      if (right === 'none') this.drop(peer, WS_CLOSE.forbidden, CLOSE_REASONS.removed);
      else shared.setRight(peer, conn, right);
    }
  }

  private bumpEpoch(meetingId: string): void {
    this.rightsEpoch.set(meetingId, (this.rightsEpoch.get(meetingId) ?? 0) + 1);
  }

  private ping(): void {
    for (const peer of this.attached.keys()) peer.ping?.();
  }

  /**
   * A document's whole content as one Yjs update (`Y.encodeStateAsUpdate`), for a named version: of the
   * copy this node serves when it has one open, else of its stored updates applied to a fresh document
   * (after an unload under way has written everything). Stored updates that would not apply cleanly are
   * left out, as a load leaves them out.
   */
  async content(meetingId: string, docId: string): Promise<Uint8Array> {
    const key = docKey(meetingId, docId);
    const open = this.docs.get(key);
    if (open) {
      open.holds++;
      try {
        await open.ready;
        return await open.content();
      } finally {
        this.release(open);
      }
    }
    await this.unloading.get(key);
    const doc = new Y.Doc({ gc: true });
    try {
      applyChecked(doc, await this.deps.store.loadDocRows(meetingId, docId));
      return Y.encodeStateAsUpdate(doc);
    } finally {
      doc.destroy();
    }
  }

  /** Waits until every update received so far is in the store. */
  async flush(): Promise<void> {
    await Promise.all([...this.docs.values()].map((d) => d.ready.then(() => d.flush(), () => undefined)));
    await Promise.all(this.unloading.values());
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pinger);
    for (const peer of [...this.attached.keys()]) peer.close(WS_CLOSE.shuttingDown, 'server shutting down');
    const docs = [...this.docs.values()];
    await Promise.all(docs.map((d) => d.ready.then(() => d.unload(), () => undefined)));
    await Promise.all(this.unloading.values());
    this.docs.clear();
    this.attached.clear();
    this.wss.close();
  }
}

/** The client is gone: nothing may be opened for it, or what was opened must be let go. */
function gone(socket: Duplex): boolean {
  return socket.destroyed || !socket.readable || !socket.writable;
}

function docKey(meetingId: string, docId: string): string {
  return `${meetingId}/${docId}`;
}

function refuse(socket: Duplex, status: number, text: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
