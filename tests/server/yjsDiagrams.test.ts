import { WS_CLOSE } from '@yishi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { addNode, connect, deleteNodes, readDiagram, updateNode, watchDiagram, edgesOf, nodesOf, personalUndo, moveNodes } from '../../web/src/lib/diagram/diagramDoc.ts';
import { createDocument, createMeeting, join } from '../helpers/clients.ts';
import { createLogger, createYishiServer, loadConfig } from '@yishi/realtime-server';
import { openStore } from '@yishi/store';
import { createRedisScaleOut } from '../../realtime-server/src/scale/redisScaleOut.ts';
import { STORE_KINDS, startBackend, startInProcess, type Backend, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { frame, yjsClient } from '../helpers/yjs.ts';
import { PollingPhone } from '../helpers/docSocket.ts';

/**
 * Diagrams over /yjs [D31–D33]: real y-websocket clients edit a workflow's nodes and edges through the
 * editor's own functions (web/src/lib/diagram/diagramDoc.ts); updates that break a diagram's shape are
 * sent as raw frames, so nothing between the test and the server filters them.
 */
const ME = Symbol('me');

/** A raw connection that sends exactly the bytes it is given and records how it was closed. */
async function raw(base: string, meetingId: string, docId: string, token: string) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/yjs/${meetingId}/${docId}?token=${token}`);
  ws.binaryType = 'arraybuffer';
  const state = { close: null as { code: number; reason: string } | null, answers: 0 };
  ws.on('message', (d: ArrayBuffer) => {
    const b = new Uint8Array(d);
    if (b[0] === 0 && b[1] === 1) state.answers++;
  });
  ws.on('close', (code, reason) => (state.close = { code, reason: reason.toString() }));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade ${res.statusCode}`)));
  });
  return {
    ws,
    state,
    send: (update: Uint8Array) => ws.send(frame(0, 2, update)),
    /** Once a sync request is answered, everything sent before it was handled (or the socket closed). */
    async roundTrip() {
      const before = state.answers;
      ws.send(frame(0, 0, new Uint8Array([0])));
      await waitFor(() => state.answers > before || state.close, { what: 'sync answer or close' });
    }
  };
}

/** An update made on a copy of the server's content, as a client that knows the diagram would make it. */
function updateOn(base: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const before = Y.encodeStateVector(doc);
  change(doc);
  return Y.encodeStateAsUpdate(doc, before);
}

