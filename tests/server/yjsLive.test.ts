import { createLogger, createYishiServer, loadConfig, type DocRelay, type YishiServer } from '@yishi/realtime-server';
import { openStore, type Store } from '@yishi/store';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { RedisDocRelay } from '../../realtime-server/src/scale/redisDocRelay.ts';
import { createDocument, createMeeting } from '../helpers/clients.ts';
import { STORE_KINDS, startBackend, type Backend } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function backendFor(kind: 'sqlite' | 'redis'): Promise<Backend> {
  const backend = await startBackend(kind);
  cleanups.push(() => backend.dispose());
  return backend;
}

/** A node of the real server in this process, on `store` (wrapped as a test needs) and an optional relay. */
async function node(backend: Backend, store?: Store, relay: DocRelay | null = null): Promise<{ server: YishiServer; url: string; store: Store }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...backend.env });
  const s = store ?? (await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir }));
  const server = await createYishiServer({ config, store: s, log: createLogger('silent', 'test'), webHandlerPath: null, relay });
  const { port } = await server.listen();
  cleanups.push(() => server.close());
  return { server, url: `http://127.0.0.1:${port}`, store: s };
}

async function rawStore(backend: Backend): Promise<Store> {
  const store = await openStore({ redisUrl: backend.env.REDIS_URL, dataDir: backend.env.DATA_DIR! });
  cleanups.push(() => store.close());
  return store;
}

function replay(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc;
}

