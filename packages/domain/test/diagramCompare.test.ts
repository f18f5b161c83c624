import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDiagrams, DIAGRAM_COLOURS, DIAGRAM_LIMITS, DIAGRAM_NODE_KINDS, type Diagram, type DiagramChange, type DiagramEdge, type DiagramNode } from '../src/index.ts';

const node = (id: string, label: string, more: Partial<DiagramNode> = {}): DiagramNode => ({ id, kind: 'step', label, x: 0, y: 0, ...more });
const edge = (id: string, source: string, target: string, label = ''): DiagramEdge => ({ id, source, target, label });

/** The seed's workflow: 开始 → 居民反映 → 理事会协调 → 商户整改 → 回访 → 结束. */
function workflow(): Diagram {
  const labels = ['开始', '居民反映', '理事会协调', '商户整改', '回访', '结束'];
  const nodes = labels.map((l, i) => node(`n${i}`, l, { kind: i === 0 || i === 5 ? 'terminal' : 'step', y: i * 100 }));
  const edges = labels.slice(1).map((_, i) => edge(`e${i}`, `n${i}`, `n${i + 1}`));
  return { nodes, edges };
}

describe('diagram compare [D34]', () => {
  it('[D34] a relabel, an added step and its edges, a removed edge: each listed once, edges by their end labels', () => {
    const a = workflow();
    const b = workflow();
    b.nodes[4]!.label = '满意度回访';
    b.nodes.push(node('n6', '张贴公告', { x: 200, y: 400 }));
    b.edges = b.edges.filter((e) => e.id !== 'e4');
    b.edges.push(edge('e5', 'n4', 'n6', '完成后'), edge('e6', 'n6', 'n5'));
    const { changes, summary } = compareDiagrams(a, b);
    expect(summary).toEqual({ added: 3, removed: 1, relabelled: 1, other: 0 });
    expect(changes).toEqual([
      { on: 'node', change: 'added', node: { id: 'n6', kind: 'step', label: '张贴公告' } },
      { on: 'node', change: 'relabelled', node: { id: 'n4', kind: 'step', label: '满意度回访' }, from: '回访', to: '满意度回访' },
      { on: 'edge', change: 'added', edge: { id: 'e6', label: '', source: { id: 'n6', label: '张贴公告' }, target: { id: 'n5', label: '结束' } } },
      { on: 'edge', change: 'added', edge: { id: 'e5', label: '完成后', source: { id: 'n4', label: '满意度回访' }, target: { id: 'n6', label: '张贴公告' } } },
      // A removed edge is told by its ends as they were.
      { on: 'edge', change: 'removed', edge: { id: 'e4', label: '', source: { id: 'n4', label: '回访' }, target: { id: 'n5', label: '结束' } } }
    ]);
  });

  it('[D34] moves, sizes, colours, kinds, pins and edge ends are the other changes; a node both moved and relabelled has both', () => {
    const a: Diagram = {
      nodes: [node('area1', '餐饮片区', { kind: 'area', w: 300, h: 200, colour: 'sand' }), node('area2', '零售片区', { kind: 'area', w: 300, h: 200 }), node('note', '晚上十点后安静', { kind: 'note', area: 'area1' }), node('s', '开始'), node('t', '结束')],
      edges: [edge('e', 's', 't', '是')]
    };
    const b: Diagram = {
      nodes: [node('area1', '餐饮区', { kind: 'area', w: 320, h: 200, colour: 'rose', x: 5 }), node('area2', '零售片区', { kind: 'area', w: 300, h: 200 }), node('note', '晚上十点后安静', { kind: 'note', area: 'area2' }), node('s', '开始', { kind: 'decision' }), node('t', '结束')],
      edges: [edge('e', 't', 's', '否')]
    };
    const kinds = compareDiagrams(a, b).changes.map((c) => `${c.on}:${c.change}:${c.on === 'node' ? c.node.id : c.edge.id}`);
    expect(kinds).toEqual(['node:relabelled:area1', 'node:rekinded:s', 'node:recoloured:area1', 'node:repinned:note', 'node:moved:area1', 'edge:relabelled:e', 'edge:retargeted:e']);
    const moved = compareDiagrams(a, b).changes.find((c) => c.change === 'moved');
    expect(moved).toMatchObject({ moved: true, resized: true });
    const pinned = compareDiagrams(a, b).changes.find((c) => c.change === 'repinned');
    expect(pinned).toMatchObject({ from: { id: 'area1', label: '餐饮片区' }, to: { id: 'area2', label: '零售片区' } });
    const ends = compareDiagrams(a, b).changes.find((c) => c.change === 'retargeted');
    expect(ends).toMatchObject({ from: { source: { label: '开始' }, target: { label: '结束' } }, to: { source: { label: '结束' }, target: { label: '开始' } } });
    expect(compareDiagrams(a, b).summary).toEqual({ added: 0, removed: 0, relabelled: 2, other: 5 });
  });

  it('[D34] labels are carried as they are: markup, javascript: and RTL characters are data, not changed', () => {
    const odd = ['<img src=x onerror=alert(1)>', 'javascript:alert(1)', '\u202e反向文字'];
    const a: Diagram = { nodes: [node('a', '甲')], edges: [] };
    const b: Diagram = { nodes: [node('a', odd[0]!), node('b', odd[1]!), node('c', odd[2]!)], edges: [] };
    const labels = compareDiagrams(a, b).changes.flatMap((c) => (c.on === 'node' ? [c.node.label] : []));
    expect(labels.sort()).toEqual([...odd].sort());
  });

  it('[D34] the largest diagram against another largest one is compared quickly (bounded: maps and one sort)', () => {
    const big = (shift: number, tag: string): Diagram => {
      const nodes = Array.from({ length: DIAGRAM_LIMITS.nodes }, (_, i) => node(`n${i + shift}`, `${tag}${i}`, { x: i }));
      const edges = Array.from({ length: DIAGRAM_LIMITS.edges }, (_, i) => edge(`e${i + shift}`, nodes[i % nodes.length]!.id, nodes[(i * 7 + 1) % nodes.length]!.id, tag));
      return { nodes, edges };
    };
    const { summary } = compareDiagrams(big(0, '甲'), big(150, '乙'));
    expect(summary.added).toBe(150 + 150);
    expect(summary.removed).toBe(150 + 150);
    expect(summary.relabelled).toBe(150 + 450);
  });
});

