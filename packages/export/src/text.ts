import type { Block, Inline, RecordDocument } from './model.ts';

/**
 * What every renderer does to a user's string first: CRLF/CR become LF, tabs become spaces, and the
 * characters no format can carry are dropped — C0/C1 controls (XML 1.0 forbids them in document.xml),
 * lone surrogates, U+FFFE/U+FFFF.
 */
export function clean(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

/** An inline as a run with its flags, so renderers see one shape. */
export interface Span {
  text: string;
  bold: boolean;
  struck: boolean;
  muted: boolean;
}

export function span(inline: Inline): Span {
  if (typeof inline === 'string') return { text: clean(inline), bold: false, struck: false, muted: false };
  return { text: clean(inline.text), bold: inline.bold === true, struck: inline.struck === true, muted: inline.muted === true };
}

export const plain = (inlines: Inline[]): string => inlines.map((i) => span(i).text).join('');

/** The document's blocks, headed by its title when the first block is not already the level-1 heading. */
export function withTitle(doc: RecordDocument): Block[] {
  const first = doc.blocks[0];
  if (first?.kind === 'heading' && first.level === 1) return doc.blocks;
  return [{ kind: 'heading', level: 1, text: doc.title }, ...doc.blocks];
}
