import { randomBytes } from 'node:crypto';
import { redisRetryStrategy, type Store } from '@yishi/store';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { DocRelay, YjsControl } from '../yjs/yjsServer.ts';
import { onResubscribed, retrying } from './resubscribed.ts';

export interface RedisDocRelayOptions {
  redisUrl: string;
  /** NODE_ID; a random suffix is added so two nodes started with the same id still hear each other. */
  nodeId: string;
  log: Logger;
  /** When given, a node that starts listening to a document catches up from the store (see subscribe). */
  store?: Store;
  prefix?: string;
}

/**
 * Relays Yjs updates between nodes over Redis pub/sub, one channel per document.
 *
 * Message: [origin length: 1 byte][origin: utf-8][update bytes]. Every node subscribed to a document
 * also receives what it published itself; the origin tag lets it drop those, so no node re-applies
 * (and re-broadcasts) its own updates. Pub/sub is fire-and-forget on purpose: updates are persisted by
 * the node that received them, and Yjs updates are idempotent, so a missed relay message is repaired by
 * reading the store (on subscribe, and on every later load of the document).
 */
export class RedisDocRelay implements DocRelay {
  readonly origin: string;
  private readonly originBytes: Buffer;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly listeners = new Map<string, Set<(update: Uint8Array) => void>>();
  /** Awareness listeners, by the document's update channel. */
  private readonly awarenessListeners = new Map<string, Set<(update: Uint8Array) => void>>();
  private readonly docs = new Map<string, { meetingId: string; docId: string }>();
  private readonly controlListeners = new Set<(message: YjsControl) => void>();
  private readonly controlChannel: string;
  private readonly awarenessPrefix: string;
  private closed = false;