describe.each(STORE_KINDS)('diagrams over /yjs on %s', (kind) => {
  let srv: InProcess;
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    srv = await startInProcess(kind);
  });
  afterAll(async () => {
    for (const c of cleanups) c();
    await srv?.stop();
  });

  function client(meetingId: string, docId: string, token: string) {
    const c = yjsClient(srv.url, meetingId, docId, token);
    cleanups.push(() => c.provider.destroy());
    return c;
  }

  /** What a fresh reader gets once synced. */
  async function read(meetingId: string, docId: string, token: string) {
    await srv.server.yjs.flush();
    const c = yjsClient(srv.url, meetingId, docId, token);
    await c.synced();
    const d = readDiagram(c.doc);
    const rawEdges = edgesOf(c.doc).size;
    c.provider.destroy();
    return { ...d, rawEdges };
  }

  it('[D31] a workflow is co-edited live: nodes, moves and labelled edges from two people converge', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'workflow', '工作流程图');
    const fac = client(m.meetingId, docId, m.facilitatorToken);
    const phone = client(m.meetingId, docId, p.token);
    await Promise.all([fac.synced(), phone.synced()]);
    const a = addNode(fac.doc, { kind: 'terminal', label: '开始', x: 0, y: 0 }, ME);
    const b = addNode(phone.doc, { kind: 'step', label: '居民反映', x: 0, y: 100 }, ME);
    await waitFor(() => nodesOf(fac.doc).has(b) && nodesOf(phone.doc).has(a), { what: 'nodes on both' });
    connect(phone.doc, a, b, ME, '投诉');
    moveNodes(fac.doc, [{ id: b, x: 40, y: 160 }], ME);
    updateNode(phone.doc, a, { x: -20 }, ME);
    await waitFor(() => JSON.stringify(readDiagram(fac.doc)) === JSON.stringify(readDiagram(phone.doc)) && readDiagram(fac.doc).edges.length === 1, { what: 'convergence' });
    const seen = await read(m.meetingId, docId, m.facilitatorToken);
    expect(seen.nodes.map((n) => [n.label, n.x, n.y]).sort()).toEqual([
      ['居民反映', 40, 160],
      ['开始', -20, 0]
    ]);
    expect(seen.edges).toEqual([expect.objectContaining({ source: a, target: b, label: '投诉' })]);
  });

  it('[D32] undo is per person: one undo takes back only that person’s own change', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'orgChart', '组织框架图');
    const fac = client(m.meetingId, docId, m.facilitatorToken);
    const phone = client(m.meetingId, docId, p.token);
    await Promise.all([fac.synced(), phone.synced()]);
    const undo = personalUndo(fac.doc, ME);
    const mine = addNode(fac.doc, { kind: 'role', label: '理事会', x: 0, y: 0 }, ME);
    undo.stopCapturing();
    await waitFor(() => nodesOf(phone.doc).has(mine), { what: 'phone sees the council' });
    const theirs = addNode(phone.doc, { kind: 'person', label: '王阿姨', x: 0, y: 100 }, ME);
    await waitFor(() => nodesOf(fac.doc).has(theirs), { what: 'facilitator sees the person' });
    undo.undo();
    await waitFor(() => !nodesOf(phone.doc).has(mine), { what: 'the undo reaches the phone' });
    expect(nodesOf(phone.doc).has(theirs)).toBe(true);
    expect((await read(m.meetingId, docId, m.facilitatorToken)).nodes.map((n) => n.label)).toEqual(['王阿姨']);
  });

  it('[D33] a node deleted while another person relabels it and connects to it stays deleted, with no dangling edge', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'workflow', '工作流程图');
    const fac = client(m.meetingId, docId, m.facilitatorToken);
    const phone = client(m.meetingId, docId, p.token);
    await Promise.all([fac.synced(), phone.synced()]);
    const views: string[] = [];
    cleanups.push(watchDiagram(fac.doc, () => undefined, { prune: true }), watchDiagram(phone.doc, (d) => views.push(JSON.stringify(d)), { prune: true }));
    const visit = addNode(fac.doc, { kind: 'step', label: '回访', x: 0, y: 0 }, ME);
    const end = addNode(fac.doc, { kind: 'terminal', label: '结束', x: 0, y: 100 }, ME);
    const step = addNode(fac.doc, { kind: 'step', label: '商户整改', x: 0, y: -100 }, ME);
    connect(fac.doc, step, visit, ME);
    await waitFor(() => readDiagram(phone.doc).nodes.length === 3 && readDiagram(phone.doc).edges.length === 1, { what: 'phone has the diagram' });
    // The phone goes offline, relabels 回访 and connects it to 结束; meanwhile the facilitator deletes 回访.
    phone.provider.disconnect();
    updateNode(phone.doc, visit, { label: '满意度回访' }, ME);
    connect(phone.doc, visit, end, ME, '满意');
    deleteNodes(fac.doc, [visit], ME);
    await srv.server.yjs.flush();
    phone.provider.connect();
    await phone.synced();
    await waitFor(() => edgesOf(fac.doc).size === 0 && edgesOf(phone.doc).size === 0, { what: 'dangling edge pruned on both' });
    for (const doc of [fac.doc, phone.doc]) {
      const d = readDiagram(doc);
      expect(d.nodes.map((n) => n.label).sort()).toEqual(['商户整改', '结束']);
      expect(d.edges).toEqual([]);
    }
    const stored = await read(m.meetingId, docId, m.facilitatorToken);
    expect(stored.nodes.map((n) => n.label).sort()).toEqual(['商户整改', '结束']);
    expect(stored.rawEdges).toBe(0);
    // No view of the phone ever drew an edge to a node it did not hold.
    for (const v of views) {
      const d = JSON.parse(v) as ReturnType<typeof readDiagram>;
      const ids = new Set(d.nodes.map((n) => n.id));
      for (const e of d.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
    }
  });

  it('[D31] a read-only connection cannot change a diagram', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'zoning', '分片示意图', 'readonly');
    const phone = await raw(srv.url, m.meetingId, docId, p.token);
    cleanups.push(() => phone.ws.close());
    phone.send(updateOn(new Y.Doc(), (d) => addNode(d, { kind: 'area', label: '餐饮片区', x: 0, y: 0, w: 300, h: 200, colour: 'sand' }, ME)));
    await phone.roundTrip();
    expect((await read(m.meetingId, docId, m.facilitatorToken)).nodes).toEqual([]);
  });

  const bad: [string, (d: Y.Doc, known: string) => void, RegExp][] = [
    ['an unknown node kind', (d) => addNode(d, { kind: 'rocket' as never, label: 'x', x: 0, y: 0 }, ME), /unknown node kind/],
    ['a node with no kind', (d) => nodesOf(d).set('nokind', new Y.Map()), /needs a kind/],
    ['an edge to a missing node', (d, known) => connectRaw(d, known, 'nowhere'), /missing node/],
    ['an edge without a target', (d, known) => edgeRaw(d, { source: known }), /source and a target/],
    ['a label past the limit', (d) => addNode(d, { kind: 'step', label: '长'.repeat(201), x: 0, y: 0 }, ME), /label/],
    ['a label that is not text', (d, known) => nodesOf(d).get(known)!.set('label', { html: '<b>' }), /label/],
    ['a coordinate that is not a number', (d, known) => nodesOf(d).get(known)!.set('x', 'left'), /bad node x/],
    ['an unknown field', (d, known) => nodesOf(d).get(known)!.set('onclick', 'alert(1)'), /unknown node field/],
    ['another root', (d) => d.getText('t').insert(0, '旁注'), /not part of a diagram/],
    ['a list in the nodes map', (d) => d.getArray('nodes').insert(0, [1]), /list in a root map/],
    ['a nested map in a node', (d, known) => nodesOf(d).get(known)!.set('label', new Y.Map()), /one plain value/],
    ['a bad node id', (d) => addNode(d, { id: 'a b', kind: 'step', label: 'x', x: 0, y: 0 }, ME), /bad node or edge id/],
    [
      'a diagram past the node limit',
      (d) => {
        for (let i = 0; i < 300; i++) addNode(d, { id: `n${i}`, kind: 'step', label: '', x: 0, y: 0 }, ME);
      },
      /at most 300 nodes/
    ]
  ];

  it.each(bad)('[D31] refuses %s with close 4422 and stores nothing of it', async (_name, change, reason) => {
    const m = await createMeeting(srv.url);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'workflow', '工作流程图');
    const fac = client(m.meetingId, docId, m.facilitatorToken);
    await fac.synced();
    const known = addNode(fac.doc, { kind: 'step', label: '居民反映', x: 0, y: 0 }, ME);
    await waitFor(async () => (await read(m.meetingId, docId, m.facilitatorToken)).nodes.length === 1, { what: 'first node stored' });
    const r = await raw(srv.url, m.meetingId, docId, m.facilitatorToken);
    cleanups.push(() => r.ws.close());
    r.send(updateOn(fac.doc, (d) => change(d, known)));
    await waitFor(() => r.state.close, { what: 'closed' });
    expect(r.state.close).toEqual({ code: WS_CLOSE.badContent, reason: 'bad content' });
    const after = await read(m.meetingId, docId, m.facilitatorToken);
    expect(after.nodes.map((n) => [n.id, n.label, n.x])).toEqual([[known, '居民反映', 0]]);
    expect(after.rawEdges).toBe(0);
    // The server is still up and the document still takes good changes.
    addNode(fac.doc, { kind: 'terminal', label: '结束', x: 0, y: 100 }, ME);
    await waitFor(async () => (await read(m.meetingId, docId, m.facilitatorToken)).nodes.length === 2, { what: 'a good change after' });
  });

  it('[D31] over the Socket.IO fallback a phone edits a diagram, and a bad update is refused there too (doc:closed 4422 invalid), nothing stored', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'workflow', '工作流程图');
    const wechat = await new PollingPhone(srv.url, p.token).ready();
    cleanups.push(() => wechat.close());
    const mine = wechat.open(docId);
    await mine.synced();
    const step = addNode(mine.doc, { kind: 'step', label: '居民反映', x: 0, y: 0 }, ME);
    await waitFor(async () => (await read(m.meetingId, docId, m.facilitatorToken)).nodes.some((n) => n.id === step), { what: 'the phone\'s node stored' });
    const refused = await wechat.emit('doc:msg', { docId, data: frame(0, 2, updateOn(mine.doc, (d) => connectRaw(d, step, 'nowhere'))) });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid' }, closeCode: WS_CLOSE.badContent });
    expect(wechat.socket.connected).toBe(true);
    const after = await read(m.meetingId, docId, m.facilitatorToken);
    expect(after.nodes.map((n) => n.label)).toEqual(['居民反映']);
    expect(after.rawEdges).toBe(0);
  });

  it('[D31] a charter takes text as before (the diagram check is for diagrams only)', async () => {
    const m = await createMeeting(srv.url);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程');
    const r = await raw(srv.url, m.meetingId, docId, m.facilitatorToken);
    cleanups.push(() => r.ws.close());
    r.send(updateOn(new Y.Doc(), (d) => d.getText('t').insert(0, '第一条')));
    await r.roundTrip();
    expect(r.state.close).toBeNull();
  });
});

