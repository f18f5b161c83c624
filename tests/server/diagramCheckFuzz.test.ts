import { DIAGRAM_LIMITS, diagramFieldProblem } from '@yishi/domain';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkDiagramUpdate } from '../../realtime-server/src/yjs/diagramCheck.ts';
import { checkUpdate } from '../../realtime-server/src/yjs/updateCheck.ts';
import { addNode, connect, edgesOf, nodesOf } from '../../web/src/lib/diagram/diagramDoc.ts';

/**
 * The diagram check fuzzed [D31]: random editors make random changes, good and bad (unknown kinds and
 * fields, long labels, other roots, nested maps, edges to nowhere), and random bytes of real updates
 * are flipped. The check never throws; whatever it lets through leaves the server's copy a well-formed
 * diagram (every entry a map of valid fields, every edge naming a node the document has held).
 */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function wellFormed(doc: Y.Doc, everKnown: Set<string>): string | null {
  for (const name of doc.share.keys()) if (name !== 'nodes' && name !== 'edges') return `root ${name}`;
  for (const [root, map] of [
    ['nodes', nodesOf(doc)],
    ['edges', edgesOf(doc)]
  ] as const) {
    for (const [id, entry] of map) {
      if (!(entry instanceof Y.Map)) return `${root}/${id} is not a map`;
      for (const [k, v] of entry) if (diagramFieldProblem(root, k, v)) return `${root}/${id}.${k}`;
      if (root === 'edges') for (const end of ['source', 'target']) if (!everKnown.has(entry.get(end) as string)) return `edge ${id} to ${String(entry.get(end))}`;
    }
  }
  if (nodesOf(doc).size > DIAGRAM_LIMITS.nodes) return 'too many nodes';
  return null;
}

describe('diagram check fuzz', () => {
  it('[D31] random good and bad changes: never throws; what passes keeps the diagram well formed', () => {
    const rand = prng(20261201);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const server = new Y.Doc();
    const everKnown = new Set<string>();
    let accepted = 0;
    let refused = 0;
    for (let round = 0; round < 400; round++) {
      const editor = new Y.Doc();
      Y.applyUpdate(editor, Y.encodeStateAsUpdate(server));
      const before = Y.encodeStateVector(editor);
      const ids = [...nodesOf(editor).keys()];
      const o = 'fuzz';
      const op = Math.floor(rand() * 12);
      if (op === 0) addNode(editor, { kind: pick(['step', 'decision', 'terminal', 'role', 'area', 'rocket'] as never[]), label: '步'.repeat(Math.floor(rand() * 260)), x: rand() * 1000, y: rand() * 1000 }, o);
      else if (op === 1 && ids.length > 1) connect(editor, pick(ids), pick(ids), o, pick(['', '是', '否', 'x'.repeat(80)]));
      else if (op === 2) {
        const e = new Y.Map<unknown>();
        edgesOf(editor).set(`e${round}`, e);
        e.set('source', ids.length ? pick(ids) : 'ghost');
        e.set('target', pick(['ghost', ...ids]));
      } else if (op === 3 && ids.length) nodesOf(editor).get(pick(ids))!.set(pick(['label', 'x', 'kind', 'colour', 'w', 'onclick', 'area']), pick(['居民', 1e9, -3, NaN, 'area', 'sky', 'step', null, { a: 1 }, [1, 2], 'a b', '']));
      else if (op === 4 && ids.length) nodesOf(editor).delete(pick(ids));
      else if (op === 5) editor.getText(pick(['t', 'nodes2', 'default'])).insert(0, '旁');
      else if (op === 6 && ids.length) nodesOf(editor).get(pick(ids))!.set('label', new Y.Text('嵌套'));
      else if (op === 7) nodesOf(editor).set(pick(['ok-id', 'bad id', 'x'.repeat(70)]), new Y.Map());
      else if (op === 8) edgesOf(editor).set(`raw${round}`, pick([new Y.Map(), 'string', 3] as never[]));
      else if (op === 9 && ids.length) moveSome(editor, ids, rand);
      else addNode(editor, { kind: 'step', label: `节点${round}`, x: round, y: round }, o);
      const update = Y.encodeStateAsUpdate(editor, before);
      for (const candidate of [update, mutate(update, rand)]) {
        const structural = checkUpdate(server, candidate);
        if (!structural.ok) {
          refused++;
          continue;
        }
        const problem = checkDiagramUpdate(server, structural.update);
        if (problem !== null) {
          refused++;
          continue;
        }
        Y.applyUpdate(server, structural.update);
        for (const id of nodesOf(server).keys()) everKnown.add(id);
        accepted++;
        expect(wellFormed(server, everKnown)).toBeNull();
      }
    }
    // Both sides were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});

function moveSome(doc: Y.Doc, ids: string[], rand: () => number): void {
  doc.transact(() => {
    for (const id of ids.slice(0, 5)) nodesOf(doc).get(id)!.set('x', Math.round(rand() * 500));
  });
}

/** A copy with one to three random bytes changed. */
function mutate(update: Uint8Array, rand: () => number): Uint8Array {
  const copy = update.slice();
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
  return copy;
}
