/**
 * One process of bench/docEditors.ts's editors: opens its editors on the document, reports `ready`,
 * makes changes on `go` (a start time on the shared clock) as the workload says, and sends back every
 * propagation time its editors saw. Times are `performance.timeOrigin + performance.now()`, the same
 * clock in every process of one machine, so a change made in one process is timed where another
 * receives it.
 *
 * A change is known by where it starts in its editor's clock (the Yjs id of its first struct): the maker
 * notes (client, clock, time) as it makes it, and a receiver notes, for each remote transaction, the
 * clocks by which each client advanced and when. The parent gathers what was made, and each process
 * joins the two, so the documents carry only the workload's own content (a diagram's root maps hold
 * nothing but nodes and edges, as the server's check asks) and a change overwritten by a concurrent one
 * is timed all the same.
 */
import * as Y from 'yjs';
import { waitFor } from '../tests/helpers/wait.ts';
import { yjsClient } from '../tests/helpers/yjs.ts';
import { WORKLOADS, type WorkloadName } from './docWorkloads.ts';

interface Setup {
  url: string;
  meetingId: string;
  docId: string;
  token: string;
  workload: WorkloadName;
  /** This process's editors are first..first+count-1 of all. */
  first: number;
  count: number;
  rate: number;
  warmupMs: number;
  seconds: number;
}

/** What the parent hands back after typing: every counted change made anywhere, and each client's last clock. */
export interface Made {
  /** [client, clock, time] of each change made in the counted window. */
  changes: [number, number, number][];
  /** [client, state] of every editor once it stopped. */
  finals: [number, number][];
}

const clock = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => process.send!(m);

// The parent's messages come between phases, while nothing else may be pending: keep the channel open.
process.channel?.ref();
// y-websocket adds an exit listener for each provider; 25 editors a process are not a leak.
process.setMaxListeners(0);
process.once('message', (setup: Setup) => {
  run(setup).catch((err: unknown) => {
    console.error('editor process:', err);
    process.exit(1);
  });
});

async function run(setup: Setup): Promise<void> {
  const workload = WORKLOADS[setup.workload];
  const editors = Array.from({ length: setup.count }, () => yjsClient(setup.url, setup.meetingId, setup.docId, setup.token, new Y.Doc()));
  await Promise.all(editors.map((e) => e.synced()));
  for (const e of editors) await waitFor(() => workload.ready(e.doc), { what: 'the seeded document', timeoutMs: 30_000, intervalMs: 20 });
  /** Per editor, flat [client, from, to, time] of every remote transaction that advanced a client. */
  const seen: number[][] = editors.map(() => []);
  editors.forEach((editor, i) => {
    const mine = seen[i]!;
    editor.doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.local) return;
      const now = clock();
      for (const [client, after] of tr.afterState) {
        const before = tr.beforeState.get(client) ?? 0;
        if (after > before) mine.push(client, before, after, now);
      }
    });
  });
  send({ ready: true });
  const { go } = await new Promise<{ go: number }>((resolve) => process.once('message', resolve));
  const countFrom = go + setup.warmupMs;
  const stopAt = countFrom + setup.seconds * 1000;
  let seed = 11 + setup.first;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const changes: [number, number, number][] = [];
  let made = 0;
  await new Promise<void>((resolve) => {
    let done = 0;
    editors.forEach((editor, i) => {
      const key = String(setup.first + i);
      const tick = () => {
        const now = clock();
        if (now >= stopAt) {
          if (++done === editors.length) resolve();
          return;
        }
        const at = Y.getState(editor.doc.store, editor.doc.clientID);
        editor.doc.transact(() => workload.change(editor.doc, rand, key, now));
        if (now >= countFrom) changes.push([editor.doc.clientID, at, now]);
        made++;
        setTimeout(tick, 1000 / setup.rate);
      };
      // Each editor starts at its own moment within the first period, as people do.
      setTimeout(tick, Math.max(0, go - clock()) + rand(Math.round(1000 / setup.rate)));
    });
  });
  const finals = editors.map((e) => [e.doc.clientID, Y.getState(e.doc.store, e.doc.clientID)] as [number, number]);
  send({ typed: true, made, changes, finals });
  // Every change made anywhere reaches every editor here; then the times go back.
  const all = await new Promise<Made>((resolve) => process.once('message', resolve));
  await waitFor(() => editors.every((e) => all.finals.every(([client, state]) => Y.getState(e.doc.store, client) >= state)), {
    what: 'every change everywhere',
    timeoutMs: 120_000,
    intervalMs: 20
  });
  for (const e of editors) e.provider.destroy();
  process.send!({ latencies: join(all.changes, seen) }, () => process.exit(0));
}

/** Each counted change against each receiver's record of it: receive time less make time. */
function join(changes: [number, number, number][], seen: number[][]): number[] {
  const byClient = new Map<number, [number, number][]>();
  for (const [client, at, time] of changes) {
    const list = byClient.get(client) ?? [];
    list.push([at, time]);
    byClient.set(client, list);
  }
  for (const list of byClient.values()) list.sort((a, b) => a[0] - b[0]);
  const latencies: number[] = [];
  for (const records of seen) {
    for (let r = 0; r < records.length; r += 4) {
      const list = byClient.get(records[r]!);
      if (!list) continue;
      const from = records[r + 1]!;
      const to = records[r + 2]!;
      const now = records[r + 3]!;
      // First change at or after `from` (binary search), then every one before `to`.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]![0] < from) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < list.length && list[i]![0] < to; i++) latencies.push(now - list[i]![1]);
    }
  }
  return latencies;
}
