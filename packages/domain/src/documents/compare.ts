import type { Diagram } from './diagram.ts';
import type { DiagramComparison } from './diagramCompare.ts';
import { runsText, type Outline, type OutlineBlock } from './outline.ts';

/**
 * Two versions of a rich-text document compared article by article [D24]. Articles are matched by their
 * stable id, so an article inserted above 第三条 is 新增 and the old 第三条 is the same article, now
 * 第四条 (renumbered: not a change of its content). Chapter and section headings have no id: they are
 * aligned by their titles (longest common subsequence) and what is left between two aligned headings is
 * paired by kind, in order, as renamed. Changed text is diffed word by word (Chinese is segmented with
 * `Intl.Segmenter`), within a bounded budget: past it a part is shown as removed and added whole, never
 * slower. Text only: a change of formatting alone (bold, a link) is not a change here.
 */

export type WordOp = 'same' | 'ins' | 'del';
/** A piece of text: in both versions (`same`), only in the newer (`ins`) or only in the older (`del`). */
export interface WordPart {
  op: WordOp;
  text: string;
}

/** Where a unit stands in one version: its number and label (第三条, 第二章; the preamble is 0, ''). */
export interface Place {
  number: number;
  label: string;
}

export type UnitKind = 'preamble' | 'chapter' | 'section' | 'article';

export type ComparisonEntry =
  /** A run of articles and headings with the same text and the same number on both sides, told compactly. */
  | { type: 'unchanged'; articles: { first: number; last: number } | null; headings: number }
  /**
   * One article or heading. `added`/`removed` carry its whole text as one part; `changed` (and, for
   * headings, `renamed`: the title itself changed) its words, which read as the older text without the
   * `ins` parts and as the newer without the `del` parts; `renumbered` (same text, another number)
   * carries none. A changed unit is renumbered too when `from.number !== to.number`.
   */
  | {
      type: UnitKind;
      /** The article's stable id (articles only; null for one written outside the editor). */
      id: string | null;
      change: 'added' | 'removed' | 'changed' | 'renamed' | 'renumbered';
      from: Place | null;
      to: Place | null;
      /** The chapter it stands in (in the newer version; in the older for a removed unit), for finding it. */
      chapter: { label: string; title: string } | null;
      words: WordPart[];
    };

export interface ComparisonSummary {
  added: number;
  removed: number;
  changed: number;
  /** Articles whose number changed, whether or not their text did. */
  renumbered: number;
  /** Chapter and section headings (and the text before them) added, removed, renamed or changed. */
  headings: number;
}

export interface Comparison {
  entries: ComparisonEntry[];
  summary: ComparisonSummary;
  /** Some changed text was too long to diff word by word within the budget and is shown whole. */
  coarse: boolean;
}

/** One side of a comparison: a named version, or the document's current text. */
export type ComparedSide = { kind: 'version'; versionId: string; name: string; at: number } | { kind: 'current' };

/** What the server answers for a comparison of two sides of one rich-text document (the web app renders it). */
export interface OutlineVersionComparison extends Comparison {
  format: 'outline';
  docId: string;
  from: ComparedSide;
  to: ComparedSide;
}

/** What the server answers for a comparison of two sides of a diagram [D34]: the changes, and the newer side to draw them on. */
export interface DiagramVersionComparison extends DiagramComparison {
  format: 'diagram';
  docId: string;
  from: ComparedSide;
  to: ComparedSide;
  /** The newer side as plain data (at most 300 nodes and 600 edges [D31]), so the page draws it with the changes marked. */
  diagram: Diagram;
}

/** The answer to a comparison: the document's kind decides which (`format`). */
export type VersionComparison = OutlineVersionComparison | DiagramVersionComparison;

/**
 * LCS cells one text pair may take (a 1 MB table) and all pairs of one comparison together; characters
 * one text may have to be segmented, and all texts of one comparison together.
 */
export const COMPARE_LIMITS = { cellsPerText: 1_000_000, cellsPerComparison: 4_000_000, charsPerText: 20_000, charsPerComparison: 200_000 } as const;

/** What is left of a comparison's budget: LCS cells and characters to segment. */
export interface DiffBudget {
  cells: number;
  chars: number;
}
const freshBudget = (): DiffBudget => ({ cells: COMPARE_LIMITS.cellsPerComparison, chars: COMPARE_LIMITS.charsPerComparison });

/** A unit of comparison: an article or heading (or the text before the first) with the loose text after it. */
interface Unit {
  kind: UnitKind;
  key: string;
  id: string | null;
  place: Place;
  /** The heading's title (alignment of headings). */
  title: string;
  text: string;
  chapter: { label: string; title: string } | null;
}

