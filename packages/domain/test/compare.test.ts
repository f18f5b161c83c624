import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOutlines, diffWords, outlineOf, runsText, type ComparisonEntry, type Outline, type TreeNode, type WordPart } from '../src/index.ts';

/** The tree the editor's Yjs content reads as (realtime-server/src/yjs/outline.ts). */
const art = (id: string | null, text: string): TreeNode => ({ element: 'article', attrs: id === null ? {} : { id }, children: [{ runs: [{ text }] }] });
const chapter = (text: string): TreeNode => ({ element: 'heading', attrs: { level: 2 }, children: [{ runs: [{ text }] }] });
const section = (text: string): TreeNode => ({ element: 'heading', attrs: { level: 3 }, children: [{ runs: [{ text }] }] });
const para = (text: string): TreeNode => ({ element: 'paragraph', attrs: {}, children: [{ runs: [{ text }] }] });

const older = (parts: readonly WordPart[]) => parts.filter((p) => p.op !== 'ins').map((p) => p.text).join('');
const newer = (parts: readonly WordPart[]) => parts.filter((p) => p.op !== 'del').map((p) => p.text).join('');
/** An entry as one line: what changed, where, and the words with [-removed-] and {+added+}. */
function line(e: ComparisonEntry): string {
  if (e.type === 'unchanged') return `unchanged ${e.articles ? `${e.articles.first}-${e.articles.last}` : '-'} +${e.headings}h`;
  const where = `${e.from?.label ?? '∅'}→${e.to?.label ?? '∅'}`;
  const words = e.words.map((w) => (w.op === 'same' ? w.text : w.op === 'del' ? `[-${w.text}-]` : `{+${w.text}+}`)).join('');
  return `${e.type} ${e.change} ${where}${words ? ` ${words}` : ''}`;
}

const CHARTER = [
  chapter('总则'),
  art('a1', '本会名称为滨河东里商居联合会。'),
  art('a2', '本会是居民与商户自愿组成的议事组织。'),
  art('a3', '本会每季度召开一次全体会议，由理事会召集。'),
  art('a4', '本会接受街道办事处的指导。'),
  chapter('组织机构'),
  art('a5', '理事会由九人组成。')
];

