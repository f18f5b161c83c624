import { Extension, Node, mergeAttributes, type AnyExtension } from '@tiptap/core';
import Bold from '@tiptap/extension-bold';
import Document from '@tiptap/extension-document';
import HardBreak from '@tiptap/extension-hard-break';
import Heading from '@tiptap/extension-heading';
import Italic from '@tiptap/extension-italic';
import Link from '@tiptap/extension-link';
import { BulletList, ListItem, OrderedList } from '@tiptap/extension-list';
import Paragraph from '@tiptap/extension-paragraph';
import Text from '@tiptap/extension-text';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import type { Node as PmNode } from '@tiptap/pm/model';
import { articleIdOf, chapterLabel, isSafeHref, articleLabel, sectionLabel } from '@yishi/domain';

/**
 * The charter's schema: only these nodes, marks and attributes exist. Whatever else a Yjs document
 * holds (a `script`, `iframe` or `img` element, an `on*` attribute, a `javascript:` link) cannot be
 * built in this schema, so it is never rendered: an unknown element is dropped, an unknown attribute is
 * ignored, and a link whose href is not http, https or mailto renders without one.
 */

export { isSafeHref };

/** An article's stable id: 64 random bits, made once when the article is made. */
export function newArticleId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return 'a' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const validId = articleIdOf;

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    article: {
      /** Turns the current block into a numbered article (with a new id). */
      setArticle: () => ReturnType;
    };
  }
}

/**
 * A numbered article (条): a block of text with a stable id. Its number is not stored: it is drawn from
 * its position (see `numbering`), so two people inserting articles never conflict over numbers.
 */
export const Article = Node.create({
  name: 'article',
  group: 'block',
  content: 'inline*',
  defining: true,
  addAttributes() {
    return {
      id: {
        default: null,
        parseHTML: (element) => validId(element.getAttribute('data-article-id')),
        renderHTML: (attrs) => (validId(attrs.id) ? { 'data-article-id': attrs.id } : {})
      }
    };
  },
  parseHTML() {
    return [{ tag: 'p[data-article-id]', priority: 60 }];
  },
  renderHTML({ HTMLAttributes }) {
    return ['p', mergeAttributes(HTMLAttributes, { class: 'article' }), 0];
  },
  addCommands() {
    return {
      setArticle:
        () =>
        ({ commands }) =>
          commands.setNode(this.name, { id: newArticleId() })
    };
  }
});

const numberingKey = new PluginKey<DecorationSet>('charter-numbering');

/** 第N章 on chapters, 第N节 on sections (counted within their chapter), 第N条 on articles (counted through the whole charter). */
export function numberDecorations(doc: PmNode): DecorationSet {
  const decorations: Decoration[] = [];
  let chapter = 0;
  let section = 0;
  let article = 0;
  doc.descendants((node, pos) => {
    let label: string | null = null;
    if (node.type.name === 'heading' && node.attrs.level === 2) {
      chapter++;
      section = 0;
      label = chapterLabel(chapter);
    } else if (node.type.name === 'heading' && node.attrs.level === 3) {
      section++;
      label = sectionLabel(section);
    } else if (node.type.name === 'article') {
      article++;
      label = articleLabel(article);
    }
    if (label) decorations.push(Decoration.node(pos, pos + node.nodeSize, { 'data-number': label }));
    return !node.isTextblock;
  });
  return DecorationSet.create(doc, decorations);
}

/** Gives an article that has no id, or one another article already has (a split copies it), a new one. */
function fixArticleIds(state: EditorState): Transaction | null {
  const seen = new Set<string>();
  let tr: Transaction | null = null;
  state.doc.descendants((node, pos) => {
    if (node.type.name !== 'article') return !node.isTextblock;
    const id = validId(node.attrs.id);
    if (id && !seen.has(id)) {
      seen.add(id);
      return false;
    }
    const made = newArticleId();
    seen.add(made);
    tr ??= state.tr;
    tr.setNodeAttribute(pos, 'id', made);
    return false;
  });
  return tr;
}

/** Numbers drawn as decorations, recomputed on every change; ids kept unique by this editor's own edits. */
export const Numbering = Extension.create({
  name: 'charterNumbering',
  addProseMirrorPlugins() {
    return [
      new Plugin<DecorationSet>({
        key: numberingKey,
        state: {
          init: (_, state) => numberDecorations(state.doc),
          apply: (tr, old) => (tr.docChanged ? numberDecorations(tr.doc) : old)
        },
        props: {
          decorations: (state) => numberingKey.getState(state)
        },
        appendTransaction: (transactions, _old, state) => {
          // Only after this person's own edits: remote changes are fixed by their author.
          const local = transactions.some((tr) => tr.docChanged && !tr.getMeta('y-sync$'));
          if (!local || !state.schema.nodes.article) return null;
          return fixArticleIds(state);
        }
      })
    ];
  }
});

const SafeLink = Link.extend({
  // href only: no class, title, target or rel taken from a document.
  addAttributes() {
    return {
      href: {
        default: null,
        parseHTML: (element) => {
          const href = element.getAttribute('href');
          return isSafeHref(href) ? href : null;
        },
        renderHTML: (attrs) => (isSafeHref(attrs.href) ? { href: attrs.href } : {})
      }
    };
  }
}).configure({
  protocols: [],
  autolink: true,
  linkOnPaste: true,
  openOnClick: false,
  defaultProtocol: 'https',
  HTMLAttributes: { rel: 'noopener noreferrer nofollow', target: '_blank' },
  isAllowedUri: (url) => isSafeHref(url),
  shouldAutoLink: (url) => isSafeHref(url)
});

/** Every node and mark a charter may hold; nothing else. */
export function charterExtensions(): AnyExtension[] {
  return [
    Document,
    Paragraph,
    Text,
    Heading.configure({ levels: [2, 3] }),
    Article,
    BulletList,
    OrderedList,
    ListItem,
    Bold,
    Italic,
    SafeLink,
    HardBreak,
    Numbering
  ];
}
