import { DocMessageSchema, DocRequestSchema, WS_CLOSE, closeCodeError, invalidFromZod, protocolError, type DocAck, type DocClosedMessage, type DocMessage } from '@yishi/protocol';
import { TokenBucket } from '../http/failureThrottle.ts';
import type { Authenticated } from '../auth.ts';
import type { Logger } from '../logger.ts';
import type { DocPeer, Refusal, YjsServer } from './yjsServer.ts';

/**
 * Shared documents over the meeting's own Socket.IO connection, for a browser whose WebSocket to /yjs
 * is refused (WeChat's and other in-app browsers, some proxies) and whose Socket.IO fell back to
 * long-polling. It rides the meeting's socket rather than a socket of its own: the token was checked at
 * its handshake and the socket is closed when the token is revoked or the person removed, and an
 * in-app browser keeps one long-poll open per socket out of its handful of connections per host.
 *
 * Each open document is a DocPeer of YjsServer, so it goes through the same code as a /yjs WebSocket:
 * loaded once, rights decided at opening and again on every change (downgraded to read or closed at
 * once, on every node), the same token bucket and limits, every update checked and stored before it is
 * relayed, awareness the same. A message the server refuses closes that document (`doc:closed` with the
 * /yjs close code and a typed error), never the socket; a malformed request is answered with a typed
 * error (when it has an ack) and changes nothing.
 */

/** Documents one socket may hold open at once: a page opens one, the board one, a diagram a few more. */
export const MAX_OPEN_DOCS_PER_SOCKET = 8;
/** Openings per socket: each loads (or holds) a document and sends it whole, so a few in a row and then a couple a second. */
const OPEN_RATE = { perSecond: 2, burst: 12 };

type Reply = (ack: DocAck) => void;

export interface DocEmitter {
  emit(event: 'doc:msg', msg: DocMessage): void;
  emit(event: 'doc:closed', msg: DocClosedMessage): void;
  readonly connected: boolean;
}

/** One document opened over the socket. */
class SocketPeer implements DocPeer {
  /** Told when the server closes it while one message is handled, so that message's ack can say why. */
  onClose: ((code: number, reason: string) => void) | null = null;
  constructor(
    private readonly session: DocSession,
    readonly docId: string
  ) {}

  send(message: Uint8Array): void {
    this.session.send(this, message);
  }

  close(code: number, reason: string): void {
    this.onClose?.(code, reason);
    this.session.closed(this, code, reason);
  }
}

/** The documents one meeting socket holds open. Made per socket; `disconnected()` when it goes. */
export class DocSession {
  private readonly open = new Map<string, SocketPeer>();
  private readonly opening = new Set<string>();
  /**
   * The token bucket of each document this socket opened, kept when it is closed: reopening a document
   * the server closed for going over its rate must not bring a full allowance. At most one per document
   * of the meeting.
   */
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly opens = new TokenBucket(OPEN_RATE.perSecond, OPEN_RATE.burst);
  private gone = false;

  constructor(
    private readonly socket: DocEmitter,
    private readonly auth: Authenticated,
    private readonly yjs: YjsServer,
    private readonly log: Logger
  ) {}

