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
