import type { Socket } from 'socket.io-client';
import { WS_CLOSE, type DocAck, type DocClosedMessage, type DocMessage } from '@yishi/protocol';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';

/**
 * A shared document over the meeting's Socket.IO connection, for a browser that refuses the /yjs
 * WebSocket (docConnection.ts decides when). It speaks the same y-protocols messages as y-websocket —
 * sync step 1 and 2, updates, awareness — one per `doc:msg`, as binary; the server puts them through
 * the same code as /yjs (realtime-server/src/yjs/docSockets.ts). Plain TypeScript, so the server tests
 * drive this very class.
 */

export type DocStatus = 'connecting' | 'connected' | 'disconnected';

/** What the provider needs of the meeting's socket. */
export interface DocChannel {
  connected(): boolean;
  /** 'polling' when this browser's own Socket.IO could not use a WebSocket either. */
  transport(): string | null;
  open(docId: string, ack: (ack: DocAck) => void): void;
  close(docId: string): void;
  send(docId: string, data: Uint8Array): void;
  /** Listens to the socket; answers a function that stops listening. */
  listen(handlers: { connect(): void; disconnect(): void; message(msg: DocMessage): void; closed(msg: DocClosedMessage): void }): () => void;
}

const OPEN_TIMEOUT_MS = 10_000;
/** After the server closed the document for going over its rate: long enough to refill a sync's worth and more. */
const RATE_LIMITED_PAUSE_MS = 3_000;
const RETRY_MAX_MS = 10_000;

/** The meeting's Socket.IO socket as a DocChannel. */
export function socketDocChannel(socket: Socket): DocChannel {
  return {
    connected: () => socket.connected,
    transport: () => (socket.connected ? (socket.io.engine?.transport?.name ?? null) : null),
    open: (docId, ack) =>
      socket.timeout(OPEN_TIMEOUT_MS).emit('doc:open', { docId }, (err: Error | null, answer: DocAck) => ack(err ? { ok: false, error: { code: 'closed', message: 'no answer' } } : answer)),
    close: (docId) => {
      if (socket.connected) socket.emit('doc:close', { docId });
    },
    send: (docId, data) => {
      if (socket.connected) socket.emit('doc:msg', { docId, data });
    },
    listen: (h) => {
      socket.on('connect', h.connect);
      socket.on('disconnect', h.disconnect);
      socket.on('doc:msg', h.message);
      socket.on('doc:closed', h.closed);
      return () => {
        socket.off('connect', h.connect);
        socket.off('disconnect', h.disconnect);
        socket.off('doc:msg', h.message);
        socket.off('doc:closed', h.closed);
      };
    }
  };
}

interface Events {
  status: (event: { status: DocStatus }) => void;
  sync: (synced: boolean) => void;
  /** The server closed the document for good (no right any more, a refused update, deleted): it is not reopened. */
  closed: (event: { code: number; reason: string }) => void;
}

export class SocketDocProvider {
  status: DocStatus = 'connecting';
  synced = false;
  /** Set once the server closed the document for good. */
  closedFor: { code: number; reason: string } | null = null;
  private state: 'idle' | 'opening' | 'open' = 'idle';
  private destroyed = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners: { [K in keyof Events]: Set<Events[K]> } = { status: new Set(), sync: new Set(), closed: new Set() };
  private readonly unlisten: () => void;

  constructor(
    private readonly channel: DocChannel,
    readonly docId: string,
    readonly doc: Y.Doc,
    readonly awareness: awarenessProtocol.Awareness = new awarenessProtocol.Awareness(doc)
  ) {
    this.unlisten = channel.listen({
      connect: () => this.open(),
      disconnect: () => this.lost(),
      message: (msg) => this.receive(msg),
      closed: (msg) => this.onClosed(msg)
    });
    doc.on('update', this.onUpdate);
    awareness.on('update', this.onAwareness);
    if (channel.connected()) this.open();
  }

