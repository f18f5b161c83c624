import type { Ack, ProtocolError } from '@yishi/protocol';
import type { DiagramChange, DiagramVersionComparison, VersionComparison } from '@yishi/domain';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addNode, applyTemplate, connect, deleteNodes, readDiagram, updateNode, workflowTemplate } from '../../web/src/lib/diagram/diagramDoc.ts';
import { diagramOfContent } from '../../realtime-server/src/yjs/diagramData.ts';
import { createDocument, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS } from '../helpers/servers.ts';
import { docServer } from '../helpers/docServer.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';

/**
 * Comparing versions of a diagram [D34] through the real server and store: a workflow drawn by a real
 * y-websocket editor (through the editor's own functions), versions saved, and the compare route that
 * answers the charter's comparisons [D24] answering with the diagram's by the document's kind.
 */
const ME = Symbol('me');

function versionIdOf(ack: Ack): string {
  const id = ack.ok ? ack.result?.versionId : undefined;
  if (typeof id !== 'string') throw new Error(`save refused: ${JSON.stringify(ack)}`);
  return id;
}

/** A change as one line: what, on what, described as a reader reads it. */
function line(c: DiagramChange): string {
  if (c.on === 'node') {
    const n = `${c.node.kind} ${c.node.label}`;
    if (c.change === 'relabelled') return `node relabelled ${c.from} → ${c.to}`;
    if (c.change === 'moved') return `node moved ${n}`;
    return `node ${c.change} ${n}`;
  }
  const e = `${c.edge.source.label} → ${c.edge.target.label}`;
  if (c.change === 'retargeted') return `edge retargeted ${c.from.source.label} → ${c.from.target.label} now ${e}`;
  return `edge ${c.change} ${e}${c.change === 'relabelled' ? ` ${c.from}/${c.to}` : ''}`;
}

const LABELS: [string, string, string, string, string, string] = ['开始', '居民反映', '理事会协调', '商户整改', '回访', '结束'];

