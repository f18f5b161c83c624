import { WebsocketProvider } from 'y-websocket';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

/**
 * A diagram's live document: one Y.Doc joined to `/yjs/<meetingId>/<docId>`. The single place the
 * diagram editor opens its transport, so it can be swapped for the shared document connection
 * (WebSocket with a Socket.IO fallback) without touching the editor.
 */
export interface DiagramConnection {
  doc: Y.Doc;
  awareness: Awareness;
  onStatus(listener: (status: 'connecting' | 'connected' | 'disconnected') => void): void;
  onSynced(listener: (synced: boolean) => void): void;
  /**
   * The server refused a change (4422 bad content and the like). The connection stops there: trying
   * again would send the same refused change again. The page offers a reload (a fresh copy).
   */
  onRefused(listener: (code: number) => void): void;
  destroy(): void;
}

export function openDiagramConnection(meetingId: string, docId: string, token: string): DiagramConnection {
  const doc = new Y.Doc();
  const wsOrigin = location.origin.replace(/^http/, 'ws');
  const provider = new WebsocketProvider(`${wsOrigin}/yjs/${encodeURIComponent(meetingId)}`, encodeURIComponent(docId), doc, {
    params: { token },
    disableBc: true
  });
  return {
    doc,
    awareness: provider.awareness,
    onStatus: (listener) => provider.on('status', (e: { status: 'connecting' | 'connected' | 'disconnected' }) => listener(e.status)),
    onSynced: (listener) => provider.on('sync', (s: boolean) => listener(s)),
    onRefused: (listener) =>
      provider.on('connection-close', (event: CloseEvent | null) => {
        if (event && event.code >= 4400 && event.code < 4500) {
          provider.shouldConnect = false;
          listener(event.code);
        }
      }),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    }
  };
}