describe('comparing two versions of a document article by article [D24]', () => {
  it('[D24] an article inserted above 第三条 is 新增 as 第三条; the old 第三条, changed, is 第四条 with its words marked; the rest is renumbered', () => {
    const v1 = outlineOf(CHARTER);
    const v2 = outlineOf([
      CHARTER[0]!,
      CHARTER[1]!,
      CHARTER[2]!,
      art('n1', '本会坚持公开、公平、公正的原则。'),
      art('a3', '本会每月召开一次全体会议，由理事长召集。'),
      ...CHARTER.slice(4)
    ]);
    const { entries, summary, coarse } = compareOutlines(v1, v2);
    expect(entries.map(line)).toEqual([
      'unchanged 1-2 +1h',
      'article added ∅→第三条 {+本会坚持公开、公平、公正的原则。+}',
      'article changed 第三条→第四条 本会[-每季度-]{+每月+}召开一次全体会议，由理事[-会-]{+长+}召集。',
      'article renumbered 第四条→第五条',
      'unchanged - +1h',
      'article renumbered 第五条→第六条'
    ]);
    const changed = entries[2] as Exclude<ComparisonEntry, { type: 'unchanged' }>;
    expect(changed.id).toBe('a3');
    // Each says the chapter it stands in (a chapter heading itself stands in none).
    expect(entries.map((e) => (e.type === 'unchanged' ? null : e.chapter))).toEqual([null, { label: '第一章', title: '总则' }, { label: '第一章', title: '总则' }, { label: '第一章', title: '总则' }, null, { label: '第二章', title: '组织机构' }]);
    expect(summary).toEqual({ added: 1, removed: 0, changed: 1, renumbered: 3, headings: 0 });
    expect(coarse).toBe(false);
  });

  it('[D24] a removed article stays where it was; chapters and sections are added, removed and renamed by title', () => {
    const v1 = outlineOf([chapter('总则'), art('a1', '甲。'), art('a2', '乙。'), chapter('会员'), section('入会'), art('a3', '丙。'), chapter('附则'), art('a4', '丁。')]);
    const v2 = outlineOf([chapter('总则'), art('a1', '甲。'), chapter('会员与会费'), art('a3', '丙。'), chapter('财务'), art('a9', '戊。'), chapter('附则'), art('a4', '丁。')]);
    expect(compareOutlines(v1, v2).entries.map(line)).toEqual([
      'unchanged 1-1 +1h',
      'article removed 第二条→∅ [-乙。-]',
      'chapter renamed 第二章→第二章 会员{+与会费+}',
      'section removed 第一节→∅ [-入会-]',
      'article renumbered 第三条→第二条',
      'chapter added ∅→第三章 {+财务+}',
      'article added ∅→第三条 {+戊。+}',
      'chapter renumbered 第三章→第四章',
      'unchanged 4-4 +0h'
    ]);
    expect(compareOutlines(v1, v2).summary).toEqual({ added: 1, removed: 1, changed: 0, renumbered: 1, headings: 3 });
  });

  it('[D24] the paragraphs and list items under an article are part of it; the text before the first heading is its own part', () => {
    const v1 = outlineOf([para('序言：为了议事。'), art('a1', '会员的义务：'), { element: 'orderedList', attrs: {}, children: [{ element: 'listItem', attrs: {}, children: [para('遵守章程')] }] }]);
    const v2 = outlineOf([para('序言：为了更好地议事。'), art('a1', '会员的义务：'), { element: 'orderedList', attrs: {}, children: [{ element: 'listItem', attrs: {}, children: [para('遵守章程')] }, { element: 'listItem', attrs: {}, children: [para('按时缴费')] }] }]);
    expect(compareOutlines(v1, v2).entries.map(line)).toEqual([
      'preamble changed → 序言：为了{+更好地+}议事。',
      'article changed 第一条→第一条 会员的义务：\n1. 遵守章程{+\n2. 按时缴费+}'
    ]);
  });

  it('[D24] articles without an id, or with an id met twice, are matched by number and each still appears once', () => {
    const v1 = outlineOf([art(null, '甲。'), art('x', '乙。'), art('x', '丙。')]);
    const v2 = outlineOf([art(null, '甲。'), art('x', '乙。'), art('x', '丙丙。')]);
    expect(compareOutlines(v1, v2).entries.map(line)).toEqual(['unchanged 1-2 +0h', 'article changed 第三条→第三条 丙{+丙+}。']);
  });

  it('[D24] a single character the same between two changes is folded in, so a rewritten clause reads whole', () => {
    const { words } = diffWords('由理事会的全体成员召集', '由秘书处的工作人员召集');
    expect(words.filter((w) => w.op === 'same').map((w) => w.text)).toEqual(['由', '召集']);
    expect(older(words)).toBe('由理事会的全体成员召集');
    expect(newer(words)).toBe('由秘书处的工作人员召集');
  });

  it('[D24] a huge rewritten article is diffed within the budget: shown whole, quickly, and still reassembles', () => {
    const a = '甲乙丙丁'.repeat(25_000);
    const b = '子丑寅卯'.repeat(25_000);
    const started = performance.now();
    const result = compareOutlines(outlineOf([art('a1', `开头${a}结尾`)]), outlineOf([art('a1', `开头${b}结尾`)]));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.coarse).toBe(true);
    const entry = result.entries[0] as Exclude<ComparisonEntry, { type: 'unchanged' }>;
    expect(entry.words.map((w) => w.op)).toEqual(['same', 'del', 'ins', 'same']);
    expect(older(entry.words)).toBe(`开头${a}结尾`);
    expect(newer(entry.words)).toBe(`开头${b}结尾`);
  });

  it('[D24] many changed articles share one budget: past it the rest are shown whole, never slower', () => {
    const many = (s: string) => Array.from({ length: 40 }, (_, k) => art(`a${k}`, `${k}${s.repeat(300)}`));
    const started = performance.now();
    const result = compareOutlines(outlineOf(many('会员代表')), outlineOf(many('理事成员')));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.coarse).toBe(true);
    expect(result.summary.changed).toBe(40);
  });
});

