import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { DIAGRAM_NODE_KINDS, diagramBlocks, type Diagram, type DiagramKind, type DiagramNode, type RecordDocument } from '@yishi/domain';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { diagramGeometry, render, renderDocx, renderMarkdown, renderMarkdownBundle, renderPdf, type DiagramGeometry } from '../src/index.ts';
import { geometrySvg, renderDiagramSvg } from '../src/diagram/svg.ts';
import { HOSTILE, ORG_CHART, SEED, WORKFLOW, ZONING } from './diagramFixtures.ts';
import { docxText, pdffonts, pdftotext, squash, unzip, utf8, writeTemp } from './tools.ts';

/**
 * Diagrams in the record [D36, D37]: one geometry (shapes, edges clipped to borders, wrapped labels,
 * the zoning legend) drawn as SVG, into the PDF and as the DOCX's picture. The seed's three pictures are
 * rendered for real and saved under test-results/screenshots/diagramExport for a person to look at.
 */

/** Where the rendered pages and pictures are left to be looked at (the repository's test-results, ignored by git). */
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../../test-results/screenshots/diagramExport');
function shot(name: string, bytes: Uint8Array): void {
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, name), bytes);
}

const t = (zh: string) => zh;
function versionDoc(kind: DiagramKind, title: string, diagram: Diagram): RecordDocument {
  return {
    kind: 'version',
    language: 'zh-CN',
    title: `${title} · v1`,
    footer: `${title} · v1`,
    blocks: [{ kind: 'heading', level: 1, text: title }, { kind: 'fields', rows: [{ label: '版本', value: 'v1' }] }, ...diagramBlocks(diagram, kind, `${title} · v1`, t)]
  };
}