describe.each(STORE_KINDS)('comparing versions of a diagram on %s', (kind) => {
  const fx = docServer(kind);
  const { socket, editor } = fx;
  const compareUrl = (meetingId: string, docId: string, query: string) => `${fx.srv.url}/api/meetings/${meetingId}/documents/${docId}/compare?${query}`;
  const get = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  async function compared(meetingId: string, docId: string, from: string, to: string, token: string): Promise<VersionComparison> {
    const res = await get(compareUrl(meetingId, docId, `from=${from}&to=${to}`), token);
    expect(res.status).toBe(200);
    return (await res.json()) as VersionComparison;
  }
  async function diagramCompared(meetingId: string, docId: string, from: string, to: string, token: string): Promise<DiagramVersionComparison> {
    const c = await compared(meetingId, docId, from, to, token);
    if (c.format !== 'diagram') throw new Error(`not a diagram comparison: ${c.format}`);
    return c;
  }
  async function refused(url: string, token: string | undefined, status: number): Promise<ProtocolError> {
    const res = await get(url, token);
    expect(res.status).toBe(status);
    return ((await res.json()) as { error: ProtocolError }).error;
  }
  /** The server holds what the editor drew (as a fresh reader reads it). */
  async function serverHas(meetingId: string, docId: string, token: string, nodes: number, edges: number): Promise<void> {
    await waitFor(async () => {
      const r = yjsClient(fx.srv.url, meetingId, docId, token);
      try {
        await r.synced();
        const d = readDiagram(r.doc);
        return d.nodes.length === nodes && d.edges.length === edges;
      } finally {
        r.provider.destroy();
      }
    }, { what: `server holds ${nodes} nodes and ${edges} edges` });
  }

  /** The seed's workflow drawn from the template and saved as 流程 v1. */
  async function workflowWithV1() {
    const m = await createMeeting(fx.srv.url);
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'workflow', '投诉处理流程');
    const ed = await editor(m.meetingId, docId, m.facilitatorToken);
    const keys = applyTemplate(ed.doc, workflowTemplate(LABELS), ME);
    await serverHas(m.meetingId, docId, m.facilitatorToken, 6, 5);
    const fac = await socket(m.facilitatorToken);
    const v1 = versionIdOf(await fac.send({ type: 'document.version.save', docId, name: '流程 v1' }));
    const idOf = (label: string) => readDiagram(ed.doc).nodes.find((n) => n.label === label)!.id;
    return { m, docId, ed, fac, v1, keys, idOf };
  }

  it('[D34] 回访 relabelled 满意度回访 and a step added after it: v1 against the current content and against v2 list the relabel, the step and its edges; backwards the step is removed', async () => {
    const { m, docId, ed, fac, v1, idOf } = await workflowWithV1();
    const visit = idOf('回访');
    const end = idOf('结束');
    updateNode(ed.doc, visit, { label: '满意度回访' }, ME);
    const step = addNode(ed.doc, { kind: 'step', label: '张贴公告', x: 300, y: 600 }, ME);
    connect(ed.doc, visit, step, ME, '完成后');
    updateNode(ed.doc, idOf('商户整改'), { x: 999 }, ME);
    await serverHas(m.meetingId, docId, m.facilitatorToken, 7, 6);
    const expected = ['node added step 张贴公告', 'node relabelled 回访 → 满意度回访', 'node moved step 商户整改', 'edge added 满意度回访 → 张贴公告'];

    const live = await diagramCompared(m.meetingId, docId, v1, 'current', m.facilitatorToken);
    expect(live.changes.map(line)).toEqual(expected);
    expect(live).toMatchObject({ format: 'diagram', docId, from: { kind: 'version', versionId: v1, name: '流程 v1' }, to: { kind: 'current' }, summary: { added: 2, removed: 0, relabelled: 1, other: 1 } });
    // The newer side comes along to be drawn, read as every copy reads it.
    expect(live.diagram.nodes.map((n) => n.label).sort()).toEqual(['开始', '居民反映', '理事会协调', '商户整改', '满意度回访', '张贴公告', '结束'].sort());

    const v2 = versionIdOf(await fac.send({ type: 'document.version.save', docId, name: '流程 v2' }));
    const saved = await diagramCompared(m.meetingId, docId, v1, v2, m.facilitatorToken);
    expect(saved.changes.map(line)).toEqual(expected);
    expect(saved.diagram).toEqual(diagramOfContent((await fx.store.getDocVersion(m.meetingId, docId, v2))!));
    expect((await diagramCompared(m.meetingId, docId, v2, v1, m.facilitatorToken)).changes.map(line)).toEqual([
      'node removed step 张贴公告',
      'node relabelled 满意度回访 → 回访',
      'node moved step 商户整改',
      'edge removed 满意度回访 → 张贴公告'
    ]);
    expect((await diagramCompared(m.meetingId, docId, v2, 'current', m.facilitatorToken)).changes).toEqual([]);

    // A node deleted takes its edges with it [D33]: both are listed removed, the edges by their ends as they were.
    deleteNodes(ed.doc, [end], ME);
    await serverHas(m.meetingId, docId, m.facilitatorToken, 6, 5);
    expect((await diagramCompared(m.meetingId, docId, v2, 'current', m.facilitatorToken)).changes.map(line)).toEqual(['node removed terminal 结束', 'edge removed 满意度回访 → 结束']);
  });

  it('[D22][S21] a diagram version is immutable: its content hash is in the log, its bytes read as the diagram then, later edits leave it be', async () => {
    const { m, docId, ed, v1, idOf } = await workflowWithV1();
    const entries = (await fx.store.readLog(m.meetingId)).filter((e) => e.event.type === 'document.versioned');
    expect(entries).toHaveLength(1);
    const event = entries[0]!.event as unknown as { versionId: string; contentHash: string };
    expect(event.versionId).toBe(v1);
    const stored = (await fx.store.getDocVersion(m.meetingId, docId, v1))!;
    expect(event.contentHash).toBe(createHash('sha256').update(stored).digest('hex'));
    expect(await fx.store.verifyLog(m.meetingId)).toMatchObject({ ok: true });
    updateNode(ed.doc, idOf('回访'), { label: '满意度回访' }, ME);
    await waitFor(async () => {
      const r = yjsClient(fx.srv.url, m.meetingId, docId, m.facilitatorToken);
      try {
        await r.synced();
        return readDiagram(r.doc).nodes.some((n) => n.label === '满意度回访');
      } finally {
        r.provider.destroy();
      }
    }, { what: 'the relabel stored' });
    const again = (await fx.store.getDocVersion(m.meetingId, docId, v1))!;
    expect(Buffer.from(again).equals(Buffer.from(stored))).toBe(true);
    expect(diagramOfContent(again).nodes.map((n) => n.label).sort()).toEqual([...LABELS].sort());
  });

  it('[D34] labels with markup, javascript: and RTL characters come back as the same text (JSON, never markup)', async () => {
    const { m, docId, ed, v1 } = await workflowWithV1();
    const odd = ['<img src=x onerror=alert(1)>', 'javascript:alert(1)', '\u202e回访'];
    for (const [k, label] of odd.entries()) addNode(ed.doc, { kind: 'step', label, x: 0, y: 800 + k * 80 }, ME);
    await serverHas(m.meetingId, docId, m.facilitatorToken, 9, 5);
    const res = await get(compareUrl(m.meetingId, docId, `from=${v1}&to=current`), m.facilitatorToken);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const c = (await res.json()) as DiagramVersionComparison;
    expect(c.changes.filter((x) => x.change === 'added').map((x) => (x.on === 'node' ? x.node.label : '')).sort()).toEqual([...odd].sort());
  });

  it('[D34][D21] whoever may read the diagram compares; a removed participant and another meeting get 403, no token 401', async () => {
    const { m, docId, fac, v1 } = await workflowWithV1();
    const reader = await join(fx.srv.url, m.joinCode, '王阿姨');
    const gone = await join(fx.srv.url, m.joinCode, '赵先生');
    expect((await diagramCompared(m.meetingId, docId, v1, 'current', reader.token)).changes).toEqual([]);
    expect(await fac.send({ type: 'participant.remove', participantId: gone.participantId })).toMatchObject({ ok: true });
    const url = compareUrl(m.meetingId, docId, `from=${v1}&to=current`);
    expect((await refused(url, gone.token, 403)).code).toBe('forbidden');
    const other = await createMeeting(fx.srv.url);
    expect((await refused(url, other.facilitatorToken, 403)).code).toBe('forbidden');
    expect((await refused(url, undefined, 401)).code).toBe('unauthorized');
  });

  it('[D34] a charter keeps its own comparison; versions of another document, unknown versions and documents are refused as for the charter, nothing logged', async () => {
    const { m, docId, fac, v1 } = await workflowWithV1();
    const charter = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程');
    const charterV = versionIdOf(await fac.send({ type: 'document.version.save', docId: charter, name: '章程 v1' }));
    const org = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'orgChart', '组织框架');
    const orgV = versionIdOf(await fac.send({ type: 'document.version.save', docId: org, name: '框架 v1' }));
    const t = m.facilitatorToken;
    expect(await compared(m.meetingId, charter, charterV, 'current', t)).toMatchObject({ format: 'outline', entries: [] });
    expect(await compared(m.meetingId, org, orgV, 'current', t)).toMatchObject({ format: 'diagram', changes: [], diagram: { nodes: [], edges: [] } });
    const logBefore = (await fx.store.readLog(m.meetingId)).length;
    expect(await refused(compareUrl(m.meetingId, docId, `from=${v1}&to=${orgV}`), t, 400)).toMatchObject({ code: 'invalid', field: 'to', message: expect.stringMatching(/two different documents/) });
    expect(await refused(compareUrl(m.meetingId, docId, `from=${charterV}&to=current`), t, 400)).toMatchObject({ code: 'invalid', field: 'from' });
    expect(await refused(compareUrl(m.meetingId, docId, `from=nosuchversion&to=current`), t, 404)).toMatchObject({ code: 'not_found', field: 'from' });
    expect(await refused(compareUrl(m.meetingId, 'nosuchdoc0', `from=${v1}&to=current`), t, 404)).toMatchObject({ code: 'not_found' });
    for (const query of ['', `from=${v1}`, `from=${v1}&to=current&extra=1`, `from=${v1}&from=${v1}&to=current`, `from=${'x'.repeat(65)}&to=current`]) {
      expect(await refused(compareUrl(m.meetingId, docId, query), t, 400), query).toMatchObject({ code: 'invalid' });
    }
    expect((await fx.store.readLog(m.meetingId)).length).toBe(logBefore);
  });
});
