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
