import type { Diagram, DiagramColour, DiagramNode, DiagramNodeKind } from '@yishi/domain';
import type { Language } from '../model.ts';
import { Typesetter, type Laid, type TextStyle } from '../pdf/layout.ts';
import { clean, type Span } from '../text.ts';
import { words } from '../words.ts';

/*
 * What a diagram looks like on paper, worked out once and drawn three ways (SVG, PDF, the DOCX's
 * picture) [D36]. Pure: plain data in, plain data out; the fonts' metrics are the only thing read.
 * Units are the editor's (CSS pixels at zoom 1), so a printed diagram has the shapes and positions its
 * editors gave it: a box's top-left corner is the node's (x, y), as in the editor; an area is its own
 * rectangle (x, y, w, h). Labels are laid out with the PDF's typesetter (UAX #14 breaks, so Chinese
 * wraps between characters and never before `，。`; a character no embedded font draws becomes a visible
 * `[U+XXXX]`, so a bidi override prints as what it is instead of turning the text round) [D37].
 *
 * Drawing order: areas (translucent, under everything), area names, edges, boxes and notes, edge labels,
 * then the legend below the drawing.
 */

/** The palette of the web's board (web/src/lib/diagram/palette.ts): ink on every fill at better than 7:1. */
export const INK = '#1d232b';
export const AREA_FILL: Record<DiagramColour, string> = { sand: '#f6e7c8', sky: '#d9ebfa', leaf: '#dcf0d5', rose: '#f9dde0', stone: '#e6e4df', lilac: '#e9e0f6' };
export const AREA_BORDER: Record<DiagramColour, string> = { sand: '#7a5a12', sky: '#1d4f7a', leaf: '#2f5d24', rose: '#7f1d2d', stone: '#4a4740', lilac: '#4c2f7a' };
/** Area fills are drawn at this opacity, so overlapping areas show through each other. */
export const AREA_OPACITY = 0.6;

export type ShapeKind = 'roundRect' | 'diamond' | 'pill' | 'rect' | 'card';

const BOX_STYLE: Record<Exclude<DiagramNodeKind, 'area'>, { shape: ShapeKind; fill: string; stroke: string; radius: number; bold: boolean; dash: boolean }> = {
  step: { shape: 'roundRect', fill: '#ffffff', stroke: INK, radius: 6, bold: false, dash: false },
  decision: { shape: 'diamond', fill: '#fdf3d8', stroke: '#713f12', radius: 0, bold: false, dash: false },
  terminal: { shape: 'pill', fill: '#e3f4e8', stroke: '#14532d', radius: 0, bold: false, dash: false },
  role: { shape: 'rect', fill: '#e8eef8', stroke: '#1e3a8a', radius: 0, bold: true, dash: false },
  person: { shape: 'rect', fill: '#ffffff', stroke: INK, radius: 0, bold: false, dash: false },
  note: { shape: 'card', fill: '#fff7c2', stroke: '#713f12', radius: 4, bold: false, dash: true }
};

/** Sizes, in the editor's units (a box is 7–14rem wide at 16 px, 3rem high at least, padded 0.5rem 0.8rem). */
export const SIZES = {
  font: 16,
  leading: 1.3,
  edgeFont: 14,
  minW: 112,
  maxW: 224,
  minH: 48,
  padX: 13,
  padY: 8,
  noteMaxW: 192,
  areaW: 320,
  areaH: 200,
  stroke: 2,
  areaStroke: 3,
  arrow: 11,
  margin: 24
} as const;

export interface Point {
  x: number;
  y: number;
}
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One line of a label: its text as drawn, its left end and baseline. */
export interface LabelLine {
  text: string;
  x: number;
  baseline: number;
  width: number;
}

/** A label laid out: its lines (with positions), the typesetter's result (the PDF draws from it), its box. */
export interface Label {
  lines: LabelLine[];
  laid: Laid;
  /** Where the PDF draws line i: top-left `(x, top + i × lineHeight)` across `width`, aligned as `align`. */
  x: number;
  top: number;
  width: number;
  size: number;
  bold: boolean;
  align: 'left' | 'center';
  box: Rect;
}

export interface AreaShape {
  id: string;
  /** The area's name as typed (the legend lays it out again). */
  text: string;
  rect: Rect;
  fill: string;
  stroke: string;
  label: Label;
}

export interface BoxShape extends Rect {
  id: string;
  kind: Exclude<DiagramNodeKind, 'area'>;
  shape: ShapeKind;
  /** Corner radius (a pill's is half its height; a diamond has none). */
  radius: number;
  fill: string;
  stroke: string;
  dash: boolean;
  label: Label;
}