function bodyLine(block: OutlineBlock): string {
  if (block.kind === 'item') return '  '.repeat(Math.min(block.depth, 8)) + (block.marker ? `${block.marker} ` : '') + runsText(block.runs);
  return runsText(block.runs);
}

/** Cuts an outline into units; paragraphs and list items belong to the article or heading above them. */
function unitsOf(outline: Outline): Unit[] {
  const units: Unit[] = [];
  const lines: string[][] = [];
  const seen = new Set<string>();
  let chapter: Unit['chapter'] = null;
  for (const block of outline.blocks) {
    if (block.kind === 'paragraph' || block.kind === 'item') {
      if (units.length === 0) {
        units.push({ kind: 'preamble', key: 'preamble', id: null, place: { number: 0, label: '' }, title: '', text: '', chapter: null });
        lines.push([]);
      }
      lines[lines.length - 1]!.push(bodyLine(block));
      continue;
    }
    const title = runsText(block.runs);
    if (block.kind === 'chapter') chapter = null;
    if (block.kind === 'article') {
      // An id met twice (or none) is matched by number: its key cannot collide with an id (no ':').
      const key = block.id !== null && !seen.has(block.id) ? block.id : `n:${block.number}`;
      if (block.id !== null) seen.add(block.id);
      units.push({ kind: 'article', key, id: block.id, place: { number: block.number, label: block.label }, title, text: '', chapter });
    } else {
      units.push({ kind: block.kind, key: '', id: null, place: { number: block.number, label: block.label }, title, text: '', chapter });
    }
    if (block.kind === 'chapter') chapter = { label: block.label, title };
    lines.push([title]);
  }
  units.forEach((u, i) => {
    u.text = lines[i]!.join('\n');
  });
  return units;
}

/**
 * Index pairs of a longest common subsequence of `a` and `b` (equal by `===`), or null when
 * `a.length × b.length` is past `maxCells`. One byte of direction per cell, two rows of lengths.
 */
function lcsPairs<T>(a: readonly T[], b: readonly T[], maxCells: number): [number, number][] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [];
  if (n * m > maxCells) return null;
  const dir = new Uint8Array(n * m);
  let prev = new Uint32Array(m + 1);
  let cur = new Uint32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= m; j++) {
      const at = (i - 1) * m + (j - 1);
      if (ai === b[j - 1]) {
        cur[j] = prev[j - 1]! + 1;
        dir[at] = 0;
      } else if (prev[j]! >= cur[j - 1]!) {
        cur[j] = prev[j]!;
        dir[at] = 1;
      } else {
        cur[j] = cur[j - 1]!;
        dir[at] = 2;
      }
    }
    [prev, cur] = [cur, prev];
  }
  const pairs: [number, number][] = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    const d = dir[(i - 1) * m + (j - 1)];
    if (d === 0) pairs.push([--i, --j]);
    else if (d === 1) i--;
    else j--;
  }
  return pairs.reverse();
}

let segmenter: Intl.Segmenter | null | undefined;

/** Segmenting a long run of Chinese at once is superlinear in ICU (100,000 characters: over a minute); in pieces it is linear. */
const SEGMENT_PIECE = 128;

/** Words as a reader sees them: Chinese has no spaces, so a dictionary segmenter cuts it; else characters. */
export function wordsOf(text: string): string[] {
  if (segmenter === undefined) segmenter = typeof Intl === 'object' && typeof Intl.Segmenter === 'function' ? new Intl.Segmenter('zh', { granularity: 'word' }) : null;
  const words: string[] = [];
  // Pieces end after punctuation or a space where they can, else every SEGMENT_PIECE characters.
  for (const clause of text.split(/(?<=[\s，。；：、！？,.;:!?])/u)) {
    for (let at = 0; at < clause.length; ) {
      let end = Math.min(clause.length, at + SEGMENT_PIECE);
      if (end < clause.length && /[\ud800-\udbff]/.test(clause[end - 1]!)) end--; // never halve a surrogate pair
      const piece = clause.slice(at, end);
      if (segmenter) for (const s of segmenter.segment(piece)) words.push(s.segment);
      else words.push(...Array.from(piece));
      at = end;
    }
  }
  return words;
}

/** Merges neighbours of one kind, drops empty parts. */
function tidy(parts: readonly WordPart[]): WordPart[] {
  const out: WordPart[] = [];
  for (const p of parts) {
    if (p.text === '') continue;
    const last = out[out.length - 1];
    if (last && last.op === p.op) last.text += p.text;
    else out.push({ ...p });
  }
  return out;
}

