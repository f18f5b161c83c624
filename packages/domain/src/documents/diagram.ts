/*
 * Diagrams: three kinds of co-edited document (a workflow chart, an org chart, a zoning sketch) whose
 * content is a graph in Yjs, not rich text [D31]. This module holds what the shape is and what a value
 * may be, so the /yjs endpoint (which refuses an update breaking it) and the editor (which never makes
 * one) read the same rules. The Yjs document of a diagram has exactly two root maps:
 *
 *   nodes: Y.Map<nodeId, Y.Map{ kind, label, x, y, w?, h?, colour?, area? }>
 *   edges: Y.Map<edgeId, Y.Map{ source, target, label? }>
 *
 * Each field is a plain value (a Y.Map entry, last writer wins); an id is 1–64 of [A-Za-z0-9_-].
 */

export const DIAGRAM_KINDS = ['workflow', 'orgChart', 'zoning'] as const;
export type DiagramKind = (typeof DIAGRAM_KINDS)[number];

export function isDiagramKind(kind: string): kind is DiagramKind {
  return (DIAGRAM_KINDS as readonly string[]).includes(kind);
}

/** `terminal` is a start or an end (开始 / 结束); `area` and `note` are the zoning sketch's. */
export const DIAGRAM_NODE_KINDS = ['step', 'decision', 'terminal', 'role', 'person', 'area', 'note'] as const;
export type DiagramNodeKind = (typeof DIAGRAM_NODE_KINDS)[number];

/** The node kinds an editor offers for each kind of diagram (the server takes any known kind in any). */
export const NODE_KINDS_BY_DIAGRAM: Record<DiagramKind, readonly DiagramNodeKind[]> = {
  workflow: ['step', 'decision', 'terminal'],
  orgChart: ['role', 'person'],
  zoning: ['area', 'note']
};

/** Area colours, by name (the editor and the board map each to a fill with 7:1 text on it). */
export const DIAGRAM_COLOURS = ['sand', 'sky', 'leaf', 'rose', 'stone', 'lilac'] as const;
export type DiagramColour = (typeof DIAGRAM_COLOURS)[number];

export const DIAGRAM_LIMITS = {
  /** Nodes a diagram may hold at once: a street's zoning or a council's chart, with room to spare. */
  nodes: 300,
  edges: 600,
  /** A node's label, in characters (a step of a workflow is a short sentence). */
  label: 200,
  edgeLabel: 60,
  /** Coordinates, in the editor's units (pixels at zoom 1), either way from the origin. */
  coordinate: 100_000,
  /** An area's width or height. */
  minSize: 20,
  maxSize: 20_000
} as const;

export const DIAGRAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const NODE_FIELDS = ['kind', 'label', 'x', 'y', 'w', 'h', 'colour', 'area'] as const;
export const EDGE_FIELDS = ['source', 'target', 'label'] as const;
export type NodeField = (typeof NODE_FIELDS)[number];
export type EdgeField = (typeof EDGE_FIELDS)[number];

const coordinate = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= DIAGRAM_LIMITS.coordinate;
const size = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= DIAGRAM_LIMITS.minSize && v <= DIAGRAM_LIMITS.maxSize;
const labelOf = (max: number) => (v: unknown) => typeof v === 'string' && [...v].length <= max && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v);
const id = (v: unknown) => typeof v === 'string' && DIAGRAM_ID.test(v);

const NODE_CHECKS: Record<NodeField, (v: unknown) => boolean> = {
  kind: (v) => typeof v === 'string' && (DIAGRAM_NODE_KINDS as readonly string[]).includes(v),
  label: labelOf(DIAGRAM_LIMITS.label),
  x: coordinate,
  y: coordinate,
  w: size,
  h: size,
  colour: (v) => typeof v === 'string' && (DIAGRAM_COLOURS as readonly string[]).includes(v),
  // A note pinned to an area: the area's node id, or '' for none.
  area: (v) => v === '' || id(v)
};
const EDGE_CHECKS: Record<EdgeField, (v: unknown) => boolean> = {
  source: id,
  target: id,
  label: labelOf(DIAGRAM_LIMITS.edgeLabel)
};

