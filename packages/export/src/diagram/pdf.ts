import type { Writer } from '../pdf/layout.ts';
import { AREA_OPACITY, INK, SIZES, type BoxShape, type DiagramGeometry, type Label } from './geometry.ts';

/*
 * A diagram drawn into the PDF as vectors [D36], from the same geometry as the SVG: the labels are the
 * PDF's text in the embedded (subset) Noto Sans SC, so they can be selected, searched and read by
 * pdftotext [D37]. One editor unit is 0.75 pt (a CSS pixel) at most; a wider or taller diagram is scaled
 * down to the text width and to a page's height, and starts a new page when it does not fit below.
 */

const PX = 0.75;

function label(w: Writer, l: Label): void {
  l.laid.lines.forEach((_, i) => w.drawLine({ ...l.laid, style: { ...l.laid.style, color: INK } }, i, l.x, l.top + i * l.laid.lineHeight, l.width));
}

function shape(w: Writer, b: BoxShape): void {
  const doc = w.doc;
  doc.save().lineWidth(SIZES.stroke).strokeColor(b.stroke).fillColor(b.fill);
  if (b.dash) doc.dash(6, { space: 4 });
  if (b.shape === 'diamond') {
    const cx = b.x + b.w / 2;
    const cy = b.y + b.h / 2;
    doc.polygon([cx, b.y], [b.x + b.w, cy], [cx, b.y + b.h], [b.x, cy]);
  } else if (b.radius > 0) {
    doc.roundedRect(b.x, b.y, b.w, b.h, b.radius);
  } else {
    doc.rect(b.x, b.y, b.w, b.h);
  }
  doc.fillAndStroke().restore();
}

/** Draws the geometry at the cursor, centred across the text width; the cursor moves below it. */
export function drawDiagram(w: Writer, g: DiagramGeometry): void {
  const { bounds } = g;
  const scale = Math.min(PX, w.width / bounds.w, (w.bottom - w.top) / bounds.h);
  const height = bounds.h * scale;
  w.ensure(height);
  const left = w.left + (w.width - bounds.w * scale) / 2;
  const doc = w.doc;
  doc.save();
  doc.translate(left, w.y).scale(scale).translate(-bounds.x, -bounds.y);
  for (const a of g.areas) {
    doc.save().lineWidth(SIZES.areaStroke).strokeColor(a.stroke).fillColor(a.fill).fillOpacity(AREA_OPACITY).roundedRect(a.rect.x, a.rect.y, a.rect.w, a.rect.h, 6).fill().restore();
    doc.save().lineWidth(SIZES.areaStroke).strokeColor(a.stroke).roundedRect(a.rect.x, a.rect.y, a.rect.w, a.rect.h, 6).stroke().restore();
  }
  for (const a of g.areas) label(w, a.label);
  for (const e of g.edges) {
    doc.save().lineWidth(SIZES.stroke).strokeColor(INK).lineJoin('round');
    const [first, ...rest] = e.points;
    doc.moveTo(first!.x, first!.y);
    for (const p of rest) doc.lineTo(p.x, p.y);
    doc.stroke().restore();
    doc.save().fillColor(INK).polygon(...e.arrow.map((p): [number, number] => [p.x, p.y])).fill().restore();
  }
  for (const b of g.boxes) {
    shape(w, b);
    label(w, b.label);
  }
  for (const e of g.edges) {
    if (!e.label) continue;
    const box = e.label.box;
    doc.save().fillColor('#ffffff').rect(box.x - 3, box.y - 1, box.w + 6, box.h + 2).fill().restore();
    label(w, e.label);
  }
  if (g.legend) {
    label(w, g.legend.title);
    for (const i of g.legend.items) {
      doc.save().lineWidth(SIZES.areaStroke).strokeColor(i.stroke).fillColor(i.fill).roundedRect(i.swatch.x, i.swatch.y, i.swatch.w, i.swatch.h, 3).fillAndStroke().restore();
      label(w, i.label);
    }
  }
  doc.restore();
  w.y += height;
}
