import type { Diagram } from '@yishi/domain';
import type { Language } from '../model.ts';
import { clean } from '../text.ts';
import { faces, type FaceKey } from '../pdf/fonts.ts';
import { AREA_OPACITY, INK, SIZES, diagramGeometry, type BoxShape, type DiagramGeometry, type Label, type Point } from './geometry.ts';

/*
 * A diagram as a standalone SVG file [D36]: the Markdown export's picture, and the DOCX's (with a PNG
 * made from it). Every label is character data, escaped (`&`, `<`, `>`, quotes), inside <text>: nothing
 * a person typed becomes an element, an attribute or a link, and characters no font draws (a bidi
 * override among them) were made visible by the geometry's typesetter [D37]. No script, no external
 * reference, no <foreignObject>; the text is in Noto Sans SC, the font the PDF embeds.
 */

export const SVG_FONT_FAMILY = "'Noto Sans SC', 'Noto Emoji', sans-serif";

/** Text as XML character data or an attribute value; what XML 1.0 cannot carry is dropped. */
export function xmlText(s: string): string {
  return clean(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();
const pts = (ps: Point[]) => ps.map((p) => `${n(p.x)},${n(p.y)}`).join(' ');

/** Labels as <text> (the SVG file a person opens) or as the embedded font's glyph outlines (for rasterising). */
type TextWriter = (l: Label, halo: number) => string;

const haloAttrs = (width: number) => (width > 0 ? ` stroke="#ffffff" stroke-width="${n(width)}" stroke-linejoin="round" paint-order="stroke"` : '');

const textElements: TextWriter = (l, halo) =>
  l.lines
    .map((line) => `<text x="${n(line.x)}" y="${n(line.baseline)}" font-size="${n(l.size)}"${l.bold ? ' font-weight="700"' : ''} fill="${INK}"${haloAttrs(halo)}>${xmlText(line.text)}</text>`)
    .join('');

/**
 * Labels drawn as the outlines of the glyphs the PDF embeds (each glyph defined once, then used where
 * it stands): resvg then draws no text itself, which for a large diagram is fifty times faster, and
 * the picture has exactly the PDF's letterforms. Only for the PNG; the SVG files keep real text [D37].
 */
function glyphWriter(): { write: TextWriter; defs: () => string } {
  const all = faces();
  const defs = new Map<string, string>();
  const write: TextWriter = (l, halo) => {
    const out: string[] = [];
    l.laid.lines.forEach((line, li) => {
      const placed = l.lines[li]!;
      let x = placed.x;
      let k = 0;
      while (k < line.chars.length) {
        const face: FaceKey = line.chars[k]!.face;
        let e = k + 1;
        while (e < line.chars.length && line.chars[e]!.face === face) e++;
        const font = all[face].font as unknown as { unitsPerEm: number; layout(s: string): { glyphs: { id: number; path: { toSVG(): string } }[]; positions: { xAdvance: number; xOffset: number; yOffset: number }[] } };
        const scale = l.size / font.unitsPerEm;
        const run = font.layout(line.chars.slice(k, e).map((c) => c.text).join(''));
        run.glyphs.forEach((glyph, gi) => {
          const id = `${face[0]}${glyph.id}`;
          if (!defs.has(id)) defs.set(id, glyph.path.toSVG());
          const pos = run.positions[gi]!;
          const d = defs.get(id)!;
          if (d !== '') out.push(`<use href="#${id}" transform="translate(${n(x + pos.xOffset * scale)} ${n(placed.baseline - pos.yOffset * scale)}) scale(${scale.toFixed(5)} ${(-scale).toFixed(5)})"/>`);
          x += pos.xAdvance * scale;
        });
        k = e;
      }
    });
    if (out.length === 0) return '';
    const scale = l.size / all.regular.font.unitsPerEm;
    return `<g fill="${INK}"${haloAttrs(halo / scale)}>${out.join('')}</g>`;
  };
  return { write, defs: () => `<defs>${[...defs].map(([id, d]) => `<path id="${id}" d="${d}"/>`).join('')}</defs>` };
}

function shape(b: BoxShape): string {
  const stroke = `fill="${b.fill}" stroke="${b.stroke}" stroke-width="${SIZES.stroke}"${b.dash ? ' stroke-dasharray="6 4"' : ''}`;
  if (b.shape === 'diamond') {
    const cx = b.x + b.w / 2;
    const cy = b.y + b.h / 2;
    return `<polygon points="${pts([{ x: cx, y: b.y }, { x: b.x + b.w, y: cy }, { x: cx, y: b.y + b.h }, { x: b.x, y: cy }])}" ${stroke}/>`;
  }
  return `<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.w)}" height="${n(b.h)}"${b.radius > 0 ? ` rx="${n(b.radius)}"` : ''} ${stroke}/>`;
}

/**
 * The SVG of a laid-out diagram; `title` is its accessible name (and tooltip). `outlines`: labels as
 * the embedded font's glyph outlines instead of <text> (for rasterising only).
 */
export function geometrySvg(g: DiagramGeometry, title: string, options: { outlines?: boolean } = {}): string {
  const { bounds: b } = g;
  const glyphs = options.outlines ? glyphWriter() : null;
  const text = (l: Label, halo = 0) => (glyphs ? glyphs.write(l, halo) : textElements(l, halo));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(b.w)}" height="${n(b.h)}" viewBox="${n(b.x)} ${n(b.y)} ${n(b.w)} ${n(b.h)}" role="img" aria-labelledby="diagram-title" font-family="${xmlText(SVG_FONT_FAMILY)}">`,
    `<title id="diagram-title">${xmlText(title)}</title>`,
    `<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.w)}" height="${n(b.h)}" fill="#ffffff"/>`
  );
  for (const a of g.areas) {
    out.push(`<rect x="${n(a.rect.x)}" y="${n(a.rect.y)}" width="${n(a.rect.w)}" height="${n(a.rect.h)}" rx="6" fill="${a.fill}" fill-opacity="${AREA_OPACITY}" stroke="${a.stroke}" stroke-width="${SIZES.areaStroke}"/>`);
  }
  // Area names over every area, with a white halo, so overlapping areas hide none of them.
  for (const a of g.areas) out.push(text(a.label, 4));
  for (const e of g.edges) {
    out.push(`<polyline points="${pts(e.points)}" fill="none" stroke="${INK}" stroke-width="${SIZES.stroke}" stroke-linejoin="round"/>`);
    out.push(`<polygon points="${pts(e.arrow)}" fill="${INK}"/>`);
  }
  for (const box of g.boxes) out.push(shape(box), text(box.label));
  for (const e of g.edges) if (e.label) out.push(text(e.label, 5));
  if (g.legend) {
    out.push(text(g.legend.title));
    for (const i of g.legend.items) {
      out.push(`<rect x="${n(i.swatch.x)}" y="${n(i.swatch.y)}" width="${n(i.swatch.w)}" height="${n(i.swatch.h)}" rx="3" fill="${i.fill}" stroke="${i.stroke}" stroke-width="${SIZES.areaStroke}"/>`, text(i.label));
    }
  }
  if (glyphs) out.splice(2, 0, glyphs.defs());
  out.push('</svg>');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${out.join('\n')}\n`;
}

/** A diagram as an SVG file, or null when it has nothing to draw. */
export function renderDiagramSvg(diagram: Diagram, language: Language, title: string): string | null {
  const g = diagramGeometry(diagram, language);
  return g ? geometrySvg(g, title) : null;
}