  on<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners[event].add(listener);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners[event].delete(listener);
  }

  destroy(): void {
    if (this.destroyed) return;
    if (this.state !== 'idle') this.channel.close(this.docId);
    this.destroyed = true;
    if (this.timer) clearTimeout(this.timer);
    this.unlisten();
    this.doc.off('update', this.onUpdate);
    this.awareness.off('update', this.onAwareness);
  }

  private emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const l of this.listeners[event]) (l as (...a: Parameters<Events[K]>) => void)(...args);
  }

  private setStatus(status: DocStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', { status });
  }

  private setSynced(synced: boolean): void {
    if (this.synced === synced) return;
    this.synced = synced;
    this.emit('sync', synced);
  }

  private open(): void {
    if (this.destroyed || this.closedFor || this.state !== 'idle' || !this.channel.connected()) return;
    this.state = 'opening';
    this.setStatus('connecting');
    this.channel.open(this.docId, (ack) => {
      if (this.destroyed || this.state !== 'opening') return;
      if (!ack.ok) {
        this.state = 'idle';
        const code = ack.error.code;
        if (code === 'rate_limited') return this.retry(ack.error.retryAfterMs ?? RATE_LIMITED_PAUSE_MS);
        if (code === 'closed' || code === 'internal') return this.retry(Math.min(RETRY_MAX_MS, 500 * 2 ** this.failures++));
        return this.endForGood(ack.closeCode ?? WS_CLOSE.forbidden, ack.error.message);
      }
      this.state = 'open';
      this.failures = 0;
      this.setStatus('connected');
      // As y-websocket on open: ask for what this copy lacks, and say who is here.
      this.post(message(0, 0, Y.encodeStateVector(this.doc)));
      if (this.awareness.getLocalState() !== null) this.post(message(1, null, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID])));
    });
  }

  private retry(ms: number): void {
    this.setStatus('disconnected');
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, ms);
  }

  /** The socket or the document went away: others' presence goes with it, and the next opening syncs again. */
  private lost(): void {
    this.state = 'idle';
    this.setSynced(false);
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
    this.setStatus('disconnected');
  }

  private onClosed(msg: DocClosedMessage): void {
    if (msg.docId !== this.docId || this.state === 'idle') return;
    this.lost();
    // Over the rate: wait before reopening (the server keeps this socket's allowance for the document).
    if (msg.code === WS_CLOSE.rateLimited) return this.retry(RATE_LIMITED_PAUSE_MS);
    if (msg.code === WS_CLOSE.shuttingDown) return this.retry(RATE_LIMITED_PAUSE_MS);
    this.endForGood(msg.code, msg.reason);
  }

  private endForGood(code: number, reason: string): void {
    this.closedFor = { code, reason };
    this.setStatus('disconnected');
    this.emit('closed', { code, reason });
  }

  private post(data: Uint8Array): void {
    if (this.state !== 'idle') this.channel.send(this.docId, data);
  }

  private receive(msg: DocMessage): void {
    // The server greets before it answers the opening: taken while opening as well.
    if (msg.docId !== this.docId || this.state === 'idle' || this.destroyed) return;
    const data = msg.data instanceof ArrayBuffer ? new Uint8Array(msg.data) : new Uint8Array(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
    try {
      const r = new Reader(data);
      const type = r.uint();
      if (type === 0) {
        const sub = r.uint();
        const body = r.bytes();
        if (sub === 0) this.post(message(0, 1, Y.encodeStateAsUpdate(this.doc, body)));
        else if (sub === 1 || sub === 2) {
          Y.applyUpdate(this.doc, body, this);
          if (sub === 1) this.setSynced(true);
        }
      } else if (type === 1) {
        awarenessProtocol.applyAwarenessUpdate(this.awareness, r.bytes(), this);
      }
      // 2: the server's read-only notice; the page already knows the right from the meeting.
    } catch {
      /* a message this copy cannot read: the next sync brings what it held */
    }
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin !== this && this.state === 'open') this.post(message(0, 2, update));
  };

  private readonly onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === this || this.state !== 'open') return;
    this.post(message(1, null, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed])));
  };
}

/** A y-protocols message: its type, the sync sub-type when there is one, and a length-prefixed body. */
function message(type: number, sub: number | null, body: Uint8Array): Uint8Array {
  const head = [...varUint(type), ...(sub === null ? [] : varUint(sub)), ...varUint(body.byteLength)];
  const out = new Uint8Array(head.length + body.byteLength);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** lib0's variable-length unsigned integer (lib0 itself is not a dependency of the web app). */
function varUint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

class Reader {
  private pos = 0;
  constructor(private readonly data: Uint8Array) {}
  uint(): number {
    let n = 0;
    let mult = 1;
    for (;;) {
      if (this.pos >= this.data.byteLength || mult > 2 ** 49) throw new RangeError('truncated');
      const b = this.data[this.pos++]!;
      n += (b & 0x7f) * mult;
      mult *= 128;
      if (b < 0x80) return n;
    }
  }
  bytes(): Uint8Array {
    const len = this.uint();
    if (this.pos + len > this.data.byteLength) throw new RangeError('truncated');
    const out = this.data.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}