export interface EdgeShape {
  id: string;
  /** Where the line leaves the source's border. */
  from: Point;
  /** Where the arrow's tip touches the target's border. */
  to: Point;
  /** Where the line stops (the arrowhead's base), so the stroke never pokes past the tip. */
  shaftEnd: Point;
  /** The line, from `from` to `shaftEnd`: two points when straight, four when it goes round other boxes. */
  points: Point[];
  /** The arrowhead: tip, then its two back corners. */
  arrow: [Point, Point, Point];
  label: Label | null;
}

export interface LegendShape {
  title: Label;
  items: { swatch: Rect; fill: string; stroke: string; label: Label }[];
  box: Rect;
}

export interface DiagramGeometry {
  /** Everything drawn lies inside. */
  bounds: Rect;
  areas: AreaShape[];
  boxes: BoxShape[];
  edges: EdgeShape[];
  legend: LegendShape | null;
}

const spanOf = (text: string, bold: boolean): Span => ({ text, bold, struck: false, muted: false, italic: false, href: null });

/** Newlines in a label are spaces on paper (the editor shows one paragraph per node). */
const labelText = (s: string) => clean(s).replace(/\n+/g, ' ').trim();

function label(set: Typesetter, text: string, maxWidth: number, size: number, bold: boolean, align: 'left' | 'center'): Label {
  const style: TextStyle = { size, leading: SIZES.leading, bold, align };
  const laid = set.layout([spanOf(labelText(text), bold)], maxWidth, style);
  const width = Math.max(0, ...laid.lines.map((l) => l.width));
  return { lines: [], laid, x: 0, top: 0, width, size, bold, align, box: { x: 0, y: 0, w: width, h: laid.lines.length * laid.lineHeight } };
}

/** Places a label with its top-left at (x, top), `width` wide (centred lines are centred across it). */
function place(set: Typesetter, l: Label, x: number, top: number, width: number): Label {
  const reg = set.faces.regular;
  const { lineHeight } = l.laid;
  const lines = l.laid.lines.map((line, i): LabelLine => {
    const lx = l.align === 'center' ? x + (width - line.width) / 2 : x;
    const baseline = top + i * lineHeight + (lineHeight - (reg.ascent + reg.descent) * l.size) / 2 + reg.ascent * l.size;
    return { text: line.chars.map((c) => c.text).join(''), x: lx, baseline, width: line.width };
  });
  const boxX = l.align === 'center' ? x + (width - l.width) / 2 : x;
  return { ...l, lines, x, top, width, box: { x: boxX, y: top, w: l.width, h: l.laid.lines.length * lineHeight } };
}

/** Where a ray from the centre of `b` towards `d` (a direction) leaves its border. */
export function borderPoint(b: Pick<BoxShape, 'x' | 'y' | 'w' | 'h' | 'shape' | 'radius'>, d: Point): Point {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const hw = b.w / 2;
  const hh = b.h / 2;
  const len = Math.hypot(d.x, d.y);
  if (len === 0) return { x: cx, y: cy + hh };
  const ux = d.x / len;
  const uy = d.y / len;
  if (b.shape === 'diamond') {
    // |x|/hw + |y|/hh = 1
    const t = 1 / (Math.abs(ux) / hw + Math.abs(uy) / hh);
    return { x: cx + ux * t, y: cy + uy * t };
  }
  // The rectangle first; then, if that point is in a rounded corner, the corner's circle.
  const tx = ux === 0 ? Infinity : hw / Math.abs(ux);
  const ty = uy === 0 ? Infinity : hh / Math.abs(uy);
  const t = Math.min(tx, ty);
  const px = ux * t;
  const py = uy * t;
  const r = Math.min(b.radius, hw, hh);
  if (r > 0 && Math.abs(px) > hw - r && Math.abs(py) > hh - r) {
    // Corner centre k, in the quadrant of the ray; the ray leaves the circle at the larger root.
    const kx = Math.sign(px) * (hw - r);
    const ky = Math.sign(py) * (hh - r);
    const bq = ux * kx + uy * ky;
    const c = kx * kx + ky * ky - r * r;
    const s = bq + Math.sqrt(Math.max(0, bq * bq - c));
    return { x: cx + ux * s, y: cy + uy * s };
  }
  return { x: cx + px, y: cy + py };
}

