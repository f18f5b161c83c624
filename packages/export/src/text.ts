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
  italic: boolean;
  /** A link's address, only when it is http, https or mailto (`linkable`); null otherwise. */
  href: string | null;
}

/**
 * An address a renderer may link: http(s) with a host or mailto, no whitespace or control characters in
 * it. Anything else (`javascript:`, a relative path) is printed as the text it is, unlinked.
 */
export function linkable(href: unknown): href is string {
  // eslint-disable-next-line no-control-regex
  return typeof href === 'string' && href.length <= 2048 && /^(https?:\/\/[^/\s]|mailto:[^\s])[^\s\u0000-\u001f\u007f-\u009f]*$/i.test(href);
}

export function span(inline: Inline): Span {
  if (typeof inline === 'string') return { text: clean(inline), bold: false, struck: false, muted: false, italic: false, href: null };
  return {
    text: clean(inline.text),
    bold: inline.bold === true,
    struck: inline.struck === true,
    muted: inline.muted === true,
    italic: inline.italic === true,
    href: linkable(inline.href) ? inline.href : null,
  };
}

/** A list's marker and depth for item `i`: its own when the list carries them, else 1., 2., … or a bullet. */
export function listMarker(b: Extract<Block, { kind: 'list' }>, i: number): { marker: string; depth: number } {
  const own = b.markers?.[i];
  const depth = Math.min(Math.max(Math.trunc(b.depths?.[i] ?? 0), 0), 8);
  return { marker: typeof own === 'string' ? clean(own).slice(0, 12) : b.ordered ? `${i + 1}.` : '•', depth: Number.isFinite(depth) ? depth : 0 };
}

export const plain = (inlines: Inline[]): string => inlines.map((i) => span(i).text).join('');

/** The document's blocks, headed by its title when the first block is not already the level-1 heading. */
export function withTitle(doc: RecordDocument): Block[] {
  const first = doc.blocks[0];
  if (first?.kind === 'heading' && first.level === 1) return doc.blocks;
  return [{ kind: 'heading', level: 1, text: doc.title }, ...doc.blocks];
}
