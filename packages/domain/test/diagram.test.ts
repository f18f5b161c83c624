import { describe, expect, it } from 'vitest';
import { ClientCommandSchema, commandResult, DIAGRAM_KINDS, DIAGRAM_LIMITS, diagramFieldProblem, diagramOf, documentRight } from '../src/index.ts';
import { BOARD, cmd, FACILITATOR, MeetingHarness, participant } from './harness.ts';

describe('diagrams [D31]', () => {
  it('[D31] staff create a workflow, an org chart and a zoning sketch like any document; rights as for the charter', () => {
    const h = MeetingHarness.created(['居民', '商户']);
    h.join('ann1');
    for (const kind of DIAGRAM_KINDS) {
      const d = h.must(cmd({ type: 'document.create', kind, title: `图 ${kind}`, access: 'everyone', editors: [] }), FACILITATOR);
      const docId = commandResult('document.create', d.events)!.docId as string;
      expect(h.current.documents.get(docId)).toMatchObject({ kind, title: `图 ${kind}` });
      expect(documentRight(h.current, participant('ann1'), docId)).toBe('write');
      expect(documentRight(h.current, BOARD, docId)).toBe('read');
    }
    expect(ClientCommandSchema.safeParse({ type: 'document.create', commandId: 'cmd-doc-00001', kind: 'diagram', title: '图', access: 'everyone' }).success).toBe(false);
  });

  it('[D31] field rules: kinds, labels, coordinates, sizes, colours, ids; unknown fields refused', () => {
    expect(diagramFieldProblem('nodes', 'kind', 'decision')).toBeNull();
    expect(diagramFieldProblem('nodes', 'kind', 'rocket')).toMatch(/unknown node kind/);
    expect(diagramFieldProblem('nodes', 'label', '居'.repeat(DIAGRAM_LIMITS.label))).toBeNull();
    expect(diagramFieldProblem('nodes', 'label', '居'.repeat(DIAGRAM_LIMITS.label + 1))).toMatch(/label/);
    expect(diagramFieldProblem('nodes', 'label', 'a\u0000b')).toMatch(/label/);
    expect(diagramFieldProblem('nodes', 'label', 42)).toMatch(/label/);
    expect(diagramFieldProblem('edges', 'label', '是'.repeat(DIAGRAM_LIMITS.edgeLabel + 1))).toMatch(/label/);
    for (const bad of [NaN, Infinity, 1e6, '1']) expect(diagramFieldProblem('nodes', 'x', bad)).not.toBeNull();
    expect(diagramFieldProblem('nodes', 'w', 10)).not.toBeNull();
    expect(diagramFieldProblem('nodes', 'colour', 'sky')).toBeNull();
    expect(diagramFieldProblem('nodes', 'colour', 'red')).not.toBeNull();
    expect(diagramFieldProblem('nodes', 'area', '')).toBeNull();
    expect(diagramFieldProblem('edges', 'source', 'a b')).not.toBeNull();
    expect(diagramFieldProblem('nodes', 'onclick', 'x')).toMatch(/unknown node field/);
    expect(diagramFieldProblem('nodes', '__proto__', {})).toMatch(/unknown node field/);
  });

  it('[D31][D33] diagramOf reads plain entries: bad fields read as absent, unknown kinds and dangling edges left out, in id order', () => {
    const m = (o: Record<string, unknown>) => new Map(Object.entries(o));
    const d = diagramOf({
      nodes: [
        ['b', m({ kind: 'step', label: '<b>回访</b>', x: 10, y: Infinity, colour: 'neon', w: 5 })],
        ['a', m({ kind: 'area', label: 'x'.repeat(DIAGRAM_LIMITS.label + 1), x: 1, y: 2, w: 300, h: 200, colour: 'sky' })],
        ['c', m({ kind: 'script', label: 'no' })],
        ['bad id!', m({ kind: 'step', label: 'no' })],
        ['n', m({ kind: 'note', label: '停车', x: 0, y: 0, area: 'a' })]
      ],
      edges: [
        ['e2', m({ source: 'b', target: 'c', label: 'gone' })],
        ['e1', m({ source: 'a', target: 'b', label: 7 })],
        ['e3', 'not a map']
      ]
    });
    expect(d.nodes).toEqual([
      { id: 'a', kind: 'area', label: '', x: 1, y: 2, w: 300, h: 200, colour: 'sky' },
      { id: 'b', kind: 'step', label: '<b>回访</b>', x: 10, y: 0 },
      { id: 'n', kind: 'note', label: '停车', x: 0, y: 0, area: 'a' }
    ]);
    expect(d.edges).toEqual([{ id: 'e1', source: 'a', target: 'b', label: '' }]);
  });
});
