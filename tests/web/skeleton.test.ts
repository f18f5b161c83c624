import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { insertSkeleton, keepOneSkeleton } from '../../web/src/lib/editor/skeleton.ts';

const parts = (tag: string) =>
  ['总则', '组织机构', '会员', '议事规则', '附则'].map((chapter, i) => ({ chapter, article: `条文${i + 1}`, articleId: `a${tag}${i}` }));

/** Two replicas of one document, each keeping one skeleton, synced when `sync` is called (as the server relays). */
function replicas() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const fa = a.getXmlFragment('default');
  const fb = b.getXmlFragment('default');
  keepOneSkeleton(a, fa);
  keepOneSkeleton(b, fb);
  const sync = () => {
    for (let round = 0; round < 3; round++) {
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
      Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
    }
  };
  return { a, b, fa, fb, sync };
}

const headings = (f: Y.XmlFragment) => f.toArray().filter((n) => n instanceof Y.XmlElement && n.nodeName === 'heading').map((n) => (n as Y.XmlElement).toArray().join(''));

describe('the charter skeleton is inserted once', () => {
  it('two people pressing "start from the skeleton" at the same moment end with one skeleton on both replicas', () => {
    const { a, fa, fb, sync } = replicas();
    // The editor leaves one empty paragraph in a fresh document: replaced.
    a.transact(() => fa.insert(0, [new Y.XmlElement('paragraph')]));
    sync();
    expect(insertSkeleton(fa, parts('x'))).toBe(true);
    expect(insertSkeleton(fb, parts('y'))).toBe(true);
    expect(fa.length).toBe(10);
    sync();
    expect(headings(fa)).toEqual(['总则', '组织机构', '会员', '议事规则', '附则']);
    expect(fa.toString()).toBe(fb.toString());
    const ids = fa.toArray().filter((n) => (n as Y.XmlElement).nodeName === 'article').map((n) => (n as Y.XmlElement).getAttribute('id'));
    // One person's copy, whole: all five article ids from the same insertion.
    expect(new Set(ids.map((id) => id!.slice(0, 2))).size).toBe(1);
    expect(fa.toArray().some((n) => (n as Y.XmlElement).nodeName === 'paragraph')).toBe(false);
  });

  it('a copy someone has already written in is kept (a duplicate heading, no lost words)', () => {
    const { fa, fb, sync } = replicas();
    insertSkeleton(fa, parts('x'));
    insertSkeleton(fb, parts('y'));
    // Both write into their own copy's first article before they hear of each other.
    for (const f of [fa, fb]) ((f.get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(0, '已修改：');
    sync();
    expect(fa.toString()).toBe(fb.toString());
    // The winner's copy whole, and of the loser's only the article someone wrote in.
    expect(fa.length).toBe(11);
    expect(fa.toString().split('已修改：').length - 1).toBe(2);
  });

  it('is not offered once the document has text or a claim', () => {
    const { a, b, fa, fb, sync } = replicas();
    const p = new Y.XmlElement('paragraph');
    a.transact(() => {
      fa.insert(0, [p]);
      p.insert(0, [new Y.XmlText('已有内容')]);
    });
    expect(insertSkeleton(fa, parts('x'))).toBe(false);
    a.transact(() => fa.delete(0, 1));
    expect(insertSkeleton(fa, parts('x'))).toBe(true);
    sync();
    // b now sees the claim: a blank-looking document after a delete is still not offered twice.
    b.transact(() => fb.delete(0, fb.length));
    expect(insertSkeleton(fb, parts('y'))).toBe(false);
  });
});
