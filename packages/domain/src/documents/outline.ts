import { chapterLabel, articleLabel, sectionLabel } from './numerals.ts';

/**
 * A rich-text document (the charter, notes, the minutes draft) as plain data, read from its Yjs content
 * in the charter's schema (`web/src/lib/editor/charterSchema.ts`), numbered the way the editor numbers
 * it: chapters 第N章, sections 第N节 within their chapter, articles 第N条 through the whole text. What
 * the schema does not admit is not read: an unknown element is skipped, an unknown mark ignored, a link
 * whose href is not http, https or mailto keeps its text and loses its href. The exports print it, the
 * version comparison compares it article by article (by each article's stable id).
 */

/** A run of text with its marks. */
export interface OutlineRun {
  text: string;
  bold?: true;
  italic?: true;
  /** http, https or mailto only (`isSafeHref`). */
  href?: string;
}

export type OutlineBlock =
  | { kind: 'chapter'; number: number; label: string; runs: OutlineRun[] }
  | { kind: 'section'; number: number; label: string; runs: OutlineRun[] }
  /** `id` is the article's stable id (null only in a document written outside the editor). */
  | { kind: 'article'; id: string | null; number: number; label: string; runs: OutlineRun[] }
  | { kind: 'paragraph'; runs: OutlineRun[] }
  /** One list item; `depth` 0 is a top-level item; `marker` is "1." in an ordered list, "•" otherwise. */
  | { kind: 'item'; depth: number; marker: string; runs: OutlineRun[] };

export interface Outline {
  blocks: OutlineBlock[];
}

/** http, https and mailto only; whitespace and control characters (which browsers strip) do not hide a scheme. */
export function isSafeHref(href: unknown): href is string {
  if (typeof href !== 'string' || href.length > 2048) return false;
  // eslint-disable-next-line no-control-regex
  const squeezed = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  return /^(https?:\/\/[^/\s]|mailto:[^\s])/i.test(squeezed) && squeezed === href.trim();
}

const ARTICLE_ID = /^[A-Za-z0-9_-]{1,40}$/;

/** An article id as the editor keeps it, or null. */
export const articleIdOf = (value: unknown): string | null => (typeof value === 'string' && ARTICLE_ID.test(value) ? value : null);

/** The plain text of some runs. */
export const runsText = (runs: readonly OutlineRun[]): string => runs.map((r) => r.text).join('');

/**
 * A node of a rich-text document's tree, whatever it was read from: an element with a name, attributes
 * and children, or text as runs.
 */
export type TreeElement = { element: string; attrs: Record<string, unknown>; children: TreeNode[] };
export type TreeNode = TreeElement | { runs: OutlineRun[] };

/** Numbers a tree the way the editor does, keeping only what the schema admits. */
export function outlineOf(top: readonly TreeNode[]): Outline {
  const blocks: OutlineBlock[] = [];
  let chapter = 0;
  let section = 0;
  let article = 0;
  const inline = (children: readonly TreeNode[]): OutlineRun[] => {
    const runs: OutlineRun[] = [];
    for (const child of children) {
      if ('runs' in child) runs.push(...child.runs.filter((r) => r.text !== ''));
      else if (child.element === 'hardBreak') runs.push({ text: '\n' });
    }
    return runs;
  };
  const list = (node: TreeElement, depth: number): void => {
    const ordered = node.element === 'orderedList';
    const startAttr = node.attrs.start;
    let n = typeof startAttr === 'number' && Number.isInteger(startAttr) && startAttr > 0 && startAttr < 10_000 ? startAttr : 1;
    for (const item of node.children) {
      if ('runs' in item || item.element !== 'listItem') continue;
      const marker = ordered ? `${n++}.` : '•';
      let first = true;
      for (const part of item.children) {
        if ('runs' in part) continue;
        if (part.element === 'paragraph') {
          blocks.push({ kind: 'item', depth, marker: first ? marker : '', runs: inline(part.children) });
          first = false;
        } else if (part.element === 'bulletList' || part.element === 'orderedList') list(part, depth + 1);
      }
    }
  };
  for (const node of top) {
    if ('runs' in node) continue;
    switch (node.element) {
      case 'heading':
        if (node.attrs.level === 2 || node.attrs.level === '2') {
          chapter++;
          section = 0;
          blocks.push({ kind: 'chapter', number: chapter, label: chapterLabel(chapter), runs: inline(node.children) });
        } else if (node.attrs.level === 3 || node.attrs.level === '3') {
          section++;
          blocks.push({ kind: 'section', number: section, label: sectionLabel(section), runs: inline(node.children) });
        }
        break;
      case 'article':
        article++;
        blocks.push({ kind: 'article', id: articleIdOf(node.attrs.id), number: article, label: articleLabel(article), runs: inline(node.children) });
        break;
      case 'paragraph':
        blocks.push({ kind: 'paragraph', runs: inline(node.children) });
        break;
      case 'bulletList':
      case 'orderedList':
        list(node, 0);
        break;
      default:
      // Not in the schema: not read.
    }
  }
  return { blocks };
}
