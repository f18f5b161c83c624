import { PROTOCOL_VERSION, type DocAck, type DocClosedMessage, type DocMessage, type ProtocolError } from '@yishi/protocol';
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import * as Y from 'yjs';
import { SocketDocProvider, socketDocChannel } from '../../web/src/lib/editor/socketDocProvider.ts';
import { waitFor } from './wait.ts';

/**
 * A meeting socket as an in-app browser has it — long-polling only, WebSockets refused — with the web
 * app's own SocketDocProvider for documents over it, and a record of what the server sent for them.
 */
export class PollingPhone {
  readonly socket: Socket;
  readonly closedDocs: DocClosedMessage[] = [];
  readonly messages: DocMessage[] = [];
  closing: { reason: string; error: ProtocolError }[] = [];
  connectError: (Error & { data?: ProtocolError }) | null = null;

  constructor(url: string, token: string) {
    this.socket = io(url, { auth: { token, protocol: PROTOCOL_VERSION }, transports: ['polling'], forceNew: true, reconnection: false });
    this.socket.on('doc:closed', (msg: DocClosedMessage) => this.closedDocs.push(msg));
    this.socket.on('doc:msg', (msg: DocMessage) => this.messages.push(msg));
    this.socket.on('closing', (msg: { reason: string; error: ProtocolError }) => this.closing.push(msg));
    this.socket.on('connect_error', (err: Error & { data?: ProtocolError }) => (this.connectError = err));
  }

  async ready(): Promise<this> {
    await waitFor(() => this.socket.connected, { what: 'polling socket connected' });
    expect(this.socket.io.engine.transport.name).toBe('polling');
    return this;
  }

  /** The page's provider for one document over this socket; `synced()` waits for its first sync. */
  open(docId: string, doc = new Y.Doc()) {
    const provider = new SocketDocProvider(socketDocChannel(this.socket), docId, doc);
    return { provider, doc, synced: () => waitFor(() => provider.synced, { what: `${docId} synced over Socket.IO` }) };
  }

  emit(event: string, payload: unknown): Promise<DocAck> {
    return this.socket.timeout(10_000).emitWithAck(event, payload) as Promise<DocAck>;
  }

  /** Read-only notices (y-websocket's auth message) the server sent for `docId`. */
  readOnlyNotices(docId: string): number {
    return this.messages.filter((m) => m.docId === docId && new Uint8Array(m.data as ArrayBuffer)[0] === 2).length;
  }

  close(): void {
    this.socket.disconnect();
  }
}
