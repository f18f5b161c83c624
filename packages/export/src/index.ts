/*
 * @yishi/export: a record document (plain data from the domain) to bytes, and the printables. Pure
 * functions: the only I/O is reading the embedded fonts once per process.
 */
import { renderDocx } from './docx.ts';
import { renderMarkdown } from './markdown.ts';
import type { RecordDocument } from './model.ts';
import { renderPdf } from './pdf/minutes.ts';
import { zipSync } from 'fflate';
import { clean } from './text.ts';
import { renderDiagramSvg } from './diagram/svg.ts';

export { renderDocx } from './docx.ts';
export { renderMarkdown } from './markdown.ts';
export { renderPdf } from './pdf/minutes.ts';
export { renderPoster, renderSignInSheet, renderSignInSheets, type PosterInput, type SignInInput } from './pdf/printables.ts';
export { FONT_FILES } from './pdf/fonts.ts';
export { diagramGeometry, type DiagramGeometry } from './diagram/geometry.ts';
export { renderDiagramSvg, geometrySvg } from './diagram/svg.ts';
export { svgToPng } from './diagram/raster.ts';

export const FORMATS = ['md', 'docx', 'pdf'] as const;
export type Format = (typeof FORMATS)[number];

export interface Rendered {
  bytes: Uint8Array;
  contentType: string;
  /** `zip` for the Markdown of a document with diagrams: the .md and its .svg pictures together. */
  extension: Format | 'zip';
}

export interface RenderOptions {
  /** The download's name without its extension: the files inside a Markdown bundle are named after it. */
  fileBase?: string;
}

const CONTENT_TYPES: Record<Format, string> = {
  md: 'text/markdown; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
};

export async function render(doc: RecordDocument, format: Format, options: RenderOptions = {}): Promise<Rendered> {
  if (format === 'md') return renderMarkdownBundle(doc, options.fileBase ?? 'document');
  const bytes = format === 'docx' ? await renderDocx(doc) : await renderPdf(doc);
  return { bytes, contentType: CONTENT_TYPES[format], extension: format };
}

/** A file name's base made safe inside a zip: no path separators or characters Windows refuses. */
const safeBase = (base: string) => clean(base).replace(/[\\/:*?"<>|\u0000-\u001f]/g, ' ').trim().slice(0, 80) || 'document';

/**
 * The Markdown export. A document without diagrams is one .md file. One with diagrams is a zip holding
 * `<base>.md` and each picture as `<base>-图<n>.svg` beside it, which the Markdown shows as images
 * (`![…](<base>-图1.svg)`) [D36]: one download, and once unpacked every Markdown viewer shows the
 * pictures, where two separate downloads would lose each other (a browser renames the second copy).
 */
export function renderMarkdownBundle(doc: RecordDocument, fileBase: string): Rendered {
  const base = safeBase(fileBase);
  const svgs: string[] = [];
  const imageWord = doc.language === 'en' ? 'diagram' : '图';
  const name = (i: number) => `${base}-${imageWord}${i}.svg`;
  for (const b of doc.blocks) {
    if (b.kind !== 'diagram') continue;
    svgs.push(renderDiagramSvg(b.diagram, doc.language, clean(b.caption)) ?? '');
  }
  const markdown = new TextEncoder().encode(renderMarkdown(doc, name));
  if (svgs.length === 0) return { bytes: markdown, contentType: CONTENT_TYPES.md, extension: 'md' };
  const files: Record<string, Uint8Array> = { [`${base}.md`]: markdown };
  svgs.forEach((svg, i) => {
    if (svg !== '') files[name(i + 1)] = new TextEncoder().encode(svg);
  });
  const bytes = zipSync(files, { level: 6, mtime: new Date('2026-01-01T00:00:00Z') });
  return { bytes, contentType: 'application/zip', extension: 'zip' };
}
