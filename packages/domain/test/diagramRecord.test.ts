import { describe, expect, it } from 'vitest';
import { diagramBlocks, type Block, type Diagram } from '../src/index.ts';

/*
 * A diagram version's body in the record [D36]: the picture block, then the text of the picture, in the
 * order of the page, in the meeting's language.
 */

const zh = (z: string) => z;
const en = (_z: string, e: string) => e;
const text = (blocks: Block[]) =>
  blocks.flatMap((b) => (b.kind === 'list' ? b.items.map((i) => i.map((r) => (typeof r === 'string' ? r : r.text)).join('')) : b.kind === 'heading' ? [b.text] : b.kind === 'note' ? [b.text] : []));

const ZONING: Diagram = {
  nodes: [
    { id: 'b', kind: 'area', label: '零售片区', x: 300, y: 40, w: 320, h: 240, colour: 'sky' },
    { id: 'a', kind: 'area', label: '餐饮片区', x: 0, y: 0, w: 360, h: 220, colour: 'sand' },
    { id: 'n', kind: 'note', label: '晚上十点后不卸货', x: 380, y: 380, area: 'd' },
    { id: 'd', kind: 'area', label: '停车区', x: 340, y: 320, w: 280, h: 160, colour: 'stone' },
    { id: 'x', kind: 'note', label: '  ', x: 0, y: 500, area: 'gone' }
  ],
  edges: [{ id: 'e', source: 'a', target: 'b', label: '相邻' }]
};

describe('a diagram version in the record [D36]', () => {
  it('[D36] the picture first, then every node with its kind top to bottom (a note with its area) and every connection with its label', () => {
    const blocks = diagramBlocks(ZONING, 'zoning', '滨河东里分片 · v1', zh);
    expect(blocks[0]).toEqual({ kind: 'diagram', diagram: ZONING, diagramKind: 'zoning', caption: '分片示意图：滨河东里分片 · v1' });
    expect(text(blocks)).toEqual([
      '图中的内容',
      '节点（5）',
      '餐饮片区（片区）',
      '零售片区（片区）',
      '停车区（片区）',
      '晚上十点后不卸货（备注，在“停车区”）',
      '（无文字）（备注）',
      '连线（1）',
      '餐饮片区 → 零售片区（相邻）'
    ]);
  });

  it('[D36] in English; an empty diagram is a note and no picture; no connections, no connection list', () => {
    const blocks = diagramBlocks({ nodes: [{ id: 'a', kind: 'decision', label: 'Satisfied?', x: 0, y: 0 }], edges: [] }, 'workflow', 'Complaints · v1', en);
    expect(blocks[0]).toMatchObject({ kind: 'diagram', caption: 'Workflow chart: Complaints · v1' });
    expect(text(blocks)).toEqual(['What the diagram holds', 'Nodes (1)', 'Satisfied? (decision)']);
    expect(diagramBlocks({ nodes: [], edges: [] }, 'orgChart', 'x', zh)).toEqual([{ kind: 'note', text: '这个版本的图是空的。' }]);
  });
});