// Properties: diagrams drawn from a small pool of ids, so two of them share some nodes and edges.
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const nodeArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    kind: fc.constantFrom(...DIAGRAM_NODE_KINDS),
    label: fc.oneof(fc.constantFrom('回访', '满意度回访', '开始', '', '<b>x</b>'), fc.string({ maxLength: 6 })),
    x: fc.integer({ min: -3, max: 3 }),
    y: fc.integer({ min: -3, max: 3 }),
    w: fc.option(fc.constantFrom(100, 200), { nil: undefined }),
    h: fc.option(fc.constantFrom(100, 200), { nil: undefined }),
    colour: fc.option(fc.constantFrom(...DIAGRAM_COLOURS), { nil: undefined }),
    area: fc.option(fc.constantFrom(...ids('n', 8)), { nil: undefined })
  }, { requiredKeys: ['id', 'kind', 'label', 'x', 'y'] }).map((n) => Object.fromEntries(Object.entries(n).filter(([, v]) => v !== undefined)) as unknown as DiagramNode);
const edgeArb = (id: string, nodeIds: string[]): fc.Arbitrary<DiagramEdge> =>
  fc.record({ id: fc.constant(id), source: fc.constantFrom(...nodeIds), target: fc.constantFrom(...nodeIds), label: fc.constantFrom('', '是', '否') });