  async onOpen(raw: unknown, ack: unknown): Promise<void> {
    const reply = this.replier(ack);
    if (!reply) return; // an opening that cannot be answered is not made
    const parsed = DocRequestSchema.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: invalidFromZod(parsed.error) });
    const { docId } = parsed.data;
    if (this.open.has(docId) || this.opening.has(docId)) return reply({ ok: false, error: protocolError('conflict', 'this document is already open on this connection') });
    if (this.open.size + this.opening.size >= MAX_OPEN_DOCS_PER_SOCKET) {
      return reply({ ok: false, error: protocolError('too_large', `at most ${MAX_OPEN_DOCS_PER_SOCKET} documents may be open on one connection`) });
    }
    const wait = this.opens.take();
    if (wait > 0) return reply({ ok: false, error: protocolError('rate_limited', 'too many documents opened, slow down', { retryAfterMs: wait }), closeCode: WS_CLOSE.rateLimited });
    const peer = new SocketPeer(this, docId);
    const limits = this.yjs.limits;
    const bucket = this.buckets.get(docId) ?? new TokenBucket(limits.tokensPerSecond, limits.tokenBurst);
    this.opening.add(docId);
    try {
      // Opened before the answer goes, so the document's first messages follow the ack.
      const opened = await this.yjs.openPeer(peer, this.auth.meetingId, docId, { actor: this.auth.actor, tokenId: this.auth.token.tokenId, bucket }, () => this.gone || !this.socket.connected);
      if (!opened.ok) return reply(refusalAck(opened.refusal));
      if (this.gone) return this.yjs.detach(peer);
      this.buckets.set(docId, bucket);
      this.open.set(docId, peer);
      reply({ ok: true });
    } catch (err) {
      this.log.error({ err, meetingId: this.auth.meetingId, docId }, 'could not open a document over the socket');
      reply({ ok: false, error: protocolError('internal', 'the server could not open this document; try again') });
    } finally {
      this.opening.delete(docId);
    }
  }

  onClose(raw: unknown, ack: unknown): void {
    const reply = this.replier(ack) ?? (() => undefined);
    const parsed = DocRequestSchema.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: invalidFromZod(parsed.error) });
    const peer = this.open.get(parsed.data.docId);
    if (!peer) return reply({ ok: false, error: protocolError('not_found', 'this document is not open on this connection') });
    this.open.delete(peer.docId);
    this.yjs.detach(peer);
    reply({ ok: true });
  }

  onMessage(raw: unknown, ack: unknown): void {
    const reply = this.replier(ack) ?? (() => undefined);
    const parsed = DocMessageSchema.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: invalidFromZod(parsed.error) });
    const peer = this.open.get(parsed.data.docId);
    if (!peer) return reply({ ok: false, error: protocolError('not_found', 'this document is not open on this connection') });
    const data = parsed.data.data;
    let refused: { code: number; reason: string } | null = null;
    peer.onClose = (code, reason) => (refused = { code, reason });
    this.yjs.receive(peer, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    peer.onClose = null;
    // Refused: the document was closed for it (doc:closed says the same).
    const closed = refused as { code: number; reason: string } | null;
    if (closed) return reply({ ok: false, error: closeCodeError(closed.code, closed.reason), closeCode: closed.code });
    reply({ ok: true });
  }

  /**
   * Answers through `ack` when there is one. A refusal costs a schema check and a small answer, each
   * bounded by the engine's frame limit; what costs more (opening a document, each message's updates)
   * has its own allowance.
   */
  private replier(ack: unknown): Reply | null {
    return typeof ack === 'function' ? (ack as Reply) : null;
  }

  /** The socket went away: every document it held lets go. */
  disconnected(): void {
    this.gone = true;
    for (const peer of this.open.values()) this.yjs.detach(peer);
    this.open.clear();
  }

  send(peer: SocketPeer, data: Uint8Array): void {
    if (this.open.get(peer.docId) !== peer || !this.socket.connected) return;
    this.socket.emit('doc:msg', { docId: peer.docId, data });
  }

  /** YjsServer closed the document (already detached): the page is told why, with the /yjs close code. */
  closed(peer: SocketPeer, code: number, reason: string): void {
    if (this.open.get(peer.docId) !== peer) return;
    this.open.delete(peer.docId);
    if (this.socket.connected) this.socket.emit('doc:closed', { docId: peer.docId, code, reason, error: closeCodeError(code, reason) });
  }
}


function refusalAck(refusal: Refusal): DocAck {
  switch (refusal) {
    case 'not_found':
      return { ok: false, error: protocolError('not_found', 'no such document in this meeting'), closeCode: WS_CLOSE.notFound };
    case 'forbidden':
      return { ok: false, error: protocolError('forbidden', 'you may not open this document'), closeCode: WS_CLOSE.forbidden };
    case 'too_many':
      return { ok: false, error: protocolError('conflict', 'the meeting has as many documents as it may'), closeCode: WS_CLOSE.tooManyDocs };
    case 'unavailable':
    case 'gone':
      return { ok: false, error: protocolError('closed', 'the document could not be opened just now; try again') };
  }
}