/** Signed distance of `p` from the border of a rounded rectangle (a rect when r = 0, a pill when r = h/2). */
function roundRectDistance(b: { x: number; y: number; w: number; h: number }, r: number, p: { x: number; y: number }): number {
  const qx = Math.abs(p.x - (b.x + b.w / 2)) - (b.w / 2 - r);
  const qy = Math.abs(p.y - (b.y + b.h / 2)) - (b.h / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** How far `p` is from the border of the shape drawn for node `id` (0 on it). */
function offBorder(g: DiagramGeometry, id: string, p: { x: number; y: number }): number {
  const box = g.boxes.find((b) => b.id === id);
  if (box) {
    if (box.shape === 'diamond') {
      const v = Math.abs(p.x - (box.x + box.w / 2)) / (box.w / 2) + Math.abs(p.y - (box.y + box.h / 2)) / (box.h / 2) - 1;
      return Math.abs(v) * Math.min(box.w, box.h);
    }
    return Math.abs(roundRectDistance(box, Math.min(box.radius, box.w / 2, box.h / 2), p));
  }
  const area = g.areas.find((a) => a.id === id)!;
  return Math.abs(roundRectDistance(area.rect, 0, p));
}

const inside = (outer: { x: number; y: number; w: number; h: number }, r: { x: number; y: number; w?: number; h?: number }) =>
  r.x >= outer.x - 1e-6 && r.y >= outer.y - 1e-6 && r.x + (r.w ?? 0) <= outer.x + outer.w + 1e-6 && r.y + (r.h ?? 0) <= outer.y + outer.h + 1e-6;

function checkGeometry(diagram: Diagram, g: DiagramGeometry): void {
  const b = g.bounds;
  for (const box of g.boxes) {
    expect(inside(b, box), `box ${box.id}`).toBe(true);
    expect(inside(b, box.label.box), `label ${box.id}`).toBe(true);
  }
  for (const a of g.areas) expect(inside(b, a.rect) && inside(b, a.label.box), `area ${a.id}`).toBe(true);
  for (const e of g.edges) {
    const edge = diagram.edges.find((d) => d.id === e.id)!;
    for (const p of [...e.points, ...e.arrow]) expect(inside(b, p), `edge ${e.id}`).toBe(true);
    if (e.label) expect(inside(b, e.label.box)).toBe(true);
    // The line leaves the source's border; the arrow's tip is on the target's.
    expect(offBorder(g, edge.source, e.from), `from ${e.id}`).toBeLessThan(0.5);
    expect(offBorder(g, edge.target, e.to), `to ${e.id}`).toBeLessThan(0.5);
    expect(e.arrow[0]).toEqual(e.to);
    expect(e.points[0]).toEqual(e.from);
    expect(e.points.at(-1)).toEqual(e.shaftEnd);
  }
  if (g.legend) for (const i of g.legend.items) expect(inside(b, i.swatch) && inside(b, i.label.box)).toBe(true);
}

/** The element names of an SVG (every `<name`), which must be ours only. */
const elements = (svg: string) => new Set([...svg.replace(/^<\?xml[^>]*\?>/, '').matchAll(/<([A-Za-z][\w:-]*)/g)].map((m) => m[1]!));
const OURS = new Set(['svg', 'title', 'rect', 'text', 'polyline', 'polygon']);

describe('diagram geometry [D36]', () => {
  it('[D36] the seed\'s pictures: arrows leave and end on node borders, everything inside the bounds, a legend for the zoning sketch', () => {
    for (const { diagram } of SEED) checkGeometry(diagram, diagramGeometry(diagram, 'zh-CN')!);
    const workflow = diagramGeometry(WORKFLOW, 'zh-CN')!;
    expect(workflow.boxes.map((b) => b.shape)).toEqual(['pill', 'roundRect', 'roundRect', 'roundRect', 'roundRect', 'pill']);
    expect(workflow.edges).toHaveLength(5);
    // A straight chain: each arrow points down from one box's bottom to the next one's top.
    for (const e of workflow.edges) expect(e.to.y).toBeGreaterThan(e.from.y);
    const org = diagramGeometry(ORG_CHART, 'zh-CN')!;
    expect(org.boxes.find((b) => b.id === 'council')).toMatchObject({ shape: 'rect', fill: '#e8eef8' });
    expect(org.boxes.find((b) => b.id === 'council')!.label.bold).toBe(true);
    const zoning = diagramGeometry(ZONING, 'zh-CN')!;
    expect(zoning.areas.map((a) => a.label.lines.map((l) => l.text).join(''))).toEqual(['餐饮片区', '零售片区', '居民楼', '停车区']);
    expect(zoning.boxes).toMatchObject([{ kind: 'note', shape: 'card', dash: true }]);
    expect(zoning.legend!.items.map((i) => i.label.lines[0]!.text)).toEqual(['餐饮片区', '零售片区', '居民楼', '停车区']);
    expect(zoning.legend!.title.lines[0]!.text).toBe('图例');
    expect(diagramGeometry({ nodes: [], edges: [] }, 'zh-CN')).toBeNull();
  });

  it('[D36] a way back up a workflow goes round the boxes in between, and its label is beside it', () => {
    const g = diagramGeometry(SEED[0]!.diagram, 'zh-CN')!;
    const back = g.edges.find((e) => e.id === 'z')!;
    expect(back.points).toHaveLength(4);
    const right = Math.max(...g.boxes.filter((b) => b.kind === 'step').map((b) => b.x + b.w));
    expect(back.points[1]!.x).toBeGreaterThan(right);
    expect(back.label!.lines.map((l) => l.text).join('')).toBe('不满意，再协调');
    checkGeometry(SEED[0]!.diagram, g);
  });

  it('[D36] long Chinese labels wrap between characters, never before “，”, inside a box at most 14rem wide', () => {
    const label = '居民反映油烟问题，理事会协调商户安装净化设备并约定整改期限';
    const g = diagramGeometry({ nodes: [{ id: 'a', kind: 'step', label, x: 0, y: 0 }], edges: [] }, 'zh-CN')!;
    const box = g.boxes[0]!;
    expect(box.w).toBeLessThanOrEqual(224);
    expect(box.label.lines.length).toBeGreaterThan(1);
    expect(box.label.lines.map((l) => l.text).join('')).toBe(label);
    for (const l of box.label.lines) {
      expect(l.text.startsWith('，')).toBe(false);
      expect(l.x).toBeGreaterThanOrEqual(box.x);
      expect(l.x + l.width).toBeLessThanOrEqual(box.x + box.w + 0.01);
    }
  });

  it('[D36] any diagram within the limits: every edge ends on its nodes\' borders and everything lies inside the bounds (fuzzed)', () => {
    const label = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('理事会协调', '餐饮片区', '<b>x</b>', '\u202Eabc', ''));
    const node = (id: string) =>
      fc.record({
        id: fc.constant(id),
        kind: fc.constantFrom(...DIAGRAM_NODE_KINDS),
        label,
        x: fc.integer({ min: -3000, max: 3000 }),
        y: fc.integer({ min: -3000, max: 3000 }),
        w: fc.integer({ min: 20, max: 800 }),
        h: fc.integer({ min: 20, max: 800 })
      });
    const diagram = fc.integer({ min: 1, max: 12 }).chain((count) =>
      fc.tuple(
        fc.tuple(...Array.from({ length: count }, (_, i) => node(`n${i}`))),
        fc.array(fc.tuple(fc.nat(count - 1), fc.nat(count - 1), label), { maxLength: 20 })
      ).map(([nodes, edges]): Diagram => ({
        nodes: nodes.map((n): DiagramNode => (n.kind === 'area' ? n : { id: n.id, kind: n.kind, label: n.label, x: n.x, y: n.y })),
        edges: edges.map(([s, e, l], i) => ({ id: `e${i}`, source: `n${s}`, target: `n${e}`, label: l.slice(0, 60) }))
      }))
    );
    fc.assert(fc.property(diagram, (d) => checkGeometry(d, diagramGeometry(d, 'zh-CN')!)), { numRuns: 150 });
  });
});

describe('diagram SVG [D37]', () => {
  it('[D37] hostile labels are text: markup escaped, no link or script anywhere, a bidi override made visible', () => {
    const svg = renderDiagramSvg(HOSTILE, 'zh-CN', '<title>x</title>')!;
    expect([...elements(svg)].every((e) => OURS.has(e)), [...elements(svg)].join(',')).toBe(true);
    const tags = [...svg.matchAll(/<[^>]*>/g)].map((m) => m[0]);
    for (const tag of tags) expect(tag).not.toMatch(/<img|<script|<b>|href|onerror|javascript|<foreignObject|\u202E/i);
    expect(svg).toContain('&lt;img src=x');
    expect(svg).toContain('javascript:alert(1)</text>');
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('&lt;b&gt;x&lt;/b&gt;&amp;amp;');
    expect(svg).toContain('&quot;quoted&quot; &amp; &#39;single&#39; ]]&gt;');
    expect(svg).toContain('<title id="diagram-title">&lt;title&gt;x&lt;/title&gt;</title>');
    expect(svg).not.toContain('\u202E');
    expect(svg).toContain('[U+202E]gpj.exe');
    expect(svg).toContain(`font-family="&#39;Noto Sans SC&#39;, &#39;Noto Emoji&#39;, sans-serif"`);
  });

  it('[D37] the PNG\'s SVG draws the labels as the embedded font\'s outlines (no <text>), each glyph defined once', () => {
    const g = diagramGeometry(SEED[0]!.diagram, 'zh-CN')!;
    const outlined = geometrySvg(g, 'x', { outlines: true });
    expect(outlined).not.toContain('<text');
    const defs = [...outlined.matchAll(/<path id="([^"]+)"/g)].map((m) => m[1]!);
    expect(new Set(defs).size).toBe(defs.length);
    // A glyph used twice (协 in 理事会协调 and in 再协调) is defined once.
    const uses = [...outlined.matchAll(/<use href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(uses.length).toBeGreaterThan(defs.length);
    expect(uses.every((u) => defs.includes(u))).toBe(true);
  });

  it('[D37] any label gives well-formed SVG with only our elements (fuzzed, parsed by resvg)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 30 }), (label, edgeLabel) => {
        const d: Diagram = { nodes: [{ id: 'a', kind: 'step', label, x: 0, y: 0 }, { id: 'b', kind: 'area', label, x: 0, y: 200, w: 300, h: 100 }], edges: [{ id: 'e', source: 'a', target: 'b', label: edgeLabel }] };
        const svg = renderDiagramSvg(d, 'zh-CN', label)!;
        expect([...elements(svg)].every((e) => OURS.has(e))).toBe(true);
        // resvg refuses malformed XML: it parses, with no font needed.
        expect(() => new Resvg(svg, { font: { loadSystemFonts: false } })).not.toThrow();
      }),
      { numRuns: 60 }
    );
  });
});

