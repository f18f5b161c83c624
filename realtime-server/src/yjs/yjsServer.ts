import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_CLOSE, LIMITS } from '@yishi/protocol';
import type { Store } from '@yishi/store';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocketServer, type WebSocket } from 'ws';
import * as Y from 'yjs';
import { authenticate } from '../auth.ts';
import type { OriginPolicy } from '../http/origins.ts';
import type { Logger } from '../logger.ts';
import type { MeetingService } from '../meetings/meetingService.ts';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const DOC_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MEETING_ID = /^[A-Za-z0-9_-]{4,64}$/;
const PING_MS = 30_000;
/** Compact a document's stored updates when it unloads with more than this many. */
const COMPACT_OVER = 50;

/** Where an update came from, so nothing is echoed back or persisted twice. */
export type UpdateOrigin = { kind: 'connection'; ws: WebSocket } | { kind: 'store' } | { kind: 'relay' };
const FROM_STORE: UpdateOrigin = { kind: 'store' };

/** Relays updates between nodes (Redis pub/sub when scaled out); absent on a single node. */
export interface DocRelay {
  publish(meetingId: string, docId: string, update: Uint8Array): void;
  subscribe(meetingId: string, docId: string, onUpdate: (update: Uint8Array) => void): () => void;
}

interface Conn {
  readOnly: boolean;
  awarenessIds: Set<number>;
  alive: boolean;
}

class SharedDoc {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly conns = new Map<WebSocket, Conn>();
  /** Writes to the store, in arrival order. */
  private writes: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;

  constructor(
    readonly meetingId: string,
    readonly docId: string,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly relay: DocRelay | null
  ) {
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onUpdate(update, origin as UpdateOrigin | undefined));
    this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const changed = [...added, ...updated, ...removed];
      const conn = (origin as UpdateOrigin | undefined)?.kind === 'connection' ? this.conns.get((origin as { ws: WebSocket }).ws) : undefined;
      if (conn) {
        for (const id of added) conn.awarenessIds.add(id);
        for (const id of removed) conn.awarenessIds.delete(id);
      }
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(enc, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
      this.broadcast(encoding.toUint8Array(enc), null);
    });
  }

  async load(): Promise<void> {
    // Listen to other nodes before reading the store: an update relayed meanwhile is applied (Yjs
    // updates are idempotent and commute), rather than falling between the read and the subscription.
    if (this.relay) {
      this.unsubscribe = this.relay.subscribe(this.meetingId, this.docId, (update) => Y.applyUpdate(this.doc, update, { kind: 'relay' } satisfies UpdateOrigin));
    }
    try {
      const updates = await this.store.loadDocUpdates(this.meetingId, this.docId);
      if (updates.length > 0) Y.applyUpdate(this.doc, Y.mergeUpdates(updates), FROM_STORE);
    } catch (err) {
      this.unsubscribe?.();
      throw err;
    }
  }

  private onUpdate(update: Uint8Array, origin: UpdateOrigin | undefined): void {
    if (origin?.kind === 'store') return;
    if (origin?.kind === 'connection' || origin === undefined) {
      // Only the node that received an update from a person persists and relays it.
      this.persist(update);
      this.relay?.publish(this.meetingId, this.docId, update);
    }
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_SYNC);
    syncProtocol.writeUpdate(enc, update);
    this.broadcast(encoding.toUint8Array(enc), origin?.kind === 'connection' ? origin.ws : null);
  }

  private persist(update: Uint8Array): void {
    this.writes = this.writes
      .then(() => this.store.appendDocUpdate(this.meetingId, this.docId, update))
      .catch((err: unknown) => this.log.error({ err, meetingId: this.meetingId, docId: this.docId }, 'could not persist a document update'));
  }

  flush(): Promise<void> {
    return this.writes;
  }

  broadcast(message: Uint8Array, except: WebSocket | null): void {
    for (const ws of this.conns.keys()) if (ws !== except) send(ws, message);
  }

  handleMessage(ws: WebSocket, conn: Conn, data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const syncType = decoding.readVarUint(decoder);
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      const origin: UpdateOrigin = { kind: 'connection', ws };
      if (syncType === syncProtocol.messageYjsSyncStep1) {
        syncProtocol.readSyncStep1(decoder, encoder, this.doc);
      } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
        // A read-only connection (the board) may receive the document but never change it.
        if (conn.readOnly) return;
        syncProtocol.readSyncStep2(decoder, this.doc, origin);
      } else {
        throw new Error(`unknown sync message ${syncType}`);
      }
      if (encoding.length(encoder) > 1) send(ws, encoding.toUint8Array(encoder));
    } else if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), { kind: 'connection', ws } satisfies UpdateOrigin);
    } else {
      throw new Error(`unknown message type ${type}`);
    }
  }

  greet(ws: WebSocket): void {
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(enc, this.doc);
    send(ws, encoding.toUint8Array(enc));
    const states = this.awareness.getStates();
    if (states.size > 0) {
      const a = encoding.createEncoder();
      encoding.writeVarUint(a, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(a, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()]));
      send(ws, encoding.toUint8Array(a));
    }
  }

  async unload(): Promise<void> {
    this.unsubscribe?.();
    await this.flush();
    try {
      const stored = await this.store.loadDocUpdates(this.meetingId, this.docId);
      if (stored.length > COMPACT_OVER) await this.store.compactDoc(this.meetingId, this.docId);
    } catch (err) {
      this.log.warn({ err, meetingId: this.meetingId, docId: this.docId }, 'compaction failed; updates are kept as they are');
    }
    this.awareness.destroy();
    this.doc.destroy();
  }
}