/** Whether the segment p–q passes through the box (a little inside its border). */
function crosses(p: Point, q: Point, b: Rect): boolean {
  const x0 = b.x + 2;
  const x1 = b.x + b.w - 2;
  const y0 = b.y + 2;
  const y1 = b.y + b.h - 2;
  // Liang–Barsky clipping of the segment against the box.
  let t0 = 0;
  let t1 = 1;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  for (const [pp, qq] of [[-dx, p.x - x0], [dx, x1 - p.x], [-dy, p.y - y0], [dy, y1 - p.y]] as const) {
    if (pp === 0) {
      if (qq < 0) return false;
      continue;
    }
    const r = qq / pp;
    if (pp < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1) return false;
  }
  return true;
}

const union = (rects: Rect[]): Rect => {
  const minX = Math.min(...rects.map((r) => r.x));
  const minY = Math.min(...rects.map((r) => r.y));
  const maxX = Math.max(...rects.map((r) => r.x + r.w));
  const maxY = Math.max(...rects.map((r) => r.y + r.h));
  return { x: minX, y: minY, w: maxX - minX, h: maxY - minY };
};

function boxOf(set: Typesetter, n: DiagramNode & { kind: Exclude<DiagramNodeKind, 'area'> }): BoxShape {
  const style = BOX_STYLE[n.kind];
  const maxText = (n.kind === 'note' ? SIZES.noteMaxW : SIZES.maxW) - 2 * SIZES.padX;
  const laid = label(set, n.label, maxText, n.kind === 'note' ? 14 : SIZES.font, style.bold, 'center');
  const textH = laid.box.h;
  // The editor's box: as wide as its text (within 7–14rem), as high as its lines, top-left at (x, y).
  const ew = n.kind === 'note' ? Math.max(80, laid.width + 2 * SIZES.padX) : Math.max(SIZES.minW, laid.width + 2 * SIZES.padX);
  const eh = Math.max(n.kind === 'note' ? 36 : SIZES.minH, textH + 2 * SIZES.padY);
  let w = ew;
  let h = eh;
  let x = n.x;
  let y = n.y;
  if (style.shape === 'diamond') {
    // A diamond holds its text's box when it is twice as wide and high; grown about the editor box's centre.
    w = Math.max(ew, laid.width * 2 + 24);
    h = Math.max(eh * 1.4, textH * 2 + 12);
    x = n.x + ew / 2 - w / 2;
    y = n.y + eh / 2 - h / 2;
  }
  if (style.shape === 'pill') w = Math.max(ew, laid.width + 2 * SIZES.padX + h * 0.6);
  const radius = style.shape === 'pill' ? h / 2 : style.radius;
  const placed = place(set, laid, x, y + (h - textH) / 2, w);
  return { id: n.id, kind: n.kind, shape: style.shape, x, y, w, h, radius, fill: style.fill, stroke: style.stroke, dash: style.dash, label: placed };
}

