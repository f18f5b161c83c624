import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_REASONS, WS_CLOSE } from '@yishi/protocol';
import { createLogger, createYishiServer, loadConfig, type YishiServer } from '@yishi/realtime-server';
import { openStore } from '@yishi/store';
import { createRedisScaleOut, type ScaleOut } from '../../realtime-server/src/scale/redisScaleOut.ts';
import { TestClient, connected, createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { postJson, startBackend, type Backend, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { rawStore, type RawStore } from './recordStore.ts';

/**
 * A meeting deleted through one node, seen from the other (issue 9, item 5): two nodes on one
 * redis-server, wired as main.ts wires them (the Socket.IO Redis adapter, the Yjs relay and its control
 * channel). A phone and a /yjs editor on node B, the deletion through node A: B's phone is told why and
 * let go, B's editor is closed, and B holds nothing of the meeting any more — no cached state, no verify,
 * no join with the old code.
 */
interface Node {
  server: YishiServer;
  scale: ScaleOut;
  url: string;
}

let backend: Backend;
let nodes: Node[] = [];
let raw: RawStore;

beforeAll(async () => {
  backend = await startBackend('redis');
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...backend.env });
  for (const nodeId of ['node-a', 'node-b']) {
    const log = createLogger('silent', nodeId);
    const store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
    const scale = await createRedisScaleOut({ redisUrl: config.redisUrl!, nodeId, log, store, failuresPerMinute: config.joinFailuresPerMinute });
    const server = await createYishiServer({ config, store, log, webHandlerPath: null, relay: scale.relay, socketAdapter: scale.adapter, failures: scale.failures });
    scale.onResubscribed(() => void server.sockets.resyncLocal());
    nodes.push({ server, scale, url: `http://127.0.0.1:${(await server.listen()).port}` });
  }
  raw = rawStore({ backend } as InProcess);
});

afterAll(async () => {
  await raw?.close();
  for (const n of nodes) {
    await n.server.close();
    await n.scale.close();
  }
  nodes = [];
  await backend?.dispose();
});

const del = (url: string, meetingId: string, token: string, confirm: string) =>
  fetch(`${url}/api/meetings/${meetingId}`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ confirm })
  });

describe('a meeting deleted through node A, on node B', () => {
  it("B's phone gets closing (meeting_deleted) and is let go, B's editor is closed with 4404, and B forgets the meeting", async () => {
    const [a, b] = nodes as [Node, Node];
    const m = await createMeeting(a.url, { title: '滨河东里议事会' });
    const docIds = await createDocuments(a.url, m, ['charter']);
    const kept = await createMeeting(a.url, { title: '另一个会' });
    // The phone joins and connects through B; the facilitator is on A.
    const joined = await join(b.url, m.joinCode, '王阿姨', '居民');
    const phone = await connected(b.url, joined.token);
    const fac = await connected(a.url, m.facilitatorToken);
    const otherOnB = await connected(b.url, kept.facilitatorToken);
    const editor = yjsClient(b.url, m.meetingId, docIds.charter, m.facilitatorToken);
    const closes: number[] = [];
    editor.provider.on('connection-close', (event: { code: number } | null) => void (event && closes.push(event.code)));
    try {
      await editor.synced();
      editor.doc.getText('t').insert(0, '第一条 本会名称');
      await waitFor(async () => (await raw.leftovers(m.meetingId)).some((l) => l.includes('doc')), { what: 'the document stored through B' });

      // B holds the meeting: its state cached (the phone's snapshot came from it), verify answers there.
      expect((await b.server.meetings.current(m.meetingId)).state?.participants.size).toBe(1);
      expect((await fetch(`${b.url}/api/meetings/${m.meetingId}/verify`)).status).toBe(200);

      const res = await del(a.url, m.meetingId, m.facilitatorToken, m.joinCode);
      expect(res.status).toBe(200);

      // The phone on B: told why, then disconnected by the server (so it does not reconnect on its own).
      await waitFor(() => phone.closing.length > 0 && !phone.socket.connected, { what: 'the phone on B let go' });
      expect(phone.closing[0]).toMatchObject({ reason: CLOSE_REASONS.deleted, error: { code: 'not_found' } });
      await waitFor(() => fac.closing.length > 0 && !fac.socket.connected, { what: 'the facilitator on A let go' });
      // The editor on B: closed as not found.
      await waitFor(() => closes.includes(WS_CLOSE.notFound), { what: 'the editor on B closed' });
      editor.provider.destroy();

      // B's cached state is gone: what B reads now is what the store holds, which is nothing.
      await waitFor(async () => (await b.server.meetings.current(m.meetingId)).state === null, { what: "B's cache dropped" });
      expect((await fetch(`${b.url}/api/meetings/${m.meetingId}/verify`)).status).toBe(404);
      expect((await fetch(`${b.url}/api/join/${m.joinCode}`)).status).toBe(404);
      expect((await postJson(`${b.url}/api/join`, { joinCode: m.joinCode, name: '迟到者', group: '居民' })).status).toBe(404);
      // The phone's old token opens nothing on B.
      const again = new TestClient(b.url, joined.token);
      try {
        await waitFor(() => again.connectError, { what: 'the old token refused on B' });
        expect(again.connectError?.data).toMatchObject({ code: 'unauthorized' });
      } finally {
        again.close();
      }
      // Nothing of it is left in Redis, the document B's editor wrote included; deleting again is 404.
      expect(await raw.leftovers(m.meetingId)).toEqual([]);
      expect((await del(b.url, m.meetingId, m.facilitatorToken, m.joinCode)).status).toBe(404);

      // The other meeting, on B too, is untouched.
      expect(otherOnB.socket.connected).toBe(true);
      expect(otherOnB.closing).toEqual([]);
      expect(await (await fetch(`${b.url}/api/meetings/${kept.meetingId}/verify`)).json()).toMatchObject({ ok: true });
    } finally {
      editor.provider.destroy();
      for (const c of [phone, fac, otherOnB]) c.close();
    }
  });
});
