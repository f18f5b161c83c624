import type { Diagram, DiagramKind, DiagramNode } from '@yishi/domain';

/** The seed's three pictures (the 滨河东里 federation's), as the editor leaves them after a layout. */

const node = (id: string, kind: DiagramNode['kind'], label: string, x: number, y: number, extra: Partial<DiagramNode> = {}): DiagramNode => ({ id, kind, label, x, y, ...extra });
const chain = (ids: string[]) => ids.slice(1).map((t, i) => ({ id: `e${i}`, source: ids[i]!, target: t, label: '' }));

export const WORKFLOW: Diagram = {
  nodes: [
    node('n0', 'terminal', '开始', 0, 0),
    node('n1', 'step', '居民反映', 0, 110),
    node('n2', 'step', '理事会协调', 0, 220),
    node('n3', 'step', '商户整改', 0, 330),
    node('n4', 'step', '回访', 0, 440),
    node('n5', 'terminal', '结束', 0, 550)
  ],
  edges: chain(['n0', 'n1', 'n2', 'n3', 'n4', 'n5'])
};

/** The workflow with a decision that branches, and labelled edges. */
export const WORKFLOW_DECISION: Diagram = {
  nodes: [...WORKFLOW.nodes.filter((n) => n.id !== 'n5'), node('d1', 'decision', '居民满意吗？', -10, 550), node('n5', 'terminal', '结束', 0, 700)],
  edges: [...chain(['n0', 'n1', 'n2', 'n3', 'n4', 'd1']), { id: 'y', source: 'd1', target: 'n5', label: '满意' }, { id: 'z', source: 'd1', target: 'n2', label: '不满意，再协调' }]
};

export const ORG_CHART: Diagram = {
  nodes: [
    node('council', 'role', '理事会', 170, 0),
    node('chair', 'role', '会长', 20, 120),
    node('vice', 'role', '副会长', 320, 120),
    node('residents', 'role', '居民组', 20, 240),
    node('merchants', 'role', '商户组', 320, 240),
    node('p1', 'person', '王建国（居民代表）', 20, 360)
  ],
  edges: [
    { id: 'e1', source: 'council', target: 'chair', label: '' },
    { id: 'e2', source: 'council', target: 'vice', label: '' },
    { id: 'e3', source: 'chair', target: 'residents', label: '' },
    { id: 'e4', source: 'vice', target: 'merchants', label: '' },
    { id: 'e5', source: 'residents', target: 'p1', label: '组长' }
  ]
};

export const ZONING: Diagram = {
  nodes: [
    node('a1', 'area', '餐饮片区', 0, 0, { w: 360, h: 220, colour: 'sand' }),
    node('a2', 'area', '零售片区', 300, 40, { w: 320, h: 240, colour: 'sky' }),
    node('a3', 'area', '居民楼', 0, 280, { w: 300, h: 200, colour: 'leaf' }),
    node('a4', 'area', '停车区', 340, 320, { w: 280, h: 160, colour: 'stone' }),
    node('note1', 'note', '晚上十点后不卸货', 380, 380, { area: 'a4' })
  ],
  edges: []
};

export const SEED: { kind: DiagramKind; title: string; diagram: Diagram }[] = [
  { kind: 'workflow', title: '投诉处理流程', diagram: WORKFLOW_DECISION },
  { kind: 'orgChart', title: '联合会组织框架', diagram: ORG_CHART },
  { kind: 'zoning', title: '滨河东里分片', diagram: ZONING }
];

/** Labels that must come out as text: markup, a script address, a bidi override. */
export const HOSTILE: Diagram = {
  nodes: [
    node('h1', 'step', '<img src=x onerror=alert(1)>', 0, 0),
    node('h2', 'step', 'javascript:alert(1)', 0, 120),
    node('h3', 'decision', '\u202Egpj.exe 反向', 0, 240),
    node('h4', 'area', '</text><script>alert(1)</script>', -40, -40, { w: 400, h: 500, colour: 'rose' }),
    node('h5', 'note', '"quoted" & \'single\' ]]>', 260, 0)
  ],
  edges: [{ id: 'x1', source: 'h1', target: 'h2', label: '<b>x</b>&amp;' }]
};
