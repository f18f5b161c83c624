import type { DiagramKind } from '@yishi/domain';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { Diagram } from './diagramDoc.ts';

/**
 * Automatic layout with elkjs [D32]: a workflow top to bottom with its decisions branching (layered),
 * an org chart as a tree (mrtree). Answers new top-left positions; the editor writes them in one change.
 * Areas and notes of a zoning sketch are placed by hand, so it has no layout.
 */
const elk = new ELK();

export function hasLayout(kind: DiagramKind): boolean {
  return kind === 'workflow' || kind === 'orgChart';
}

export async function layoutDiagram(
  kind: DiagramKind,
  diagram: Diagram,
  sizeOf: (id: string) => { width: number; height: number }
): Promise<{ id: string; x: number; y: number }[]> {
  const options: Record<string, string> =
    kind === 'orgChart'
      ? { 'elk.algorithm': 'mrtree', 'elk.direction': 'DOWN', 'elk.spacing.nodeNode': '40', 'elk.mrtree.weighting': 'CONSTRAINT' }
      : {
          'elk.algorithm': 'layered',
          'elk.direction': 'DOWN',
          'elk.spacing.nodeNode': '50',
          'elk.layered.spacing.nodeNodeBetweenLayers': '60',
          'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
          'elk.edgeRouting': 'ORTHOGONAL'
        };
  const placed = diagram.nodes.filter((n) => n.kind !== 'area' && n.kind !== 'note');
  const ids = new Set(placed.map((n) => n.id));
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: options,
    children: placed.map((n) => ({ id: n.id, ...sizeOf(n.id) })),
    edges: diagram.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] }))
  });
  // Kept where it was: the laid-out chart starts at the top-left corner the nodes had, so nobody's view jumps.
  const out = graph.children ?? [];
  if (out.length === 0) return [];
  const dx = Math.min(...placed.map((n) => n.x)) - Math.min(...out.map((c) => c.x ?? 0));
  const dy = Math.min(...placed.map((n) => n.y)) - Math.min(...out.map((c) => c.y ?? 0));
  return out.map((c) => ({ id: c.id, x: Math.round((c.x ?? 0) + dx), y: Math.round((c.y ?? 0) + dy) }));
}
