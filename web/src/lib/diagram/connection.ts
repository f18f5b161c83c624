import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { openDocument } from '$lib/editor/docConnection';
import { findMeetingConnection } from '$lib/meeting/connection.svelte';

/**
 * A diagram's live document: one Y.Doc opened the way every document is (`openDocument`: y-websocket on
 * /yjs, the meeting's Socket.IO where WebSockets are refused). A change the server refuses (4422) ends
 * the connection there, as docConnection does for every 44xx close: it is never sent again in a loop.
 */
export interface DiagramConnection {
  doc: Y.Doc;
  awareness: Awareness;
  onStatus(listener: (status: 'connecting' | 'connected' | 'disconnected') => void): void;
  onSynced(listener: (synced: boolean) => void): void;
  /** Closed and opened again as the phone loses and finds its network (the offline copy asks [D30]). */
  connect(): void;
  disconnect(): void;
  destroy(): void;
}

export function openDiagramConnection(meetingId: string, docId: string, token: string): DiagramConnection {
  const doc = new Y.Doc();
  const connection = openDocument({ meetingId, docId, token, ydoc: doc, fallback: findMeetingConnection()?.documents ?? null });
  return {
    doc,
    awareness: connection.awareness,
    onStatus: (listener) => connection.on('status', (e) => listener(e.status === 'connected' ? 'connected' : e.status === 'disconnected' ? 'disconnected' : 'connecting')),
    onSynced: (listener) => connection.on('sync', (s) => listener(s)),
    connect: () => connection.connect(),
    disconnect: () => connection.disconnect(),
    destroy: () => {
      connection.destroy();
      doc.destroy();
    }
  };
}
