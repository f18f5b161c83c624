import { DIAGRAM_LIMITS, diagramOf, type Diagram, type DiagramKind, type DiagramNode, type DiagramNodeKind } from '@yishi/domain';
import * as Y from 'yjs';

/*
 * A diagram's content in Yjs, as the /yjs endpoint checks it [D31]: root maps `nodes` and `edges`, one
 * Y.Map per node ({kind, label, x, y, w?, h?, colour?, area?}) or edge ({source, target, label?}).
 * Every change an editor makes goes through these functions, in one transaction with the editor's own
 * origin, so its undo manager takes back only what this person did [D32].
 *
 * Deletion versus a concurrent change [D33]: deleting a node deletes its edges in the same transaction,
 * and the node stays deleted whatever another person did to it meanwhile (a relabel or a move goes into
 * the deleted map and is lost). An edge that a concurrent change left pointing at a deleted node is not
 * part of the diagram (`readDiagram` leaves it out) and the first editor that sees it deletes it
 * (`pruneDangling`, with an origin no undo manager tracks), so no dangling edge stays.
 */

export type { Diagram, DiagramNode, DiagramEdge } from '@yishi/domain';

/** The origin of changes nobody undoes: removing edges left dangling by a concurrent deletion. */
export const PRUNE_ORIGIN = Symbol('diagram-prune');

export const nodesOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('nodes');
export const edgesOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('edges');

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A fresh node or edge id (12 random characters). */
export function newDiagramId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');
}

function fill(map: Y.Map<unknown>, fields: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) map.set(k, v);
}

/** Adds a node; answers its id. */
export function addNode(doc: Y.Doc, node: Omit<DiagramNode, 'id'> & { id?: string }, origin: unknown): string {
  const id = node.id ?? newDiagramId();
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    nodesOf(doc).set(id, map);
    const { id: _ignored, ...fields } = node;
    fill(map, fields);
  }, origin);
  return id;
}

/** Sets fields of a node (a label, a position, a size); a deleted node stays deleted. */
export function updateNode(doc: Y.Doc, id: string, fields: Partial<Omit<DiagramNode, 'id' | 'kind'>> & { kind?: DiagramNodeKind }, origin: unknown): void {
  const map = nodesOf(doc).get(id);
  if (!map) return;
  doc.transact(() => fill(map, fields), origin);
}

/** Moves several nodes in one change (a layout, a drag of a selection). */
export function moveNodes(doc: Y.Doc, positions: { id: string; x: number; y: number }[], origin: unknown): void {
  doc.transact(() => {
    for (const p of positions) {
      const map = nodesOf(doc).get(p.id);
      if (!map) continue;
      if (map.get('x') !== p.x) map.set('x', p.x);
      if (map.get('y') !== p.y) map.set('y', p.y);
    }
  }, origin);
}

/** Deletes nodes and, in the same transaction, every edge touching them [D33]. */
export function deleteNodes(doc: Y.Doc, ids: readonly string[], origin: unknown): void {
  const gone = new Set(ids);
  doc.transact(() => {
    for (const [edgeId, e] of edgesOf(doc)) if (gone.has(e.get('source') as string) || gone.has(e.get('target') as string)) edgesOf(doc).delete(edgeId);
    for (const id of gone) nodesOf(doc).delete(id);
  }, origin);
}

/** Connects two nodes (not a node to itself, not twice the same way); answers the edge id or null. */
export function connect(doc: Y.Doc, source: string, target: string, origin: unknown, label = ''): string | null {
  const nodes = nodesOf(doc);
  if (source === target || !nodes.has(source) || !nodes.has(target) || edgesOf(doc).size >= DIAGRAM_LIMITS.edges) return null;
  for (const e of edgesOf(doc).values()) if (e.get('source') === source && e.get('target') === target) return null;
  const id = newDiagramId();
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    edgesOf(doc).set(id, map);
    fill(map, { source, target, label });
  }, origin);
  return id;
}

export function updateEdge(doc: Y.Doc, id: string, label: string, origin: unknown): void {
  const map = edgesOf(doc).get(id);
  if (!map) return;
  doc.transact(() => map.set('label', label), origin);
}

export function deleteEdges(doc: Y.Doc, ids: readonly string[], origin: unknown): void {
  doc.transact(() => {
    for (const id of ids) edgesOf(doc).delete(id);
  }, origin);
}


/** The diagram as it stands: nodes with a kind, and edges whose two ends exist [D33]. */
export function readDiagram(doc: Y.Doc): Diagram {
  return diagramOf({ nodes: nodesOf(doc).entries(), edges: edgesOf(doc).entries() });
}

