import type { Diagram, DiagramColour, DiagramEdge, DiagramNode, DiagramNodeKind } from './diagram.ts';

/*
 * Two versions of a diagram compared by the stable ids of its nodes and edges [D34]. A node or an edge
 * is the same one on both sides when its id is; what changed about it is said field by field: its
 * label (the change people look for: 回访 → 满意度回访), its kind, its place or size, its colour, the
 * area a note is pinned to; an edge's label and its ends. Edges are described by the labels of their
 * ends, as a reader sees them (居民反映 → 理事会协调). Pure, and O(n log n) in the nodes and edges.
 */

/** A node as a reader finds it: its id, kind and label (on the side it is described from). */
export interface NodeRef {
  id: string;
  kind: DiagramNodeKind;
  label: string;
}
/** An end of an edge, or the area a note is pinned to: the node's id and label ('' when that side lacks it). */
export interface EndRef {
  id: string;
  label: string;
}
export interface EdgeRef {
  id: string;
  label: string;
  source: EndRef;
  target: EndRef;
}

export type DiagramChange =
  | { on: 'node'; change: 'added' | 'removed'; node: NodeRef }
  /** `node` as it is in the newer version (its new label); `from` and `to` the labels. */
  | { on: 'node'; change: 'relabelled'; node: NodeRef; from: string; to: string }
  | { on: 'node'; change: 'rekinded'; node: NodeRef; from: DiagramNodeKind; to: DiagramNodeKind }
  | { on: 'node'; change: 'moved'; node: NodeRef; moved: boolean; resized: boolean }
  | { on: 'node'; change: 'recoloured'; node: NodeRef; from: DiagramColour | null; to: DiagramColour | null }
  /** A note pinned to another area (or unpinned): the areas by id and label, null for none. */
  | { on: 'node'; change: 'repinned'; node: NodeRef; from: EndRef | null; to: EndRef | null }
  | { on: 'edge'; change: 'added' | 'removed'; edge: EdgeRef }
  | { on: 'edge'; change: 'relabelled'; edge: EdgeRef; from: string; to: string }
  /** An edge whose source or target is another node: its ends before and after. */
  | { on: 'edge'; change: 'retargeted'; edge: EdgeRef; from: { source: EndRef; target: EndRef }; to: { source: EndRef; target: EndRef } };

export type DiagramChangeKind = DiagramChange['change'];

export interface DiagramComparisonSummary {
  added: number;
  removed: number;
  relabelled: number;
  /** Kind, ends, colour, pin, place or size changed (each node or edge counted once per change). */
  other: number;
}

export interface DiagramComparison {
  /**
   * Every change, in a stable order: nodes before edges; by change (added, removed, relabelled,
   * rekinded, retargeted, recoloured, repinned, moved); then by label and id.
   */
  changes: DiagramChange[];
  summary: DiagramComparisonSummary;
}

const ORDER: Record<DiagramChangeKind, number> = { added: 0, removed: 1, relabelled: 2, rekinded: 3, retargeted: 4, recoloured: 5, repinned: 6, moved: 7 };
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const subject = (c: DiagramChange) => (c.on === 'node' ? c.node : c.edge);

/** Compares two diagrams, `from` the older [D34]. Pure; never reads anything but its arguments. */
export function compareDiagrams(from: Diagram, to: Diagram): DiagramComparison {
  const before = new Map(from.nodes.map((n) => [n.id, n]));
  const after = new Map(to.nodes.map((n) => [n.id, n]));
  const ref = (n: DiagramNode): NodeRef => ({ id: n.id, kind: n.kind, label: n.label });
  const end = (nodes: Map<string, DiagramNode>, id: string): EndRef => ({ id, label: nodes.get(id)?.label ?? '' });
  const edgeRef = (nodes: Map<string, DiagramNode>, e: DiagramEdge): EdgeRef => ({ id: e.id, label: e.label, source: end(nodes, e.source), target: end(nodes, e.target) });
  const changes: DiagramChange[] = [];

  for (const n of from.nodes) if (!after.has(n.id)) changes.push({ on: 'node', change: 'removed', node: ref(n) });
  for (const n of to.nodes) {
    const o = before.get(n.id);
    if (!o) {
      changes.push({ on: 'node', change: 'added', node: ref(n) });
      continue;
    }
    const node = ref(n);
    if (o.label !== n.label) changes.push({ on: 'node', change: 'relabelled', node, from: o.label, to: n.label });
    if (o.kind !== n.kind) changes.push({ on: 'node', change: 'rekinded', node, from: o.kind, to: n.kind });
    const moved = o.x !== n.x || o.y !== n.y;
    const resized = o.w !== n.w || o.h !== n.h;
    if (moved || resized) changes.push({ on: 'node', change: 'moved', node, moved, resized });
    if ((o.colour ?? null) !== (n.colour ?? null)) changes.push({ on: 'node', change: 'recoloured', node, from: o.colour ?? null, to: n.colour ?? null });
    if ((o.area ?? '') !== (n.area ?? '')) {
      changes.push({ on: 'node', change: 'repinned', node, from: o.area ? end(before, o.area) : null, to: n.area ? end(after, n.area) : null });
    }
  }

  const edgesAfter = new Map(to.edges.map((e) => [e.id, e]));
  const edgesBefore = new Set(from.edges.map((e) => e.id));
  for (const e of from.edges) {
    const n = edgesAfter.get(e.id);
    if (!n) {
      changes.push({ on: 'edge', change: 'removed', edge: edgeRef(before, e) });
      continue;
    }
    const edge = edgeRef(after, n);
    if (e.label !== n.label) changes.push({ on: 'edge', change: 'relabelled', edge, from: e.label, to: n.label });
    if (e.source !== n.source || e.target !== n.target) {
      changes.push({
        on: 'edge',
        change: 'retargeted',
        edge,
        from: { source: end(before, e.source), target: end(before, e.target) },
        to: { source: edge.source, target: edge.target }
      });
    }
  }
  for (const e of to.edges) if (!edgesBefore.has(e.id)) changes.push({ on: 'edge', change: 'added', edge: edgeRef(after, e) });

  changes.sort((a, b) => {
    if (a.on !== b.on) return a.on === 'node' ? -1 : 1;
    if (a.change !== b.change) return ORDER[a.change] - ORDER[b.change];
    const [x, y] = [subject(a), subject(b)];
    return cmp(x.label, y.label) || cmp(x.id, y.id);
  });
  const summary: DiagramComparisonSummary = { added: 0, removed: 0, relabelled: 0, other: 0 };
  for (const c of changes) {
    if (c.change === 'added' || c.change === 'removed' || c.change === 'relabelled') summary[c.change]++;
    else summary.other++;
  }
  return { changes, summary };
}