/**
 * Why a field of a node or an edge may not hold `value`, or null when it may [D31]. An unknown field
 * is refused like a bad value.
 */
export function diagramFieldProblem(entry: 'nodes' | 'edges', field: string, value: unknown): string | null {
  const checks: Record<string, (v: unknown) => boolean> = entry === 'nodes' ? NODE_CHECKS : EDGE_CHECKS;
  if (!Object.hasOwn(checks, field)) return `unknown ${entry === 'nodes' ? 'node' : 'edge'} field ${JSON.stringify(field.slice(0, 40))}`;
  if (!checks[field]!(value)) {
    if (field === 'kind') return `unknown node kind ${JSON.stringify(String(value).slice(0, 40))}`;
    if (field === 'label') return `label too long or not text (at most ${entry === 'nodes' ? DIAGRAM_LIMITS.label : DIAGRAM_LIMITS.edgeLabel} characters)`;
    return `bad ${entry === 'nodes' ? 'node' : 'edge'} ${field}`;
  }
  return null;
}

/** A diagram as plain data: what the editor draws, the board shows, a version compares and exports print. */
export interface DiagramNode {
  id: string;
  kind: DiagramNodeKind;
  label: string;
  x: number;
  y: number;
  w?: number;
  h?: number;
  colour?: DiagramColour;
  area?: string;
}
export interface DiagramEdge {
  id: string;
  source: string;
  target: string;
  label: string;
}
export interface Diagram {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

/** Something with fields, read one at a time (a Y.Map, a Map, or a wrapper of a plain object). */
export interface DiagramEntry {
  get(field: string): unknown;
}
export interface DiagramEntries {
  nodes: Iterable<readonly [string, unknown]>;
  edges: Iterable<readonly [string, unknown]>;
}

const isEntry = (v: unknown): v is DiagramEntry => typeof v === 'object' && v !== null && typeof (v as DiagramEntry).get === 'function';
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The diagram the entries hold, read the same way everywhere (editor, board, compare, exports) [D31,
 * D33]: a node needs an id and a known kind; a field that breaks its rule is read as absent (a label as
 * '', a coordinate as 0); an edge needs both ends among the nodes (a dangling edge is not part of the
 * diagram). Nodes and edges come in id order, so every copy of the same content reads the same.
 */
export function diagramOf(entries: DiagramEntries): Diagram {
  const ok = (entry: 'nodes' | 'edges', field: string, v: unknown) => v !== undefined && diagramFieldProblem(entry, field, v) === null;
  const nodes: DiagramNode[] = [];
  for (const [id, map] of entries.nodes) {
    if (!DIAGRAM_ID.test(id) || !isEntry(map)) continue;
    const kind = map.get('kind');
    if (!ok('nodes', 'kind', kind)) continue;
    const field = (f: NodeField) => {
      const v = map.get(f);
      return ok('nodes', f, v) ? v : undefined;
    };
    const node: DiagramNode = {
      id,
      kind: kind as DiagramNodeKind,
      label: (field('label') as string | undefined) ?? '',
      x: (field('x') as number | undefined) ?? 0,
      y: (field('y') as number | undefined) ?? 0
    };
    const w = field('w') as number | undefined;
    const h = field('h') as number | undefined;
    const colour = field('colour') as DiagramColour | undefined;
    const area = field('area') as string | undefined;
    if (w !== undefined) node.w = w;
    if (h !== undefined) node.h = h;
    if (colour !== undefined) node.colour = colour;
    if (area) node.area = area;
    nodes.push(node);
  }
  nodes.sort(byId);
  const ids = new Set(nodes.map((n) => n.id));
  const edges: DiagramEdge[] = [];
  for (const [id, map] of entries.edges) {
    if (!DIAGRAM_ID.test(id) || !isEntry(map)) continue;
    const source = map.get('source');
    const target = map.get('target');
    if (typeof source !== 'string' || typeof target !== 'string' || !ids.has(source) || !ids.has(target)) continue;
    const label = map.get('label');
    edges.push({ id, source, target, label: ok('edges', 'label', label) ? (label as string) : '' });
  }
  edges.sort(byId);
  return { nodes, edges };
}
