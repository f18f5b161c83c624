import { WS_CLOSE } from '@yishi/protocol';
import { WebsocketProvider } from 'y-websocket';
import { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { SocketDocProvider, type DocChannel, type DocStatus } from './socketDocProvider.ts';

export type { DocChannel, DocStatus };

/**
 * How a page opens one of the meeting's shared documents: y-websocket over `/yjs/<meetingId>/<docId>`
 * first; where that WebSocket cannot connect at all — WeChat's and other in-app browsers, some proxies —
 * the same protocol over the meeting's Socket.IO connection (SocketDocProvider), with the same rights and
 * limits on the server. The page keeps one Y.Doc and one awareness across the switch, so the editor and
 * the carets never notice which way the document travels.
 */
export interface DocConnection {
  /** Presence and carets (Tiptap's CollaborationCaret takes `{ awareness }`). */
  readonly awareness: Awareness;
  /** Which way the document travels now. */
  readonly transport: 'websocket' | 'socket.io';
  on(event: 'status', listener: (event: { status: DocStatus }) => void): void;
  on(event: 'sync', listener: (synced: boolean) => void): void;
  /**
   * Closes the document's WebSocket while the phone has no network, and opens it again when it has
   * (the offline copy asks [D30]). Over the fallback, the meeting's Socket.IO connection does this itself.
   */
  disconnect(): void;
  connect(): void;
  destroy(): void;
}

export interface OpenDocument {
  meetingId: string;
  docId: string;
  token: string;
  ydoc: Y.Doc;
  /** The meeting's Socket.IO connection (`MeetingConnection.documents`), for the fallback. */
  fallback: DocChannel | null;
}

/** Closes y-websocket does not come back from on its own: rights, limits, a refused update, the document gone. */
const FINAL = (code: number) => (code >= 4400 && code < 4500) || code === WS_CLOSE.docFull;
/** After /yjs closed the WebSocket for going over its rate, wait this long before trying again. */
const RATE_LIMITED_PAUSE_MS = 3_000;
/**
 * WebSockets that failed before ever opening after which the page switches: two when the meeting's own
 * Socket.IO fell back to long-polling too (WebSockets are refused here), more when it did not (then the
 * server is more likely just restarting).
 */
const SWITCH_AFTER = { polling: 2, otherwise: 6 };

export function openDocument({ meetingId, docId, token, ydoc, fallback }: OpenDocument): DocConnection {
  const awareness = new Awareness(ydoc);
  const status = new Set<(event: { status: DocStatus }) => void>();
  const sync = new Set<(synced: boolean) => void>();
  let transport: DocConnection['transport'] = 'websocket';
  let everOpened = false;
  let failures = 0;
  let socketDoc: SocketDocProvider | null = null;
  let pause: ReturnType<typeof setTimeout> | null = null;
  let switching = false;
  let destroyed = false;

  // Through globalThis: the server tests run this module in Node, where the page's location is given to it.
  const wsOrigin = (globalThis as unknown as { location: { origin: string } }).location.origin.replace(/^http/, 'ws');
  const ws = new WebsocketProvider(`${wsOrigin}/yjs/${encodeURIComponent(meetingId)}`, encodeURIComponent(docId), ydoc, {
    params: { token },
    awareness,
    disableBc: true,
    connect: false,
    // y-websocket already stops on 44xx; a full document (4507) would otherwise be resent and closed again and again.
    shouldReconnect: (event: { code: number }) => !FINAL(event.code)
  });
  ws.on('status', (event: { status: DocStatus }) => {
    if (event.status === 'connected') everOpened = true;
    for (const l of status) l(event);
  });
  ws.on('sync', (synced: boolean) => {
    for (const l of sync) l(synced);
  });
  ws.on('closed', ({ code }: { code: number }) => {
    // Over the rate: y-websocket would stop for good (4429 is a 44xx); come back once the allowance has refilled.
    if (code === WS_CLOSE.rateLimited) pause = setTimeout(() => ws.connect(), RATE_LIMITED_PAUSE_MS);
  });
  ws.on('connection-close', () => {
    if (everOpened || !fallback || switching) return;
    failures++;
    if (fallback.connected() && failures >= (fallback.transport() === 'polling' ? SWITCH_AFTER.polling : SWITCH_AFTER.otherwise)) {
      // Not from inside y-websocket's close handling: destroying it there closes the same socket again.
      switching = true;
      queueMicrotask(switchToSocket);
    }
  });

  function switchToSocket(): void {
    if (socketDoc || !fallback || destroyed) return;
    switching = true;
    ws.destroy();
    transport = 'socket.io';
    socketDoc = new SocketDocProvider(fallback, docId, ydoc, awareness);
    socketDoc.on('status', (event) => {
      for (const l of status) l(event);
    });
    socketDoc.on('sync', (synced) => {
      for (const l of sync) l(synced);
    });
  }

  try {
    ws.connect();
  } catch {
    // This browser will not even make a WebSocket (a SecurityError): straight to the fallback.
    switchToSocket();
  }

  return {
    awareness,
    get transport() {
      return transport;
    },
    on(event: 'status' | 'sync', listener: ((event: { status: DocStatus }) => void) | ((synced: boolean) => void)) {
      if (event === 'status') status.add(listener as (event: { status: DocStatus }) => void);
      else sync.add(listener as (synced: boolean) => void);
    },
    disconnect() {
      if (transport === 'websocket') ws.disconnect();
    },
    connect() {
      if (!destroyed && transport === 'websocket') ws.connect();
    },
    destroy() {
      destroyed = true;
      if (pause) clearTimeout(pause);
      ws.destroy();
      socketDoc?.destroy();
      awareness.destroy();
    }
  };
}
