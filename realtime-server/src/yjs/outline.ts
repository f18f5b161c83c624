import { isSafeHref, outlineOf, type Outline, type OutlineRun, type TreeNode } from '@yishi/domain';
import * as Y from 'yjs';
import { readContent } from './contentDoc.ts';
import { EDITOR_FRAGMENT } from './docVersions.ts';

/**
 * A rich-text document's content (a named version's bytes, or a live document's state) read as the
 * domain's plain outline: the Y.XmlFragment the editor writes to, element by element, text by its
 * formatting. Nothing here trusts the bytes: whatever the schema does not admit is skipped by
 * `outlineOf`, and only the marks the schema has are read (bold, italic, a safe link).
 */
export function outlineOfContent(content: Uint8Array): Outline {
  return readContent(content, outlineOfDoc);
}

/** The outline of a Y.Doc as it stands. */
export function outlineOfDoc(doc: Y.Doc): Outline {
  return outlineOf(treeOf(doc.getXmlFragment(EDITOR_FRAGMENT)));
}

type Delta = { insert?: unknown; attributes?: Record<string, unknown> };

function runsOf(text: Y.XmlText): OutlineRun[] {
  const runs: OutlineRun[] = [];
  for (const op of text.toDelta() as Delta[]) {
    if (typeof op.insert !== 'string') continue; // embeds are not in the schema
    const run: OutlineRun = { text: op.insert };
    const attrs = op.attributes ?? {};
    if (attrs.bold != null) run.bold = true;
    if (attrs.italic != null) run.italic = true;
    const link = attrs.link as { href?: unknown } | null | undefined;
    if (link && typeof link === 'object' && isSafeHref(link.href)) run.href = link.href;
    runs.push(run);
  }
  return runs;
}

/** Depth-bounded: a document the editor made is a few levels deep; anything deeper is not read. */
const MAX_DEPTH = 8;

function treeOf(parent: Y.XmlFragment | Y.XmlElement, depth = 0): TreeNode[] {
  if (depth > MAX_DEPTH) return [];
  const out: TreeNode[] = [];
  for (const child of parent.toArray()) {
    if (child instanceof Y.XmlText) out.push({ runs: runsOf(child) });
    else if (child instanceof Y.XmlElement) out.push({ element: child.nodeName, attrs: child.getAttributes() as Record<string, unknown>, children: treeOf(child, depth + 1) });
  }
  return out;
}
