import { WS_CLOSE } from '@yishi/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { YJS_LIMITS } from '../../realtime-server/src/yjs/yjsServer.ts';
import { openDocument } from '../../web/src/lib/editor/docConnection.ts';
import { socketDocChannel } from '../../web/src/lib/editor/socketDocProvider.ts';
import { createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { PollingPhone } from '../helpers/docSocket.ts';
import { startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';

/**
 * The web app's docConnection.ts, run in Node against the real server: when /yjs closes its WebSocket
 * for going over the rate (4429) it waits before coming back instead of reconnecting at once, and a
 * browser that will not even make a WebSocket opens the document over the meeting's socket [D28].
 */
const g = globalThis as unknown as { WebSocket?: unknown; location?: { origin: string } };
const saved = { WebSocket: g.WebSocket, location: g.location };
const attempts: { url: string; at: number }[] = [];
const closes: { code: number; at: number }[] = [];

/** The browser's WebSocket, as y-websocket makes it, recording every attempt and every close. */
class CountedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    attempts.push({ url, at: Date.now() });
    this.on('close', (code) => closes.push({ code, at: Date.now() }));
  }
}

class ThrowingWebSocket {
  constructor() {
    throw new DOMException('refused by this browser', 'SecurityError');
  }
}

let srv: InProcess;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  srv = await startInProcess('sqlite');
  g.location = { origin: srv.url };
});
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  attempts.length = 0;
  closes.length = 0;
  srv.server.yjs.limits = { ...YJS_LIMITS };
});
afterAll(async () => {
  g.WebSocket = saved.WebSocket;
  g.location = saved.location;
  await srv?.stop();
});

describe('docConnection (the web app\'s way to open a document)', () => {
  it('[D28] closed for its rate (4429), y-websocket waits seconds before coming back, then syncs again', async () => {
    g.WebSocket = CountedWebSocket;
    const m = await createMeeting(srv.url);
    const { charter } = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    // A slow bucket: the sync costs 10, then a handful of edits use up the rest.
    srv.server.yjs.limits = { ...YJS_LIMITS, tokensPerSecond: 1, tokenBurst: 20 };
    const ydoc = new Y.Doc();
    const synced: boolean[] = [];
    const doc = openDocument({ meetingId: m.meetingId, docId: charter, token: p.token, ydoc, fallback: null });
    cleanups.push(() => doc.destroy());
    doc.on('sync', (s) => synced.push(s));
    await waitFor(() => synced.includes(true), { what: 'first sync' });
    for (let i = 0; i < 20 && !closes.some((c) => c.code === WS_CLOSE.rateLimited); i++) ydoc.getText('t').insert(0, '快'.repeat(400));
    const limited = await waitFor(() => closes.find((c) => c.code === WS_CLOSE.rateLimited), { what: 'closed with 4429' });
    srv.server.yjs.limits = { ...YJS_LIMITS };
    const next = await waitFor(() => attempts.find((a) => a.at >= limited.at), { what: 'the next attempt', timeoutMs: 10_000 });
    expect(next.at - limited.at).toBeGreaterThanOrEqual(2_500);
    expect(attempts.length).toBe(2);
    await waitFor(() => synced.at(-1) === true && synced.length >= 3, { what: 'synced again' });
    expect(doc.transport).toBe('websocket');
  });

  it('[D28] a browser that will not make a WebSocket at all opens the document over the meeting\'s socket at once, and co-edits', async () => {
    g.WebSocket = ThrowingWebSocket;
    const m = await createMeeting(srv.url);
    const { charter } = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const wechat = await new PollingPhone(srv.url, p.token).ready();
    cleanups.push(() => wechat.close());
    const ydoc = new Y.Doc();
    const doc = openDocument({ meetingId: m.meetingId, docId: charter, token: p.token, ydoc, fallback: socketDocChannel(wechat.socket) });
    cleanups.push(() => doc.destroy());
    expect(doc.transport).toBe('socket.io');
    const laptop = yjsClient(srv.url, m.meetingId, charter, m.facilitatorToken);
    cleanups.push(() => laptop.provider.destroy());
    await laptop.synced();
    ydoc.getText('t').insert(0, '微信里写的');
    await waitFor(() => laptop.doc.getText('t').toString() === '微信里写的', { what: 'edit on the laptop' });
  });
});
