import * as Y from 'yjs';

/**
 * The charter skeleton (总则, 组织机构, 会员, 议事规则, 附则), inserted once even when two people press
 * "start from the skeleton" at the same moment. Each insertion claims the document in a shared map in
 * the same Yjs transaction; concurrent claims resolve to one winner on every replica (a Y.Map keeps one
 * value per key, the same everywhere). Whoever lost removes the copy it inserted — unless someone has
 * already written in it, in which case it stays (a duplicate heading is better than lost words).
 */

const META = 'charterMeta';
const CLAIM = 'skeleton';

export interface SkeletonPart {
  chapter: string;
  article: string;
  articleId: string;
}

/** What this replica inserted, to remove if its claim loses. */
interface Inserted {
  claim: string;
  elements: { element: Y.XmlElement; as: string }[];
}

const inserted = new WeakMap<Y.Doc, Inserted>();

function randomClaim(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether the document holds no text and no element but empty paragraphs (what an untouched editor shows). */
export function isBlank(fragment: Y.XmlFragment): boolean {
  return fragment.toArray().every((node) => node instanceof Y.XmlElement && node.nodeName === 'paragraph' && node.length === 0);
}

/**
 * Inserts the skeleton into `fragment` (the editor's field) if the document is blank and no one has
 * claimed it; answers whether it did. Blank paragraphs the editor left are replaced.
 */
export function insertSkeleton(fragment: Y.XmlFragment, parts: readonly SkeletonPart[]): boolean {
  const doc = fragment.doc;
  if (!doc) throw new Error('the fragment is not in a document');
  const meta = doc.getMap<string>(META);
  if (meta.has(CLAIM) || !isBlank(fragment)) return false;
  const claim = randomClaim();
  const elements: Y.XmlElement[] = [];
  doc.transact(() => {
    meta.set(CLAIM, claim);
    if (fragment.length > 0) fragment.delete(0, fragment.length);
    for (let i = 0; i < parts.length; i++) elements.push(new Y.XmlElement('heading'), new Y.XmlElement('article'));
    fragment.insert(0, elements);
    parts.forEach((part, i) => {
      const heading = elements[2 * i]!;
      const article = elements[2 * i + 1]!;
      heading.setAttribute('level', 2 as unknown as string);
      heading.insert(0, [new Y.XmlText(part.chapter)]);
      article.setAttribute('id', part.articleId);
      article.insert(0, [new Y.XmlText(part.article)]);
    });
  });
  inserted.set(doc, { claim, elements: elements.map((element) => ({ element, as: element.toString() })) });
  return true;
}

/**
 * Keeps one skeleton: when the claim this replica made has lost to another, removes its own copy
 * (the parts no one has changed since). Call once per document; returns a function that stops it.
 */
export function keepOneSkeleton(doc: Y.Doc, fragment: Y.XmlFragment): () => void {
  const meta = doc.getMap<string>(META);
  const settle = () => {
    const mine = inserted.get(doc);
    if (!mine || meta.get(CLAIM) === mine.claim) return;
    inserted.delete(doc);
    const untouched = new Set(mine.elements.filter(({ element, as }) => element.parent === fragment && element.toString() === as).map(({ element }) => element));
    if (untouched.size === 0) return;
    doc.transact(() => {
      const children = fragment.toArray();
      for (let i = children.length - 1; i >= 0; i--) if (untouched.has(children[i] as Y.XmlElement)) fragment.delete(i, 1);
    });
  };
  meta.observe(settle);
  return () => meta.unobserve(settle);
}

/** Whether someone has inserted the skeleton already (it is offered once per document). */
export const skeletonClaimed = (doc: Y.Doc): boolean => doc.getMap<string>(META).has(CLAIM);
