import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { waitFor } from './wait.ts';

/**
 * A y-websocket client of `/yjs/<meetingId>/<docId>`, as a browser editor would open it. `synced()`
 * waits for the first sync; it is a function so a client that is never waited on leaves no timer behind
 * to fail after its test.
 */
export function yjsClient(baseUrl: string, meetingId: string, docId: string, token: string, doc = new Y.Doc()) {
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, 'ws')}/yjs/${meetingId}`, docId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true
  });
  return { provider, doc, synced: () => waitFor(() => provider.synced, { what: `yjs ${docId} synced` }) };
}

/*
 * Raw y-websocket frames, written by hand so a test can send exactly the bytes it means (malformed ones
 * included) without a client library in between.
 */

/** lib0's variable-length unsigned integer, as y-websocket writes it. */
export function varUint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A message: its type (0 sync, 1 awareness), the sync sub-type when there is one, and a length-prefixed body. */
export function frame(type: number, sub: number | null, body: Uint8Array): Uint8Array {
  return Uint8Array.from([...varUint(type), ...(sub === null ? [] : varUint(sub)), ...varUint(body.byteLength), ...body]);
}

/** The update an editor with this client id sends for one insert into text `t`. */
export function insertUpdate(text: string, clientID = 1 + Math.floor(Math.random() * 2 ** 31)): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}