/** Edges whose source or target is gone (a deletion that crossed a new connection). */
export function danglingEdges(doc: Y.Doc): string[] {
  const nodes = nodesOf(doc);
  const out: string[] = [];
  for (const [id, map] of edgesOf(doc)) {
    if (!(map instanceof Y.Map)) continue;
    const s = map.get('source');
    const t = map.get('target');
    if (typeof s === 'string' && typeof t === 'string' && (!nodes.has(s) || !nodes.has(t))) out.push(id);
  }
  return out;
}

/** Deletes dangling edges, with an origin no undo manager tracks; answers how many [D33]. */
export function pruneDangling(doc: Y.Doc): number {
  const ids = danglingEdges(doc);
  if (ids.length > 0) deleteEdges(doc, ids, PRUNE_ORIGIN);
  return ids.length;
}

/**
 * Calls `onChange` with the diagram after every change (local or remote), pruning dangling edges an
 * editor with the right to write sees first. Answers the function that stops watching.
 */
export function watchDiagram(doc: Y.Doc, onChange: (d: Diagram) => void, opts: { prune: boolean }): () => void {
  const handler = (_events: unknown, tr: Y.Transaction) => {
    if (opts.prune && !tr.local && danglingEdges(doc).length > 0) {
      // After the remote transaction is done: a change made inside an observer would be merged into it.
      queueMicrotask(() => pruneDangling(doc));
    }
    onChange(readDiagram(doc));
  };
  nodesOf(doc).observeDeep(handler);
  edgesOf(doc).observeDeep(handler);
  onChange(readDiagram(doc));
  return () => {
    nodesOf(doc).unobserveDeep(handler);
    edgesOf(doc).unobserveDeep(handler);
  };
}

/** A per-person undo manager: only changes made with `origin` are taken back [D32]. */
export function personalUndo(doc: Y.Doc, origin: unknown): Y.UndoManager {
  return new Y.UndoManager([nodesOf(doc), edgesOf(doc)], { trackedOrigins: new Set([origin]), captureTimeout: 300 });
}

/**
 * The seed's templates (the 滨河东里 federation's pictures), each added as one change so one undo takes
 * it back. Positions are a first guess; a layout tidies them. Labels come from the caller (localised).
 */
export function applyTemplate(doc: Y.Doc, template: { nodes: { key: string; kind: DiagramNodeKind; label: string }[]; edges: [string, string][] }, origin: unknown, at = { x: 0, y: 0 }): Map<string, string> {
  const ids = new Map<string, string>();
  doc.transact(() => {
    template.nodes.forEach((n, i) => ids.set(n.key, addNode(doc, { kind: n.kind, label: n.label, x: at.x, y: at.y + i * 110 }, origin)));
    for (const [s, t] of template.edges) connect(doc, ids.get(s)!, ids.get(t)!, origin);
  }, origin);
  return ids;
}

export type DiagramTemplate = Parameters<typeof applyTemplate>[1];

/** The workflow of how a complaint travels: 开始 → 居民反映 → 理事会协调 → 商户整改 → 回访 → 结束. */
export function workflowTemplate(labels: [string, string, string, string, string, string]): DiagramTemplate {
  const kinds: DiagramNodeKind[] = ['terminal', 'step', 'step', 'step', 'step', 'terminal'];
  const nodes = labels.map((label, i) => ({ key: `n${i}`, kind: kinds[i]!, label }));
  return { nodes, edges: nodes.slice(1).map((n, i) => [`n${i}`, n.key] as [string, string]) };
}

/** The council's chart: 理事会 → 会长 / 副会长 → 居民组 / 商户组. */
export function orgChartTemplate(labels: { council: string; chair: string; vice: string; residents: string; merchants: string }): DiagramTemplate {
  return {
    nodes: [
      { key: 'council', kind: 'role', label: labels.council },
      { key: 'chair', kind: 'role', label: labels.chair },
      { key: 'vice', kind: 'role', label: labels.vice },
      { key: 'residents', kind: 'role', label: labels.residents },
      { key: 'merchants', kind: 'role', label: labels.merchants }
    ],
    edges: [
      ['council', 'chair'],
      ['council', 'vice'],
      ['chair', 'residents'],
      ['vice', 'merchants']
    ]
  };
}

export const DIAGRAM_TEMPLATES: Record<DiagramKind, boolean> = { workflow: true, orgChart: true, zoning: false };
