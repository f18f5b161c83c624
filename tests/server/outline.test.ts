import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runsText } from '@yishi/domain';
import { outlineOfContent } from '../../realtime-server/src/yjs/outline.ts';

/** Builds content the way the editor's Yjs binding writes it: elements named by node type, text formatted by mark name. */
function content(build: (root: Y.XmlFragment) => void): Uint8Array {
  const doc = new Y.Doc();
  build(doc.getXmlFragment('default'));
  return Y.encodeStateAsUpdate(doc);
}

function element(name: string, attrs: Record<string, unknown>, children: (Y.XmlElement | Y.XmlText)[]): Y.XmlElement {
  const el = new Y.XmlElement(name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v as string);
  el.insert(0, children);
  return el;
}

function text(parts: [string, Record<string, unknown>?][]): Y.XmlText {
  const t = new Y.XmlText();
  // Formatting applies once the text is in a document; keep the parts and apply in `fill`.
  (t as unknown as { parts: typeof parts }).parts = parts;
  return t;
}

function fill(node: Y.XmlElement | Y.XmlFragment): void {
  for (const child of node.toArray()) {
    if (child instanceof Y.XmlText) {
      let at = 0;
      for (const [s, attrs] of (child as unknown as { parts: [string, Record<string, unknown>?][] }).parts) {
        child.insert(at, s, attrs ?? {});
        at += s.length;
      }
    } else if (child instanceof Y.XmlElement) fill(child);
  }
}

describe('a rich-text document read as an outline (the charter as the exports and the comparison read it)', () => {
  it('numbers chapters, sections within their chapter and articles through the text, keeps article ids and marks', () => {
    const bytes = content((root) => {
      root.insert(0, [
        element('heading', { level: 2 }, [text([['总则']])]),
        element('article', { id: 'aaaa1' }, [text([['本会名称为', {}], ['滨河东里', { bold: {} }], ['商居联合会。']])]),
        element('heading', { level: 3 }, [text([['宗旨']])]),
        element('article', { id: 'aaaa2' }, [text([['详见 ', {}], ['官网', { link: { href: 'https://example.org/' } }]])]),
        element('heading', { level: 2 }, [text([['组织机构']])]),
        element('heading', { level: 3 }, [text([['理事会']])]),
        element('article', { id: 'aaaa3' }, [text([['理事会由', {}], ['九人', { italic: {} }], ['组成。']])]),
        element('orderedList', { start: 1 }, [
          element('listItem', {}, [element('paragraph', {}, [text([['居民代表五人']])]), element('bulletList', {}, [element('listItem', {}, [element('paragraph', {}, [text([['每楼一人']])])])])]),
          element('listItem', {}, [element('paragraph', {}, [text([['商户代表四人']])])])
        ]),
        element('paragraph', {}, [text([['第一行']]), element('hardBreak', {}, []), text([['第二行']])])
      ]);
      fill(root);
    });
    const { blocks } = outlineOfContent(bytes);
    expect(blocks.map((b) => ('label' in b ? b.label : b.kind) + ' ' + runsText(b.runs))).toEqual([
      '第一章 总则',
      '第一条 本会名称为滨河东里商居联合会。',
      '第一节 宗旨',
      '第二条 详见 官网',
      '第二章 组织机构',
      '第一节 理事会',
      '第三条 理事会由九人组成。',
      'item 居民代表五人',
      'item 每楼一人',
      'item 商户代表四人',
      'paragraph 第一行\n第二行'
    ]);
    expect(blocks.filter((b) => b.kind === 'article').map((b) => b.kind === 'article' && b.id)).toEqual(['aaaa1', 'aaaa2', 'aaaa3']);
    expect(blocks[1]!.runs).toEqual([{ text: '本会名称为' }, { text: '滨河东里', bold: true }, { text: '商居联合会。' }]);
    expect(blocks[3]!.runs[1]).toEqual({ text: '官网', href: 'https://example.org/' });
    expect(blocks[6]!.runs[1]).toEqual({ text: '九人', italic: true });
    expect(blocks.filter((b) => b.kind === 'item').map((b) => b.kind === 'item' && `${b.depth}${b.marker}`)).toEqual(['01.', '1•', '02.']);
  });

  it('reads nothing the schema does not admit: unknown elements skipped, unsafe links lose their href, bad ids are null', () => {
    const bytes = content((root) => {
      root.insert(0, [
        element('script', {}, [text([['alert(1)']])]),
        element('iframe', { src: 'javascript:alert(1)' }, []),
        element('article', { id: 'bad id <b>', onclick: 'alert(1)' }, [text([['点我', { link: { href: ' JaVaScRiPt:alert(1)' } }], ['x', { link: { href: 'javascript&colon;alert(1)' } }], ['y', { strike: {} }]])]),
        element('heading', { level: 1 }, [text([['不是章']])]),
        element('paragraph', {}, [element('img', { src: 'x', onerror: 'alert(1)' }, []), text([['正文']])])
      ]);
      fill(root);
    });
    const { blocks } = outlineOfContent(bytes);
    expect(blocks).toEqual([
      { kind: 'article', id: null, number: 1, label: '第一条', runs: [{ text: '点我' }, { text: 'x' }, { text: 'y' }] },
      { kind: 'paragraph', runs: [{ text: '正文' }] }
    ]);
  });

  it('empty content is an empty outline; bytes that are not a Yjs update throw (the caller answers with an error)', () => {
    expect(outlineOfContent(new Uint8Array()).blocks).toEqual([]);
    expect(() => outlineOfContent(new Uint8Array([1, 2, 3, 4, 250, 250, 250]))).toThrow();
  });
});