/** A node as main.ts wires it on Redis: its own store connection and the Redis relay for documents. */
async function scaledNode(backend: Backend, nodeId: string) {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...backend.env });
  const log = createLogger('silent', nodeId);
  const store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
  const scale = await createRedisScaleOut({ redisUrl: config.redisUrl!, nodeId, log, store, failuresPerMinute: 1000 });
  const server = await createYishiServer({ config, store, log, webHandlerPath: null, relay: scale.relay, socketAdapter: scale.adapter, failures: scale.failures });
  const { port } = await server.listen();
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await server.close();
      await scale.close();
    }
  };
}

describe('diagrams across two nodes (redis)', () => {
  it('[D31][D33] edits on two nodes converge, a delete on one and a relabel on the other end as stated, and a refused update reaches neither', async () => {
    const backend = await startBackend('redis');
    const a = await scaledNode(backend, 'node-a');
    const b = await scaledNode(backend, 'node-b');
    const clients: { provider: { destroy(): void } }[] = [];
    try {
      const m = await createMeeting(a.url);
      const p = await join(a.url, m.joinCode);
      const docId = await createDocument(a.url, m.meetingId, m.facilitatorToken, 'workflow', '工作流程图');
      const fac = yjsClient(a.url, m.meetingId, docId, m.facilitatorToken);
      const phone = yjsClient(b.url, m.meetingId, docId, p.token);
      clients.push(fac, phone);
      await Promise.all([fac.synced(), phone.synced()]);
      const stops = [watchDiagram(fac.doc, () => undefined, { prune: true }), watchDiagram(phone.doc, () => undefined, { prune: true })];
      const start = addNode(fac.doc, { kind: 'terminal', label: '开始', x: 0, y: 0 }, ME);
      const visit = addNode(phone.doc, { kind: 'step', label: '回访', x: 0, y: 100 }, ME);
      await waitFor(() => nodesOf(fac.doc).has(visit) && nodesOf(phone.doc).has(start), { what: 'nodes across nodes' });
      connect(fac.doc, start, visit, ME);
      await waitFor(() => readDiagram(phone.doc).edges.length === 1, { what: 'edge across nodes' });
      // The phone (on node b) goes offline and relabels 回访; the facilitator (on node a) deletes it.
      phone.provider.disconnect();
      updateNode(phone.doc, visit, { label: '满意度回访' }, ME);
      deleteNodes(fac.doc, [visit], ME);
      await a.server.yjs.flush();
      phone.provider.connect();
      await waitFor(() => !nodesOf(phone.doc).has(visit) && edgesOf(phone.doc).size === 0 && edgesOf(fac.doc).size === 0, { what: 'delete wins on both nodes' });
      expect(JSON.stringify(readDiagram(phone.doc))).toBe(JSON.stringify(readDiagram(fac.doc)));
      // A bad update on node b is refused there and never reaches node a.
      const r = await raw(b.url, m.meetingId, docId, m.facilitatorToken);
      r.send(updateOn(phone.doc, (d) => addNode(d, { kind: 'rocket' as never, label: '火箭', x: 0, y: 0 }, ME)));
      await waitFor(() => r.state.close, { what: 'closed' });
      expect(r.state.close?.code).toBe(WS_CLOSE.badContent);
      addNode(phone.doc, { kind: 'terminal', label: '结束', x: 0, y: 200 }, ME);
      await waitFor(() => readDiagram(fac.doc).nodes.some((n) => n.label === '结束'), { what: 'a later good change arrives' });
      expect(readDiagram(fac.doc).nodes.map((n) => n.label).sort()).toEqual(['开始', '结束']);
      for (const stop of stops) stop();
    } finally {
      for (const c of clients) c.provider.destroy();
      await a.stop();
      await b.stop();
      await backend.dispose();
    }
  });
});

function edgeRaw(d: Y.Doc, fields: Record<string, string>): void {
  const e = new Y.Map<unknown>();
  edgesOf(d).set('e1', e);
  for (const [k, v] of Object.entries(fields)) e.set(k, v);
}
function connectRaw(d: Y.Doc, source: string, target: string): void {
  edgeRaw(d, { source, target, label: '' });
}