function send(ws: WebSocket, message: Uint8Array): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(message, (err) => {
    if (err) ws.terminate();
  });
}

export interface YjsServerDeps {
  store: Store;
  meetings: MeetingService;
  origins: OriginPolicy;
  log: Logger;
  relay?: DocRelay | null;
}

/**
 * The y-websocket endpoint `/yjs/<meetingId>/<docId>?token=…`. The token is checked before anything is
 * loaded; each document is loaded once even when connections race, every update is persisted through
 * the store as it arrives, and a document is flushed and unloaded when its last connection leaves.
 */
export class YjsServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes });
  private readonly docs = new Map<string, Promise<SharedDoc>>();
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly pinger: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly deps: YjsServerDeps) {
    this.pinger = setInterval(() => this.ping(), PING_MS);
    this.pinger.unref();
  }

  /** Returns false when the request is not for /yjs. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/yjs\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!url.pathname.startsWith('/yjs/')) return false;
    void this.accept(req, socket, head, url, match).catch((err: unknown) => {
      this.deps.log.error({ err }, 'yjs upgrade failed');
      refuse(socket, 500, 'Internal Server Error');
    });
    return true;
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
    const auth = await authenticate(this.deps.store, this.deps.meetings, url.searchParams.get('token'));
    if (!auth.ok) return refuse(socket, auth.error.code === 'forbidden' ? 403 : 401, 'Unauthorized');
    if (auth.auth.meetingId !== meetingId) return refuse(socket, 403, 'Forbidden');
    // Until documents get kinds and rights, every document of the meeting may be opened; the board only reads.
    const readOnly = auth.auth.actor.role === 'board';
    const shared = await this.open(meetingId, docId);
    if (this.closing) return refuse(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, shared, readOnly));
  }

  private attach(ws: WebSocket, shared: SharedDoc, readOnly: boolean): void {
    const conn: Conn = { readOnly, awarenessIds: new Set(), alive: true };
    shared.conns.set(ws, conn);
    ws.binaryType = 'arraybuffer';
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data: ArrayBuffer) => {
      try {
        shared.handleMessage(ws, conn, new Uint8Array(data));
      } catch (err) {
        this.deps.log.warn({ err, meetingId: shared.meetingId, docId: shared.docId }, 'bad yjs message, closing');
        ws.close(WS_CLOSE.forbidden, 'bad message');
      }
    });
    ws.on('close', () => this.detach(ws, shared, conn));
    ws.on('error', () => ws.terminate());
    shared.greet(ws);
  }

  private detach(ws: WebSocket, shared: SharedDoc, conn: Conn): void {
    if (!shared.conns.delete(ws)) return;
    awarenessProtocol.removeAwarenessStates(shared.awareness, [...conn.awarenessIds], null);
    if (shared.conns.size === 0 && !this.closing) {
      const key = docKey(shared.meetingId, shared.docId);
      this.docs.delete(key);
      const done = shared.unload().finally(() => this.unloading.delete(key));
      this.unloading.set(key, done);
    }
  }

  private open(meetingId: string, docId: string): Promise<SharedDoc> {
    const key = docKey(meetingId, docId);
    let p = this.docs.get(key);
    if (!p) {
      const shared = new SharedDoc(meetingId, docId, this.deps.store, this.deps.log, this.deps.relay ?? null);
      // A document being unloaded is flushed before it is read again, so no update is missed.
      p = (this.unloading.get(key) ?? Promise.resolve()).then(() => shared.load()).then(() => shared);
      p.catch(() => this.docs.delete(key));
      this.docs.set(key, p);
    }
    return p;
  }

  private ping(): void {
    for (const p of this.docs.values()) {
      void p.then((shared) => {
        for (const [ws, conn] of shared.conns) {
          if (!conn.alive) {
            ws.terminate();
            continue;
          }
          conn.alive = false;
          ws.ping();
        }
      }, () => undefined);
    }
  }

  /** Waits until every update received so far is in the store. */
  async flush(): Promise<void> {
    const docs = await Promise.allSettled([...this.docs.values()]);
    await Promise.all(docs.map((d) => (d.status === 'fulfilled' ? d.value.flush() : undefined)));
    await Promise.all(this.unloading.values());
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pinger);
    const docs = await Promise.allSettled([...this.docs.values()]);
    for (const d of docs) {
      if (d.status !== 'fulfilled') continue;
      for (const ws of d.value.conns.keys()) ws.close(WS_CLOSE.shuttingDown, 'server shutting down');
    }
    await Promise.all(docs.map((d) => (d.status === 'fulfilled' ? d.value.unload() : undefined)));
    await Promise.all(this.unloading.values());
    this.docs.clear();
    this.wss.close();
  }
}

function docKey(meetingId: string, docId: string): string {
  return `${meetingId}/${docId}`;
}

function refuse(socket: Duplex, status: number, text: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