/** The HTTP status a /yjs upgrade is answered with (101 when it is accepted). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => resolve(0));
  });
}

describe.each(STORE_KINDS)('Yjs documents while live, on %s', (kind) => {
  it('compacts a document kept open while 5,000 edits arrive: a bounded number of stored updates, loading equal', async () => {
    const backend = await backendFor(kind);
    const { server, url } = await node(backend);
    // Typing speed is not what this test is about: one editor sends all 5,000.
    server.yjs.limits = { ...server.yjs.limits, tokensPerSecond: 100_000, tokenBurst: 100_000 };
    const m = await createMeeting(url);
    const charter = await createDocument(url, m.meetingId, m.facilitatorToken);
    const board = yjsClient(url, m.meetingId, charter, m.facilitatorToken);
    const editor = yjsClient(url, m.meetingId, charter, m.facilitatorToken);
    cleanups.push(async () => [board, editor].forEach((c) => c.provider.destroy()));
    await Promise.all([board.synced(), editor.synced()]);
    const text = editor.doc.getText('body');
    const store = await rawStore(backend);
    let most = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 500; i++) text.insert(i % 3 === 0 ? 0 : text.length, String.fromCharCode(0x4e00 + ((round * 500 + i) % 20_000)));
      await waitFor(() => board.doc.getText('body').length === (round + 1) * 500, { what: `board has round ${round}`, timeoutMs: 20_000 });
      most = Math.max(most, (await store.loadDocUpdates(m.meetingId, charter)).length);
    }
    await server.yjs.flush();
    // The document never left memory: compaction happened while it was open.
    expect(server.yjs.loadedDocCount()).toBe(1);
    const stored = await store.loadDocUpdates(m.meetingId, charter);
    console.log(`[${kind}] 5000 edits on an open document: ${stored.length} stored updates at the end, at most ${most} seen`);
    expect(stored.length).toBeLessThanOrEqual(400);
    expect(most).toBeLessThanOrEqual(1000);
    expect(replay(stored).getText('body').toString()).toBe(text.toString());
    expect(board.doc.getText('body').toString()).toBe(text.toString());
    // A fresh editor loads it equal too.
    const fresh = yjsClient(url, m.meetingId, charter, m.facilitatorToken);
    cleanups.push(async () => fresh.provider.destroy());
    await fresh.synced();
    expect(fresh.doc.getText('body').toString()).toBe(text.toString());
  }, 60_000);

  it('loads a document once for many clients arriving together; a failed load refuses them all and writes nothing over what is stored', async () => {
    const backend = await backendFor(kind);
    const real = await rawStore(backend);
    let loads = 0;
    let fail = false;
    let gate: Promise<void> = Promise.resolve();
    let release = () => {};
    const writes: string[] = [];
    // The store as the server sees it: loads counted, held at a gate, and failing on demand.
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        // What a document's load reads (its updates with their marks, S22).
        if (prop === 'loadDocRows') {
          return async (meetingId: string, docId: string) => {
            loads++;
            await gate;
            if (fail) throw new Error('injected: store unreachable');
            return target.loadDocRows(meetingId, docId);
          };
        }
        if (prop === 'appendDocUpdate' || prop === 'appendDocUpdates' || prop === 'compactDoc') writes.push(String(prop));
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
    });
    const { server, url } = await node(backend, store);
    const m = await createMeeting(url);
    const charter = await createDocument(url, m.meetingId, m.facilitatorToken);
    const writer = yjsClient(url, m.meetingId, charter, m.facilitatorToken);
    await writer.synced();
    writer.doc.getText('body').insert(0, '第一条 本会名称为滨河东里商户居民联合会。');
    await server.yjs.flush();
    writer.provider.destroy();
    await waitFor(() => server.yjs.loadedDocCount() === 0, { what: 'document unloaded' });
    await server.yjs.flush();
    const before = await real.loadDocUpdates(m.meetingId, charter);
    expect(before.length).toBeGreaterThan(0);

    // Twelve clients arrive while the load is held, then it fails: all refused, one load, nothing written.
    fail = true;
    gate = new Promise<void>((r) => (release = r));
    loads = 0;
    writes.length = 0;
    const ws = `${url.replace(/^http/, 'ws')}/yjs/${m.meetingId}/${charter}?token=${m.facilitatorToken}`;
    const refused = Array.from({ length: 12 }, () => upgradeStatus(ws));
    await waitFor(() => loads === 1 && server.yjs.loadedDocCount() === 1, { what: 'the load started' });
    // Every upgrade has reached the document (each one holds it) before the load gives up.
    await waitFor(() => (server.yjs as unknown as { docs: Map<string, { holds: number }> }).docs.get(`${m.meetingId}/${charter}`)?.holds === 12, { what: 'all twelve wait on one load' });
    release();
    expect(await Promise.all(refused)).toEqual(Array(12).fill(500));
    expect(loads).toBe(1);
    expect(server.yjs.loadedDocCount()).toBe(0);
    await server.yjs.flush();
    expect(writes).toEqual([]);
    expect(await real.loadDocUpdates(m.meetingId, charter)).toEqual(before);

    // The store is back: twenty editors arrive together, the document is loaded once and they all have it.
    fail = false;
    loads = 0;
    const editors = Array.from({ length: 20 }, () => yjsClient(url, m.meetingId, charter, m.facilitatorToken));
    cleanups.push(async () => editors.forEach((e) => e.provider.destroy()));
    await Promise.all(editors.map((e) => e.synced()));
    expect(loads).toBe(1);
    for (const e of editors) expect(e.doc.getText('body').toString()).toBe('第一条 本会名称为滨河东里商户居民联合会。');
    expect(replay(await real.loadDocUpdates(m.meetingId, charter)).getText('body').toString()).toBe('第一条 本会名称为滨河东里商户居民联合会。');
  }, 30_000);
});

describe('Yjs across two nodes on one redis-server', () => {
  it('carries presence and cursors (awareness) to editors on the other node, and their removal when one leaves', async () => {
    const backend = await backendFor('redis');
    const log = createLogger('silent', 'test');
    const nodes = [];
    for (const id of ['hall-a', 'hall-b']) {
      const store = await rawStore(backend);
      const relay = new RedisDocRelay({ redisUrl: backend.env.REDIS_URL!, nodeId: id, log, store });
      cleanups.push(() => relay.close());
      nodes.push(await node(backend, store, relay));
    }
    const m = await createMeeting(nodes[0]!.url);
    const charter = await createDocument(nodes[0]!.url, m.meetingId, m.facilitatorToken);
    const a = yjsClient(nodes[0]!.url, m.meetingId, charter, m.facilitatorToken);
    const b = yjsClient(nodes[1]!.url, m.meetingId, charter, m.facilitatorToken);
    cleanups.push(async () => [a, b].forEach((c) => c.provider.destroy()));
    await Promise.all([a.synced(), b.synced()]);
    // Both nodes listen to the document before anything is said (the relay subscribes while loading).
    a.doc.getText('body').insert(0, '总则');
    await waitFor(() => b.doc.getText('body').toString() === '总则', { what: 'the update crosses' });

    const aId = a.doc.clientID;
    a.provider.awareness.setLocalStateField('user', { name: '王阿姨', color: '#1a5fb4' });
    a.provider.awareness.setLocalStateField('cursor', { anchor: 1, head: 2 });
    const seen = await waitFor(() => b.provider.awareness.getStates().get(aId)?.cursor, { what: "b sees a's cursor" });
    expect(seen).toEqual({ anchor: 1, head: 2 });
    expect(b.provider.awareness.getStates().get(aId)?.user).toEqual({ name: '王阿姨', color: '#1a5fb4' });
    // And the other way.
    b.provider.awareness.setLocalStateField('user', { name: '赵师傅' });
    await waitFor(() => (a.provider.awareness.getStates().get(b.doc.clientID)?.user as { name?: string } | undefined)?.name === '赵师傅', { what: "a sees b's name" });

    // a leaves: its node removes its state, and the other node's editors stop showing it.
    a.provider.destroy();
    await waitFor(() => !b.provider.awareness.getStates().has(aId), { what: "a's cursor gone on the other node" });
  }, 30_000);
});