/**
 * Each run of changes as one removal then one addition, and a single character left the same between
 * two changes (a 的 or a comma matched by chance) folded into both, so a rewritten clause reads whole.
 */
function readable(parts: readonly WordPart[]): WordPart[] {
  type Group = { same: string } | { del: string; ins: string };
  const groups: Group[] = [];
  for (const p of parts) {
    const last = groups[groups.length - 1];
    if (p.op === 'same') groups.push({ same: p.text });
    else if (last && 'del' in last) last[p.op] += p.text;
    else groups.push(p.op === 'del' ? { del: p.text, ins: '' } : { del: '', ins: p.text });
  }
  for (let k = 1; k < groups.length - 1; k++) {
    const [before, mid, after] = [groups[k - 1]!, groups[k]!, groups[k + 1]!];
    if ('same' in mid && 'del' in before && 'del' in after && Array.from(mid.same).length <= 1) {
      groups.splice(k - 1, 3, { del: before.del + mid.same + after.del, ins: before.ins + mid.same + after.ins });
      k = Math.max(0, k - 2);
    }
  }
  return tidy(groups.flatMap((g): WordPart[] => ('same' in g ? [{ op: 'same' as const, text: g.same }] : [{ op: 'del' as const, text: g.del }, { op: 'ins' as const, text: g.ins }])));
}

/** The longest common prefix and suffix of two strings, in UTF-16 units, never halving a surrogate pair. */
function commonEnds(a: string, b: string): [number, number] {
  const max = Math.min(a.length, b.length);
  let start = 0;
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  if (start > 0 && start < max && /[\ud800-\udbff]/.test(a[start - 1]!)) start--;
  let end = 0;
  while (end < max - start && a.charCodeAt(a.length - 1 - end) === b.charCodeAt(b.length - 1 - end)) end++;
  if (end > 0 && end < max - start && /[\udc00-\udfff]/.test(a[a.length - end]!)) end--;
  return [start, end];
}

/**
 * A word diff of two texts within `budget` (taken from it); `coarse` when it had to show the changed
 * middle whole: a text too long to segment, or too many words to align.
 */
export function diffWords(from: string, to: string, budget: DiffBudget = freshBudget()): { words: WordPart[]; coarse: boolean } {
  if (from === to) return { words: tidy([{ op: 'same', text: from }]), coarse: false };
  const chars = from.length + to.length;
  if (Math.max(from.length, to.length) > COMPARE_LIMITS.charsPerText || chars > budget.chars) {
    const [start, end] = commonEnds(from, to);
    const words = [
      { op: 'same', text: from.slice(0, start) },
      { op: 'del', text: from.slice(start, from.length - end) },
      { op: 'ins', text: to.slice(start, to.length - end) },
      { op: 'same', text: from.slice(from.length - end) }
    ] as const;
    return { words: tidy(words), coarse: true };
  }
  budget.chars -= chars;
  const a = wordsOf(from);
  const b = wordsOf(to);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const head: WordPart = { op: 'same', text: a.slice(0, start).join('') };
  const tail: WordPart = { op: 'same', text: a.slice(endA).join('') };
  const cells = midA.length * midB.length;
  const pairs = cells <= Math.min(budget.cells, COMPARE_LIMITS.cellsPerText) ? lcsPairs(midA, midB, Infinity) : null;
  if (!pairs) {
    return { words: tidy([head, { op: 'del', text: midA.join('') }, { op: 'ins', text: midB.join('') }, tail]), coarse: true };
  }
  budget.cells -= cells;
  const parts: WordPart[] = [head];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [midA.length, midB.length] as [number, number]]) {
    parts.push({ op: 'del', text: midA.slice(i, pi).join('') }, { op: 'ins', text: midB.slice(j, pj).join('') });
    if (pi < midA.length) parts.push({ op: 'same', text: midA[pi]! });
    i = pi + 1;
    j = pj + 1;
  }
  parts.push(tail);
  return { words: readable(tidy(parts)), coarse: false };
}

