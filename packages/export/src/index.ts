/*
 * @yishi/export: a record document (plain data from the domain) to bytes, and the printables. Pure
 * functions: the only I/O is reading the embedded fonts once per process.
 */
import { renderDocx } from './docx.ts';
import { renderMarkdown } from './markdown.ts';
import type { RecordDocument } from './model.ts';
import { renderPdf } from './pdf/minutes.ts';

export { renderDocx } from './docx.ts';
export { renderMarkdown } from './markdown.ts';
export { renderPdf } from './pdf/minutes.ts';
export { renderPoster, renderSignInSheet, renderSignInSheets, type PosterInput, type SignInInput } from './pdf/printables.ts';
export { FONT_FILES } from './pdf/fonts.ts';

export const FORMATS = ['md', 'docx', 'pdf'] as const;
export type Format = (typeof FORMATS)[number];

export interface Rendered {
  bytes: Uint8Array;
  contentType: string;
  extension: Format;
}

const CONTENT_TYPES: Record<Format, string> = {
  md: 'text/markdown; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
};

export async function render(doc: RecordDocument, format: Format): Promise<Rendered> {
  const bytes =
    format === 'md' ? new TextEncoder().encode(renderMarkdown(doc)) : format === 'docx' ? await renderDocx(doc) : await renderPdf(doc);
  return { bytes, contentType: CONTENT_TYPES[format], extension: format };
}