describe('diagrams in the exports [D36]', () => {
  it('[D36][D37] PDF: the picture drawn with its labels as text in the embedded, subset Noto Sans SC, then the text list', async () => {
    for (const [i, s] of SEED.entries()) {
      const pdf = await renderPdf(versionDoc(s.kind, s.title, s.diagram));
      const path = writeTemp(pdf, 'pdf');
      expect(pdffonts(path)).toMatch(/[A-Z]{6}\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
      const text = squash(pdftotext(path));
      for (const n of s.diagram.nodes) expect(text).toContain(squash(n.label));
      expect(text).toContain('图中的内容');
      // Each label twice: drawn in the picture (on page 1, after the title) and in the list after it.
      const first = squash(pdftotext(path, '-f', '1', '-l', '1'));
      for (const n of s.diagram.nodes) {
        expect(first, n.label).toContain(squash(n.label));
        expect(text.split(squash(n.label)).length - 1, n.label).toBeGreaterThanOrEqual(2);
      }
      const prefix = writeTemp(new Uint8Array(), 'x').replace(/\.x$/, '');
      execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', path, prefix]);
      shot(`seed-${i + 1}-${s.kind}-pdf-page1.png`, readFileSync(`${prefix}.png`));
    }
    const hostile = pdftotext(writeTemp(await renderPdf(versionDoc('workflow', '流程', HOSTILE)), 'pdf'));
    expect(squash(hostile)).toContain('<imgsrc=xonerror=alert(1)>');
    expect(squash(hostile)).toContain('[U+202E]gpj.exe');
  });

  it('[D36] DOCX: each diagram as an SVG picture with a PNG fallback that decodes and is not blank, alt text, and the list as text', async () => {
    for (const [i, s] of SEED.entries()) {
      const bytes = await renderDocx(versionDoc(s.kind, s.title, s.diagram));
      const files = unzip(bytes);
      const svgs = Object.keys(files).filter((f) => /^word\/media\/[^/]+\.svg$/.test(f));
      const pngs = Object.keys(files).filter((f) => /^word\/media\/[^/]+\.png$/.test(f));
      expect(svgs).toHaveLength(1);
      expect(pngs).toHaveLength(1);
      const svg = utf8(files[svgs[0]!]!);
      for (const n of s.diagram.nodes) expect(svg).toContain(n.label);
      const png = PNG.sync.read(Buffer.from(files[pngs[0]!]!));
      expect(png.width).toBeGreaterThan(300);
      const colours = new Set<number>();
      let ink = 0;
      for (let p = 0; p < png.data.length; p += 4) {
        colours.add((png.data[p]! << 16) | (png.data[p + 1]! << 8) | png.data[p + 2]!);
        if (png.data[p]! < 60 && png.data[p + 1]! < 60 && png.data[p + 2]! < 60) ink++;
      }
      expect(colours.size).toBeGreaterThan(20);
      expect(ink).toBeGreaterThan(1000);
      shot(`seed-${i + 1}-${s.kind}-docx-image.png`, files[pngs[0]!]!);
      const { xml, text } = docxText(bytes);
      expect(xml).toContain('<asvg:svgBlip');
      expect(xml).toMatch(new RegExp(`<wp:docPr [^>]*descr="[^"]*${s.title}`));
      for (const n of s.diagram.nodes) expect(text).toContain(n.label);
    }
  });

  it('[D36] a diagram at the size limits (300 nodes, 600 edges, long labels) prints in all three formats', { timeout: 120_000 }, async () => {
    const nodes: DiagramNode[] = Array.from({ length: 300 }, (_, i) => ({ id: `n${i}`, kind: DIAGRAM_NODE_KINDS[i % 7]!, label: `第${i}步：居民反映油烟问题，理事会协调商户整改`.repeat(4).slice(0, 200), x: (i % 15) * 260, y: Math.floor(i / 15) * 160, ...(i % 7 === 5 ? { w: 300, h: 200 } : {}) }));
    const edges = Array.from({ length: 600 }, (_, i) => ({ id: `e${i}`, source: `n${i % 300}`, target: `n${(i * 7 + 1) % 300}`, label: i % 5 === 0 ? '满意'.repeat(30) : '' }));
    const big: Diagram = { nodes, edges };
    checkGeometry(big, diagramGeometry(big, 'zh-CN')!);
    const doc = versionDoc('workflow', '大图', big);
    const times: Record<string, number> = {};
    for (const f of ['pdf', 'docx', 'md'] as const) {
      const t0 = performance.now();
      const r = await render(doc, f, { fileBase: 'big' });
      times[f] = Math.round(performance.now() - t0);
      expect(r.bytes.byteLength).toBeGreaterThan(1000);
    }
    console.log('a 300-node diagram, ms:', times);
  });

  it('[D36] Markdown: a zip of the .md and its SVG beside it, the image referenced by that name; without a diagram, one .md file', async () => {
    const doc = versionDoc('zoning', '滨河东里分片', ZONING);
    const r = await render(doc, 'md', { fileBase: '文件版本-滨河东里分片-v 1-2026-12-01' });
    expect(r).toMatchObject({ contentType: 'application/zip', extension: 'zip' });
    const files = unzip(r.bytes);
    expect(Object.keys(files).sort()).toEqual(['文件版本-滨河东里分片-v 1-2026-12-01-图1.svg', '文件版本-滨河东里分片-v 1-2026-12-01.md']);
    const md = utf8(files['文件版本-滨河东里分片-v 1-2026-12-01.md']!);
    expect(md).toContain('![分片示意图：滨河东里分片 · v1](<文件版本-滨河东里分片-v%201-2026-12-01-图1.svg>)');
    for (const s of ['1. 餐饮片区 *（片区）*', '5. 晚上十点后不卸货 *（备注，在“停车区”）*']) expect(md).toContain(s);
    expect(utf8(files['文件版本-滨河东里分片-v 1-2026-12-01-图1.svg']!)).toContain('>停车区</text>');
    // A path in the name cannot leave the zip's folder.
    const evil = unzip(renderMarkdownBundle(doc, '../../etc/x').bytes);
    expect(Object.keys(evil).every((n) => !n.includes('/') && !n.includes('\\'))).toBe(true);
    const plain = await render({ ...doc, blocks: doc.blocks.filter((b) => b.kind !== 'diagram') }, 'md');
    expect(plain).toMatchObject({ contentType: 'text/markdown; charset=utf-8', extension: 'md' });
    // Hostile captions and labels stay text in the Markdown too.
    const hostile = renderMarkdown(versionDoc('workflow', '<img src=x onerror=alert(1)>', HOSTILE));
    expect(hostile).not.toMatch(/(?<!\\)<(img|script)/);
    expect(geometrySvg(diagramGeometry(HOSTILE, 'en')!, 'x')).toContain('Legend');
  });
});
