/**
 * What bench/docEditors.ts's editors do to the shared document, one change at a time (each change is
 * one Yjs transaction, timed from the moment it is made until each other editor has it).
 *
 * - `text` (issue 10): insert one character at a random place of the text `body` and stamp the time in
 *   the `sent` map, in the same transaction, into a charter.
 * - `diagram` (issue 11): a workflow diagram of DIAGRAM_NODES nodes, seeded before the run; each change
 *   either moves a random node (sets its `x` and `y`) or relabels it, half and half — Y.Map changes the
 *   server's diagram check accepts (packages/domain/src/documents/diagram.ts).
 */
import * as Y from 'yjs';

export type WorkloadName = 'text' | 'diagram';

export interface Workload {
  /** The kind of document the bench creates on Yishi for it. */
  kind: 'charter' | 'workflow';
  /** Defaults: editors, changes a second each. */
  editors: number;
  rate: number;
  /** Writes the starting content (one transaction per call of `write`); none for text. */
  seed(write: (f: (doc: Y.Doc) => void) => void): void;
  /** Whether an editor's copy holds the seeded content. */
  ready(doc: Y.Doc): boolean;
  /** One change, inside the caller's transaction; `rand(n)` is in 0..n-1, `key` names the editor. */
  change(doc: Y.Doc, rand: (n: number) => number, key: string, now: number): void;
}

export const DIAGRAM_NODES = Number(process.env.BENCH_DIAGRAM_NODES ?? 200);
/** Nodes per seeding transaction: each well under the server's 32 KiB update limit. */
const SEED_CHUNK = 25;
const LABELS = ['居民反映', '理事会协调', '商户整改', '回访', '满意度回访', '商户组', '居民组', '停车区', '餐饮片区', '零售片区'];

export const WORKLOADS: Record<WorkloadName, Workload> = {
  text: {
    kind: 'charter',
    editors: 50,
    rate: 5,
    seed: () => undefined,
    ready: () => true,
    change(doc, rand, key, now) {
      const text = doc.getText('body');
      text.insert(text.length === 0 ? 0 : rand(text.length + 1), String.fromCharCode(0x4e00 + rand(3000)));
      doc.getMap<number>('sent').set(key, now);
    }
  },
  diagram: {
    kind: 'workflow',
    editors: 20,
    rate: 2,
    seed(write) {
      for (let from = 0; from < DIAGRAM_NODES; from += SEED_CHUNK) {
        write((doc) => {
          const nodes = doc.getMap<Y.Map<unknown>>('nodes');
          for (let i = from; i < Math.min(DIAGRAM_NODES, from + SEED_CHUNK); i++) {
            const node = new Y.Map<unknown>();
            nodes.set(`n${i}`, node);
            node.set('kind', i === 0 ? 'terminal' : i % 7 === 0 ? 'decision' : 'step');
            node.set('label', `步骤 ${i + 1}`);
            node.set('x', (i % 20) * 180);
            node.set('y', Math.floor(i / 20) * 120);
          }
        });
      }
    },
    ready: (doc) => doc.getMap('nodes').size >= DIAGRAM_NODES,
    change(doc, rand, key) {
      const node = doc.getMap<Y.Map<unknown>>('nodes').get(`n${rand(DIAGRAM_NODES)}`)!;
      if (rand(2) === 0) {
        node.set('x', rand(3600));
        node.set('y', rand(1200));
      } else node.set('label', `${LABELS[rand(LABELS.length)]} · ${key}-${rand(1000)}`);
    }
  }
};