  constructor(private readonly opts: RedisDocRelayOptions) {
    this.origin = `${opts.nodeId.slice(0, 200)}#${randomBytes(6).toString('hex')}`;
    this.originBytes = Buffer.from(this.origin, 'utf8');
    if (this.originBytes.byteLength > 255) throw new Error('relay origin too long');
    this.prefix = opts.prefix ?? 'yishi:yjs:';
    // Document channels are `<prefix><meetingId>/<docId>`; this name has no slash, so it is none of them.
    this.controlChannel = `${this.prefix}control`;
    // Awareness of a document: `<prefix>awareness:<meetingId>/<docId>`; a meeting id has no colon, so
    // this is no document's channel either.
    this.awarenessPrefix = `${this.prefix}awareness:`;
    // A lost relay message is repaired from the store, so never hold up a publish while Redis is away.
    this.pub = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false, retryStrategy: redisRetryStrategy, connectionName: `yishi:yjs-pub:${opts.nodeId}` });
    this.sub = new Redis(opts.redisUrl, { lazyConnect: false, retryStrategy: redisRetryStrategy, connectionName: `yishi:yjs-sub:${opts.nodeId}` });
    for (const [name, conn] of [['pub', this.pub], ['sub', this.sub]] as const) {
      conn.on('error', (err: Error) => opts.log.warn({ err: err.message, conn: name }, 'yjs relay: redis connection error'));
    }
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString('utf8');
      if (name === this.controlChannel) this.onControlMessage(message);
      else if (name.startsWith(this.awarenessPrefix)) this.onAwarenessMessage(this.prefix + name.slice(this.awarenessPrefix.length), message);
      else this.onMessage(name, message);
    });
    this.sub.subscribe(this.controlChannel).catch((err: unknown) => opts.log.warn({ err: (err as Error).message }, 'yjs relay: control subscribe failed'));
    // After Redis went away, updates relayed in between were lost here: read the stored ones again.
    onResubscribed(this.sub, () => {
      for (const [channel, { meetingId, docId }] of this.docs) this.catchUp(meetingId, docId, channel);
    });
  }

  private channel(meetingId: string, docId: string): string {
    return `${this.prefix}${meetingId}/${docId}`;
  }

  private awarenessChannel(meetingId: string, docId: string): string {
    return `${this.awarenessPrefix}${meetingId}/${docId}`;
  }

  private framed(body: Uint8Array): Buffer {
    const message = Buffer.allocUnsafe(1 + this.originBytes.byteLength + body.byteLength);
    message[0] = this.originBytes.byteLength;
    this.originBytes.copy(message, 1);
    message.set(body, 1 + this.originBytes.byteLength);
    return message;
  }

  /** The body of a message from another node, or null for our own (or a malformed) one. */
  private fromOthers(message: Buffer): Uint8Array | null {
    if (message.byteLength < 1) return null;
    const originLength = message[0]!;
    if (message.byteLength < 1 + originLength) return null;
    // Our own publish coming back: already applied, persisted and broadcast here.
    if (originLength === this.originBytes.byteLength && this.originBytes.equals(message.subarray(1, 1 + originLength))) return null;
    return new Uint8Array(message.buffer, message.byteOffset + 1 + originLength, message.byteLength - 1 - originLength);
  }

  publish(meetingId: string, docId: string, update: Uint8Array): void {
    if (this.closed) return;
    this.pub.publish(this.channel(meetingId, docId), this.framed(update)).catch((err: unknown) => {
      this.opts.log.warn({ err: (err as Error).message, meetingId, docId }, 'yjs relay: publish failed; other nodes catch up from the store');
    });
  }

  /** Presence and cursors of this node's editors, for the other nodes' editors of the document. */
  publishAwareness(meetingId: string, docId: string, update: Uint8Array): void {
    if (this.closed) return;
    this.pub.publish(this.awarenessChannel(meetingId, docId), this.framed(update)).catch((err: unknown) => {
      this.opts.log.warn({ err: (err as Error).message, meetingId, docId }, 'yjs relay: awareness publish failed');
    });
  }

  /**
   * Rights changes (a revoked link, a removed participant, the end) seen by this node, for the others.
   * Fire-and-forget like updates: a node that misses one still refuses the person at their next upgrade.
   */
  publishControl(message: YjsControl): void {
    if (this.closed) return;
    this.pub.publish(this.controlChannel, this.framed(Buffer.from(JSON.stringify(message), 'utf8'))).catch((err: unknown) => {
      this.opts.log.warn({ err: (err as Error).message }, 'yjs relay: control publish failed');
    });
  }

  onControl(listener: (message: YjsControl) => void): void {
    this.controlListeners.add(listener);
  }

  private onControlMessage(message: Buffer): void {
    const body = this.fromOthers(message);
    if (!body) return;
    let parsed: YjsControl;
    try {
      parsed = JSON.parse(Buffer.from(body).toString('utf8')) as YjsControl;
    } catch {
      return;
    }
    if (typeof parsed?.meetingId !== 'string') return;
    for (const cb of this.controlListeners) {
      try {
        cb(parsed);
      } catch (err) {
        this.opts.log.warn({ err }, 'yjs relay: control listener failed');
      }
    }
  }

  subscribe(meetingId: string, docId: string, onUpdate: (update: Uint8Array) => void, onAwareness?: (update: Uint8Array) => void): () => void {
    const channel = this.channel(meetingId, docId);
    let set = this.listeners.get(channel);
    if (onAwareness) {
      const aware = this.awarenessListeners.get(channel) ?? new Set();
      aware.add(onAwareness);
      this.awarenessListeners.set(channel, aware);
    }
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.docs.set(channel, { meetingId, docId });
      this.sub.subscribe(channel, this.awarenessChannel(meetingId, docId)).then(
        () => this.catchUp(meetingId, docId, channel),
        (err: unknown) => this.opts.log.warn({ err: (err as Error).message, meetingId, docId }, 'yjs relay: subscribe failed')
      );
    }
    set.add(onUpdate);
    return () => {
      if (onAwareness) {
        const aware = this.awarenessListeners.get(channel);
        aware?.delete(onAwareness);
        if (aware?.size === 0) this.awarenessListeners.delete(channel);
      }
      const current = this.listeners.get(channel);
      if (!current?.delete(onUpdate) || current.size > 0) return;
      this.listeners.delete(channel);
      this.docs.delete(channel);
      if (!this.closed) this.sub.unsubscribe(channel, this.awarenessChannel(meetingId, docId)).catch(() => undefined);
    };
  }

  /**
   * The document was loaded from the store before the subscription was in place; an update another
   * node stored and published in between would be missed. Read the store once more now that we listen.
   */
  private catchUp(meetingId: string, docId: string, channel: string): void {
    const store = this.opts.store;
    if (!store || this.closed) return;
    // The store's connection may come back a moment after the subscriber's: try again rather than
    // leave the document behind until its next load.
    void retrying(
      async () => {
        const updates = await store.loadDocUpdates(meetingId, docId);
        const set = this.listeners.get(channel);
        if (!set) return;
        for (const update of updates) for (const cb of set) cb(update);
      },
      { stop: () => this.closed || !this.listeners.has(channel) }
    ).then((done) => {
      if (!done && !this.closed && this.listeners.has(channel)) this.opts.log.warn({ meetingId, docId }, 'yjs relay: catch-up read failed; the document catches up on its next load');
    });
  }

  private onMessage(channel: string, message: Buffer): void {
    this.deliver(this.listeners.get(channel), channel, message, 'an update');
  }

  private onAwarenessMessage(channel: string, message: Buffer): void {
    this.deliver(this.awarenessListeners.get(channel), channel, message, 'an awareness update');
  }

  /** Hands another node's message to this node's listeners; one that throws does not keep it from the rest. */
  private deliver(set: Set<(update: Uint8Array) => void> | undefined, channel: string, message: Buffer, what: string): void {
    if (!set) return;
    const update = this.fromOthers(message);
    if (!update) return;
    for (const cb of set) {
      try {
        cb(update);
      } catch (err) {
        this.opts.log.warn({ err, channel }, `yjs relay: could not apply ${what}`);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.awarenessListeners.clear();
    this.docs.clear();
    this.controlListeners.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
