import type { Block, Inline, RecordDocument } from './model.ts';
import { clean, listMarker, span, withTitle } from './text.ts';
import { words } from './words.ts';

/*
 * Markdown (CommonMark + GFM tables). Every user string goes through `escape`, so whatever it holds —
 * `*`, `<script>`, `| a |`, `# `, `1. ` at the start of a line — reads as the text it is: each ASCII
 * punctuation character that can open markup is backslash-escaped (CommonMark lets any ASCII punctuation
 * be escaped, `\<` and `\&` included, so no raw HTML or entity survives), and what only means something at
 * the start of a line (`-`, `+`, `=`, `1.`) is escaped there.
 */

const INLINE_SPECIALS = /[\\`*_{}[\]()#>|<&~!]/g;

/** One line of user text as Markdown text; `lineStart` when it begins a line of the output. */
function escapeLine(line: string, lineStart: boolean): string {
  const body = line.replace(INLINE_SPECIALS, (c) => `\\${c}`);
  if (!lineStart) return body;
  // Indentation would make a code block; a leading `-`, `+`, `=` or `1.` a list or a heading underline.
  return body.replace(/^[ \u00A0]+/, '').replace(/^([-+=])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}

/** User text that may hold newlines; `join` is what goes between its lines (a hard break, `<br>` in a cell, a space). */
export function escape(text: string, join = '\\\n', lineStart = true): string {
  const breaksLine = join.includes('\n');
  return clean(text)
    .split('\n')
    .map((line, i) => escapeLine(line, i === 0 ? lineStart : breaksLine))
    .join(join);
}

const PUNCT = /[\p{P}\p{S}]/u;
const SPACE = /\s/u;
/** Whether a delimiter between `outside` and `inside` can open or close emphasis (CommonMark's flanking rules). */
const flanks = (outside: string, inside: string) => !PUNCT.test(inside) || outside === '' || SPACE.test(outside) || PUNCT.test(outside);

function inlines(list: Inline[], join?: string, lineStart = true): string {
  let out = '';
  // When a marked-up span ends in punctuation, what follows must be a space or punctuation for it to close.
  let closeNeedsRoom = false;
  for (const i of list) {
    const s = span(i);
    const text = escape(s.text, join, lineStart && out === '');
    if (text === '') continue;
    if (closeNeedsRoom && !SPACE.test(text[0]!) && !PUNCT.test(text[0]!)) out += ' ';
    closeNeedsRoom = false;
    if (text.trim() === '' || !(s.bold || s.struck || s.muted || s.italic || s.href !== null)) {
      out += text;
      continue;
    }
    // Emphasis markers must touch non-space text, so surrounding spaces move outside them.
    const [, lead, core, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(text)!;
    let marked = core!;
    if (s.href !== null) marked = `[${marked}](<${destination(s.href)}>)`;
    if (s.struck) marked = `~~${marked}~~`;
    const slanted = s.italic || (s.muted && !s.bold);
    if (slanted) marked = `*${marked}*`;
    if (s.bold) marked = `**${marked}**`;
    // The outermost delimiter run: `***` for bold italic, else the outer one's own length.
    const delim = s.bold && slanted ? 3 : s.bold ? 2 : slanted ? 1 : s.struck ? 2 : 0;
    const before = lead === '' ? (out.at(-1) ?? '') : ' ';
    // CJK text has no spaces, and a delimiter next to punctuation (`（`, `“`) only opens after a space or punctuation.
    if (delim > 0 && !flanks(before, marked[delim]!)) out += ' ';
    out += `${lead}${marked}`;
    if (trail !== '') out += trail;
    else closeNeedsRoom = delim > 0 && PUNCT.test(marked[marked.length - delim - 1]!);
  }
  return out;
}

/** A link's address inside `<…>`: what would end it (`<`, `>`, a backslash, a space) percent-encoded. */
const destination = (href: string): string => href.replace(/[<>\\\s]/g, (c) => encodeURIComponent(c));

const cell = (list: Inline[]): string => inlines(list, '<br>') || ' ';

function table(header: string[], rows: string[][]): string {
  const cols = Math.max(header.length, ...rows.map((r) => r.length), 1);
  const pad = (r: string[]) => Array.from({ length: cols }, (_, i) => r[i] ?? ' ');
  const line = (r: string[]) => `| ${pad(r).join(' | ')} |`;
  return [line(header), line(pad([]).map(() => '---')), ...rows.map(line)].join('\n');
}

/** The file a diagram's picture is in, beside the Markdown (`i` counts the document's diagrams from 1). */
export type DiagramFileName = (i: number) => string;
export const defaultDiagramFile: DiagramFileName = (i) => `diagram-${i}.svg`;

function block(b: Block, doc: RecordDocument, diagramFile: () => string): string {
  const w = words(doc.language);
  switch (b.kind) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${escape(b.text, ' ')}`;
    case 'paragraph':
      return inlines(b.inlines);
    case 'fields':
      return b.rows.map((r) => `- **${escape(r.label, ' ')}**${w.colon}${escape(r.value, '\\\n  ')}`).join('\n');
    case 'table':
      return table(
        b.header.map((h) => escape(h, '<br>') || ' '),
        b.rows.map((r) => r.map(cell))
      );
    case 'list': {
      // A nested item is indented to its parent's text (CommonMark), each level by its own marker's width.
      const cols: number[] = [0];
      let out = '';
      b.items.forEach((item, i) => {
        const { marker, depth } = listMarker(b, i);
        const d = Math.min(depth, cols.length - 1);
        const pad = ' '.repeat(cols[d]!);
        if (marker === '') {
          // An item's further paragraph: a blank line, then its text at the item's text column.
          const inner = ' '.repeat(cols[d + 1] ?? cols[d]! + 2);
          out += `\n\n${inner}${inlines(item, `\\\n${inner}`)}`;
          return;
        }
        const mark = marker === '•' ? '- ' : /^\d{1,9}[.)]$/.test(marker) ? `${marker} ` : '- ';
        cols.length = d + 1;
        cols.push(cols[d]! + mark.length);
        out += `${out === '' ? '' : '\n'}${pad}${mark}${inlines(item, `\\\n${' '.repeat(cols[d + 1]!)}`)}`;
      });
      return out;
    }
    case 'note':
      return `> *${escape(b.text, '\\\n> ')}*`;
    case 'signatures':
      return table(
        [w.role, w.name, w.signature, escape(b.dateLabel, ' ')],
        b.rows.map((r) => [escape(r.role, '<br>'), escape(r.name, '<br>') || ' ', ' ', ' '])
      );
    case 'diagram':
      // The picture is an SVG file beside this one [D36]; its caption is the image's alternative text.
      return `![${escape(b.caption, ' ', false)}](<${destination(diagramFile())}>)\n\n${escape(b.caption, ' ')}`;
    case 'verify':
      return [
        `**${escape(b.label, ' ')}**`,
        escape(b.text),
        [`- ${w.entry}${w.colon}${b.seq}`, `- ${w.hash}${w.colon}${hashCode(b.hash)}`, `- ${w.address}${w.colon}${link(b.url)}`].join('\n'),
      ].join('\n\n');
  }
}

/** A hex hash as code; anything else as escaped text. */
const hashCode = (hash: string): string => (/^[0-9a-fA-F]+$/.test(hash) ? `\`${hash}\`` : escape(hash, ' '));

/** An http(s) address as an autolink when it is one plain token; otherwise escaped text. */
const link = (url: string): string => (/^https?:\/\/[^\s<>`\\]+$/.test(url) ? `<${url}>` : escape(url, ' '));

export function renderMarkdown(doc: RecordDocument, diagramFile: DiagramFileName = defaultDiagramFile): string {
  let diagrams = 0;
  const parts = withTitle(doc)
    .map((b) => block(b, doc, () => diagramFile(++diagrams)))
    .filter((s) => s.trim() !== '');
  return `${parts.join('\n\n')}\n`;
}