/** Pairs the headings of two versions: aligned by kind and title, then the rest between, by kind in order. */
function pairHeadings(from: readonly Unit[], to: readonly Unit[], fromIdx: readonly number[], toIdx: readonly number[]): [number, number][] {
  const sig = (u: Unit) => `${u.kind}\u0000${u.title}`;
  const anchors = lcsPairs(
    fromIdx.map((i) => sig(from[i]!)),
    toIdx.map((i) => sig(to[i]!)),
    COMPARE_LIMITS.cellsPerText
  ) ?? [];
  const pairs: [number, number][] = [];
  let fi = 0;
  let ti = 0;
  for (const [af, at] of [...anchors, [fromIdx.length, toIdx.length] as [number, number]]) {
    for (const kind of ['chapter', 'section'] as const) {
      const left = fromIdx.slice(fi, af).filter((i) => from[i]!.kind === kind);
      const right = toIdx.slice(ti, at).filter((i) => to[i]!.kind === kind);
      for (let k = 0; k < Math.min(left.length, right.length); k++) pairs.push([left[k]!, right[k]!]);
    }
    if (af < fromIdx.length) pairs.push([fromIdx[af]!, toIdx[at]!]);
    fi = af + 1;
    ti = at + 1;
  }
  return pairs;
}

/** Compares two outlines of one document, `from` the older. Pure; bounded in time and memory. */
export function compareOutlines(from: Outline, to: Outline): Comparison {
  const a = unitsOf(from);
  const b = unitsOf(to);
  const toOf = new Map<number, number>();
  const fromOf = new Map<number, number>();
  const pair = (i: number, j: number) => {
    toOf.set(i, j);
    fromOf.set(j, i);
  };
  const byKey = new Map<string, number>();
  b.forEach((u, j) => {
    if (u.kind === 'article' || u.kind === 'preamble') byKey.set(u.key, j);
  });
  a.forEach((u, i) => {
    const j = u.kind === 'article' || u.kind === 'preamble' ? byKey.get(u.key) : undefined;
    if (j !== undefined) pair(i, j);
  });
  const headings = (units: readonly Unit[]) => units.flatMap((u, i) => (u.kind === 'chapter' || u.kind === 'section' ? [i] : []));
  for (const [i, j] of pairHeadings(a, b, headings(a), headings(b))) pair(i, j);

  // The older version's units no longer there go after the last unit above them that both versions have.
  const removedAfter = new Map<number, number[]>();
  let lastKept = -1;
  a.forEach((_, i) => {
    const j = toOf.get(i);
    if (j !== undefined) lastKept = j;
    else removedAfter.set(lastKept, [...(removedAfter.get(lastKept) ?? []), i]);
  });

  const budget = freshBudget();
  let coarse = false;
  const summary: ComparisonSummary = { added: 0, removed: 0, changed: 0, renumbered: 0, headings: 0 };
  const entries: ComparisonEntry[] = [];
  const unchanged = (u: Unit) => {
    const last = entries[entries.length - 1];
    const run = last?.type === 'unchanged' ? last : (entries[entries.push({ type: 'unchanged', articles: null, headings: 0 }) - 1] as Extract<ComparisonEntry, { type: 'unchanged' }>);
    if (u.kind !== 'article') run.headings++;
    else if (run.articles) run.articles.last = u.place.number;
    else run.articles = { first: u.place.number, last: u.place.number };
  };
  const count = (kind: UnitKind, key: 'added' | 'removed' | 'changed') => (kind === 'article' ? summary[key]++ : summary.headings++);
  const removed = (i: number) => {
    const u = a[i]!;
    count(u.kind, 'removed');
    entries.push({ type: u.kind, id: u.id, change: 'removed', from: u.place, to: null, chapter: u.chapter, words: tidy([{ op: 'del', text: u.text }]) });
  };
  for (const i of removedAfter.get(-1) ?? []) removed(i);
  b.forEach((u, j) => {
    const i = fromOf.get(j);
    if (i === undefined) {
      count(u.kind, 'added');
      entries.push({ type: u.kind, id: u.id, change: 'added', from: null, to: u.place, chapter: u.chapter, words: tidy([{ op: 'ins', text: u.text }]) });
    } else {
      const old = a[i]!;
      const moved = old.place.number !== u.place.number;
      if (moved && u.kind === 'article') summary.renumbered++;
      if (old.text === u.text) {
        if (moved) entries.push({ type: u.kind, id: u.id, change: 'renumbered', from: old.place, to: u.place, chapter: u.chapter, words: [] });
        else unchanged(u);
      } else {
        const diff = diffWords(old.text, u.text, budget);
        coarse ||= diff.coarse;
        count(u.kind, 'changed');
        const change = u.kind !== 'article' && u.kind !== 'preamble' && old.title !== u.title ? 'renamed' : 'changed';
        entries.push({ type: u.kind, id: u.id, change, from: old.place, to: u.place, chapter: u.chapter, words: diff.words });
      }
    }
    for (const r of removedAfter.get(j) ?? []) removed(r);
  });
  return { entries, summary, coarse };
}
