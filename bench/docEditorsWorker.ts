/**
 * One process of bench/docEditors.ts's editors: opens its editors on the document, reports `ready`,
 * types on `go` (a start time on the shared clock), and sends back every propagation time its editors
 * saw. Times are `performance.timeOrigin + performance.now()`, the same clock in every process of one
 * machine, so a change stamped in one process is timed where another receives it.
 */
import * as Y from 'yjs';
import { waitFor } from '../tests/helpers/wait.ts';
import { yjsClient } from '../tests/helpers/yjs.ts';

interface Setup {
  url: string;
  meetingId: string;
  docId: string;
  token: string;
  /** This process's editors are first..first+count-1 of all. */
  first: number;
  count: number;
  rate: number;
  warmupMs: number;
  seconds: number;
}

const clock = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => process.send!(m);

// The parent's messages come between phases, while nothing else may be pending: keep the channel open.
process.channel?.ref();
process.once('message', (setup: Setup) => {
  run(setup).catch((err: unknown) => {
    console.error('editor process:', err);
    process.exit(1);
  });
});

async function run(setup: Setup): Promise<void> {
  const editors = Array.from({ length: setup.count }, () => yjsClient(setup.url, setup.meetingId, setup.docId, setup.token, new Y.Doc()));
  await Promise.all(editors.map((e) => e.synced()));
  const latencies: number[] = [];
  let countFrom = Infinity;
  for (const editor of editors) {
    editor.doc.getMap<number>('sent').observe((event) => {
      if (event.transaction.local) return;
      const now = clock();
      for (const key of event.keysChanged) {
        const at = event.target.get(key);
        if (typeof at === 'number' && at >= countFrom) latencies.push(now - at);
      }
    });
  }
  send({ ready: true });
  const { go } = await new Promise<{ go: number }>((resolve) => process.once('message', resolve));
  countFrom = go + setup.warmupMs;
  const stopAt = countFrom + setup.seconds * 1000;
  let seed = 11 + setup.first;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  let sent = 0;
  let made = 0;
  await new Promise<void>((resolve) => {
    let done = 0;
    editors.forEach((editor, i) => {
      const text = editor.doc.getText('body');
      const stamps = editor.doc.getMap<number>('sent');
      const key = String(setup.first + i);
      const tick = () => {
        const now = clock();
        if (now >= stopAt) {
          if (++done === editors.length) resolve();
          return;
        }
        if (now >= countFrom) sent++;
        made++;
        editor.doc.transact(() => {
          text.insert(text.length === 0 ? 0 : rand(text.length + 1), String.fromCharCode(0x4e00 + rand(3000)));
          stamps.set(key, now);
        });
        setTimeout(tick, 1000 / setup.rate);
      };
      // Each editor starts at its own moment within the first period, as people do.
      setTimeout(tick, Math.max(0, go - clock()) + rand(Math.round(1000 / setup.rate)));
    });
  });
  send({ typed: true, sent, made });
  // Every change made anywhere (the parent sums them) reaches every editor here; then the times go back.
  const { total } = await new Promise<{ total: number }>((resolve) => process.once('message', resolve));
  await waitFor(() => editors.every((e) => e.doc.getText('body').length === total), { what: 'every change everywhere', timeoutMs: 120_000, intervalMs: 20 });
  for (const e of editors) e.provider.destroy();
  // A large message: exit once it has left, not before.
  process.send!({ latencies }, () => process.exit(0));
}