/** The geometry of a diagram: what to draw and where, in the editor's units. Null when it has no node. */
export function diagramGeometry(diagram: Diagram, language: Language): DiagramGeometry | null {
  if (diagram.nodes.length === 0) return null;
  const set = new Typesetter(language);
  const areas: AreaShape[] = [];
  const boxes: BoxShape[] = [];
  for (const n of diagram.nodes) {
    if (n.kind === 'area') {
      const colour = n.colour ?? 'sand';
      const rect = { x: n.x, y: n.y, w: n.w ?? SIZES.areaW, h: n.h ?? SIZES.areaH };
      const inner = Math.max(40, rect.w - 2 * 10);
      const l = label(set, n.label, inner, SIZES.font, true, 'left');
      areas.push({ id: n.id, text: n.label, rect, fill: AREA_FILL[colour], stroke: AREA_BORDER[colour], label: place(set, l, rect.x + 10, rect.y + 8, inner) });
    } else {
      boxes.push(boxOf(set, n as DiagramNode & { kind: Exclude<DiagramNodeKind, 'area'> }));
    }
  }
  const shapeOf = new Map<string, BoxShape | { x: number; y: number; w: number; h: number; shape: ShapeKind; radius: number }>();
  for (const b of boxes) shapeOf.set(b.id, b);
  for (const a of areas) shapeOf.set(a.id, { ...a.rect, shape: 'rect', radius: 0 });

  const edges: EdgeShape[] = [];
  const arrowAt = (to: Point, ux: number, uy: number) => {
    const a = SIZES.arrow;
    const base = { x: to.x - ux * a, y: to.y - uy * a };
    const arrow: [Point, Point, Point] = [to, { x: base.x - uy * a * 0.45, y: base.y + ux * a * 0.45 }, { x: base.x + uy * a * 0.45, y: base.y - ux * a * 0.45 }];
    return { base, arrow };
  };
  const edgeLabel = (text: string, at: Point, beside: boolean): Label | null => {
    if (labelText(text) === '') return null;
    const laid = label(set, text, 150, SIZES.edgeFont, false, beside ? 'left' : 'center');
    return place(set, laid, beside ? at.x + 6 : at.x - laid.width / 2, at.y - laid.box.h / 2, laid.width);
  };
  for (const e of diagram.edges) {
    const s = shapeOf.get(e.source);
    const t = shapeOf.get(e.target);
    if (!s || !t || e.source === e.target) continue;
    const sc = { x: s.x + s.w / 2, y: s.y + s.h / 2 };
    const tc = { x: t.x + t.w / 2, y: t.y + t.h / 2 };
    const d = { x: tc.x - sc.x, y: tc.y - sc.y };
    const len = Math.hypot(d.x, d.y);
    if (len === 0) continue;
    const ux = d.x / len;
    const uy = d.y / len;
    // A straight line that would cross another box (a workflow's way back up) goes round them on the right.
    const blocking = boxes.filter((b) => b.id !== e.source && b.id !== e.target && crosses(sc, tc, b));
    if (blocking.length > 0) {
      const from = { x: s.x + s.w, y: sc.y };
      const to = { x: t.x + t.w, y: tc.y };
      const side = Math.max(from.x, to.x, ...blocking.map((b) => b.x + b.w)) + 28;
      const { base, arrow } = arrowAt(to, -1, 0);
      const points = [from, { x: side, y: from.y }, { x: side, y: to.y }, base];
      edges.push({ id: e.id, from, to, shaftEnd: base, points, arrow, label: edgeLabel(e.label, { x: side, y: (from.y + to.y) / 2 }, true) });
      continue;
    }
    const from = borderPoint(s, d);
    const to = borderPoint(t, { x: -d.x, y: -d.y });
    // Overlapping shapes: the borders cross, so no line would show; such an edge is left out of the picture (it is in the text list).
    if ((to.x - from.x) * ux + (to.y - from.y) * uy <= SIZES.arrow) continue;
    const { base, arrow } = arrowAt(to, ux, uy);
    edges.push({ id: e.id, from, to, shaftEnd: base, points: [from, base], arrow, label: edgeLabel(e.label, { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 }, false) });
  }

  const pad = (r: Rect, p: number): Rect => ({ x: r.x - p, y: r.y - p, w: r.w + 2 * p, h: r.h + 2 * p });
  const drawn: Rect[] = [
    ...areas.map((a) => pad(a.rect, SIZES.areaStroke)),
    ...areas.map((a) => pad(a.label.box, 3)),
    ...boxes.map((b) => pad(b, SIZES.stroke)),
    ...boxes.map((b) => b.label.box),
    ...edges.flatMap((e) => [pad(union([...e.points, e.to, ...e.arrow].map((p) => ({ ...p, w: 0, h: 0 }))), SIZES.stroke), ...(e.label ? [pad(e.label.box, 3)] : [])])
  ];
  let bounds = pad(union(drawn), SIZES.margin);

  // The legend of a zoning sketch: a swatch and the name of each area, in rows under the drawing.
  let legend: LegendShape | null = null;
  if (areas.length > 0) {
    const width = Math.max(bounds.w - 2 * SIZES.margin, 240);
    const left = bounds.x + SIZES.margin;
    let y = bounds.y + bounds.h;
    const title = place(set, label(set, words(language).legend, width, SIZES.font, true, 'left'), left, y, width);
    y += title.box.h + 4;
    const items: LegendShape['items'] = [];
    let x = left;
    let rowH = 0;
    const ordered = [...areas].sort((p, q) => p.rect.y - q.rect.y || p.rect.x - q.rect.x);
    for (const a of ordered) {
      const l = label(set, a.text, Math.min(width - 34, 260), SIZES.font, false, 'left');
      const itemW = 34 + l.width + 20;
      const itemH = Math.max(SIZES.font * SIZES.leading, l.box.h) + 8;
      if (x > left && x + itemW > left + width) {
        x = left;
        y += rowH;
        rowH = 0;
      }
      items.push({ swatch: { x, y: y + 4 + (SIZES.font * SIZES.leading - 16) / 2, w: 24, h: 16 }, fill: a.fill, stroke: a.stroke, label: place(set, l, x + 34, y + 4, l.width) });
      rowH = Math.max(rowH, itemH);
      x += itemW;
    }
    const box = union([title.box, ...items.flatMap((i) => [i.swatch, i.label.box])]);
    legend = { title, items, box };
    bounds = union([bounds, pad(box, SIZES.margin)]);
  }
  return { bounds, areas, boxes, edges, legend };
}