const diagramArb: fc.Arbitrary<Diagram> = fc.subarray(ids('n', 8)).chain((nodeIds) => {
  const nodes: fc.Arbitrary<DiagramNode[]> = fc.tuple(...nodeIds.map(nodeArb)).map((t) => [...t]);
  const edges: fc.Arbitrary<DiagramEdge[]> =
    nodeIds.length === 0 ? fc.constant([]) : fc.subarray(ids('e', 10)).chain((edgeIds) => fc.tuple(...edgeIds.map((id) => edgeArb(id, nodeIds))).map((t) => [...t]));
  return fc.record({ nodes, edges });
});

/** A change without the labels it is described by, with its before and after as a pair to mirror. */
function key(c: DiagramChange, mirrored: boolean): string {
  const id = c.on === 'node' ? c.node.id : c.edge.id;
  const swap = <T>(from: T, to: T) => JSON.stringify(mirrored ? [to, from] : [from, to]);
  switch (c.change) {
    case 'added':
    case 'removed':
      return `${c.on} ${id} ${mirrored ? (c.change === 'added' ? 'removed' : 'added') : c.change}`;
    case 'relabelled':
      return `${c.on} ${id} relabelled ${swap(c.from, c.to)}`;
    case 'rekinded':
    case 'recoloured':
      return `${c.on} ${id} ${c.change} ${swap(c.from, c.to)}`;
    case 'repinned':
      return `node ${id} repinned ${swap(c.from?.id ?? null, c.to?.id ?? null)}`;
    case 'moved':
      return `node ${id} moved ${c.moved} ${c.resized}`;
    case 'retargeted':
      return `edge ${id} retargeted ${swap([c.from.source.id, c.from.target.id], [c.to.source.id, c.to.target.id])}`;
  }
}

describe('diagram compare, properties [D34]', () => {
  it('[D34] a diagram compared with itself has no change', () => {
    fc.assert(
      fc.property(diagramArb, (a) => {
        expect(compareDiagrams(a, structuredClone(a))).toEqual({ changes: [], summary: { added: 0, removed: 0, relabelled: 0, other: 0 } });
      }),
      { numRuns: 300 }
    );
  });

  it('[D34] compare(a, b) and compare(b, a) mirror each other (added ↔ removed, before ↔ after)', () => {
    fc.assert(
      fc.property(diagramArb, diagramArb, (a, b) => {
        const ab = compareDiagrams(a, b);
        const ba = compareDiagrams(b, a);
        expect(ab.changes.map((c) => key(c, false)).sort()).toEqual(ba.changes.map((c) => key(c, true)).sort());
        expect(ab.summary).toEqual({ ...ba.summary, added: ba.summary.removed, removed: ba.summary.added });
      }),
      { numRuns: 300 }
    );
  });

  it('[D34] applying the listed additions and removals to a gives b’s node and edge ids; each id is listed at most once per change', () => {
    fc.assert(
      fc.property(diagramArb, diagramArb, (a, b) => {
        const { changes } = compareDiagrams(a, b);
        for (const on of ['node', 'edge'] as const) {
          const have = new Set((on === 'node' ? a.nodes : a.edges).map((x) => x.id));
          for (const c of changes) {
            if (c.on !== on) continue;
            const id = c.on === 'node' ? c.node.id : c.edge.id;
            if (c.change === 'added') have.add(id);
            if (c.change === 'removed') have.delete(id);
          }
          expect([...have].sort()).toEqual((on === 'node' ? b.nodes : b.edges).map((x) => x.id).sort());
        }
        const seen = changes.map((c) => `${c.on} ${c.on === 'node' ? c.node.id : c.edge.id} ${c.change}`);
        expect(new Set(seen).size).toBe(seen.length);
        // A relabel is listed exactly when a shared node's or edge's label differs.
        const relabelled = new Set(changes.filter((c) => c.change === 'relabelled').map((c) => `${c.on} ${c.on === 'node' ? c.node.id : c.edge.id}`));
        const bNodes = new Map(b.nodes.map((n) => [n.id, n]));
        for (const n of a.nodes) expect(relabelled.has(`node ${n.id}`)).toBe(bNodes.has(n.id) && bNodes.get(n.id)!.label !== n.label);
      }),
      { numRuns: 300 }
    );
  });
});