// Property tests: documents made of chapters, sections and articles (ids from a small pool, some
// missing or repeated) and a second version made from the first by inserts, deletes and edits.
const WORDS = ['本会', '会员', '理事会', '的', '，', '。', '召开', '会议', '每月', '一', '次', 'a', ' ', '由'];
const textArb = fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }).map((w) => w.join(''));
const blockArb: fc.Arbitrary<TreeNode> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { freq: 8 }), textArb).map(([id, t]) => art(id, t)) },
  { weight: 1, arbitrary: textArb.map(chapter) },
  { weight: 1, arbitrary: textArb.map(section) }
);
const docArb = fc.array(blockArb, { maxLength: 14 });
const editArb = fc.array(fc.tuple(fc.constantFrom('insert', 'delete', 'edit'), fc.nat(), blockArb, textArb), { maxLength: 6 });
function edited(doc: readonly TreeNode[], edits: readonly [string, number, TreeNode, string][]): TreeNode[] {
  const out = [...doc];
  for (const [op, at, block, text] of edits) {
    const k = out.length === 0 ? 0 : at % out.length;
    if (op === 'insert') out.splice(at % (out.length + 1), 0, block);
    else if (op === 'delete' && out.length > 0) out.splice(k, 1);
    else if (op === 'edit' && out.length > 0) {
      const old = out[k]!;
      if (!('runs' in old)) out[k] = { ...old, children: [{ runs: [{ text }] }] };
    }
  }
  return out;
}
/** The article numbers of one side that the entries name: every article exactly once means 1..n in some order, no repeats. */
function articlesNamed(entries: readonly ComparisonEntry[], side: 'from' | 'to'): number[] {
  return entries.flatMap((e) => {
    if (e.type === 'unchanged') return e.articles ? Array.from({ length: e.articles.last - e.articles.first + 1 }, (_, k) => e.articles!.first + k) : [];
    if (e.type !== 'article') return [];
    const place = e[side];
    return place ? [place.number] : [];
  });
}
const articleCount = (o: Outline) => o.blocks.filter((b) => b.kind === 'article').length;
/** The texts a unit of this kind and number may have (sections are numbered within their chapter, so several). */
const unitTexts = (o: Outline, kind: string, n: number) => o.blocks.filter((b) => b.kind === kind && 'number' in b && b.number === n).map((b) => runsText(b.runs));

describe('comparison properties [D24]', () => {
  it('[D24] a version compared with itself shows no change', () => {
    fc.assert(
      fc.property(docArb, (doc) => {
        const o = outlineOf(doc);
        const { entries, summary } = compareOutlines(o, o);
        expect(entries.every((e) => e.type === 'unchanged')).toBe(true);
        expect(entries.length).toBeLessThanOrEqual(1);
        expect(summary).toEqual({ added: 0, removed: 0, changed: 0, renumbered: 0, headings: 0 });
        expect(articlesNamed(entries, 'to')).toEqual(Array.from({ length: articleCount(o) }, (_, k) => k + 1));
      }),
      { numRuns: 300 }
    );
  });

  it('[D24] every article of both versions appears exactly once, and the marked words reassemble both texts exactly', () => {
    fc.assert(
      fc.property(docArb, editArb, (doc, edits) => {
        const from = outlineOf(doc);
        const to = outlineOf(edited(doc, edits));
        const { entries } = compareOutlines(from, to);
        for (const [side, o] of [['from', from], ['to', to]] as const) {
          expect(articlesNamed(entries, side).sort((x, y) => x - y)).toEqual(Array.from({ length: articleCount(o) }, (_, k) => k + 1));
        }
        for (const e of entries) {
          if (e.type === 'unchanged' || e.change === 'renumbered') continue;
          const kind = e.type;
          if (e.from) expect(unitTexts(from, kind, e.from.number)).toContain(older(e.words));
          else expect(e.words.every((w) => w.op === 'ins')).toBe(true);
          if (e.to) expect(unitTexts(to, kind, e.to.number)).toContain(newer(e.words));
          else expect(e.words.every((w) => w.op === 'del')).toBe(true);
        }
      }),
      { numRuns: 500 }
    );
  });

  it('[D24] any two texts: the word diff reassembles both, and parts of one kind never touch', () => {
    const anyText = fc.oneof(textArb, fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 30 }));
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        const { words } = diffWords(a, b);
        expect(older(words)).toBe(a);
        expect(newer(words)).toBe(b);
        expect(words.every((w, k) => w.text !== '' && (k === 0 || words[k - 1]!.op !== w.op))).toBe(true);
        if (a === b) expect(words.every((w) => w.op === 'same')).toBe(true);
      }),
      { numRuns: 1000 }
    );
  });
});
