/**
 * `pnpm bench:docs`: loading a co-edited document that received 10,000 small edits, on both stores.
 * Editors type the edits through `/yjs` of a real server process (one after another, each within its
 * connection's allowance, while one reader keeps the document open); then the server is killed with
 * SIGKILL the moment the reader has every edit, a fresh process is started and a fresh editor's load
 * is timed (connect → synced); then that process is stopped cleanly (SIGTERM: the document is
 * compacted as it unloads) and the load is timed again in another fresh process. The baseline is a
 * fresh process applying one merged update of the same content (`bench/applyMerged.ts`). Prints each
 * ratio (goal ≤ 2×). Nothing is asserted.
 *
 * Env: BENCH_DOC_EDITS=10000, BENCH_DOC_REPEAT=3 (loads per state, each in a fresh process; the median is kept).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { openStore } from '../packages/store/src/index.ts';
import { createDocuments, createMeeting } from '../tests/helpers/clients.ts';
import { ROOT, STORE_KINDS, startBackend, startProcess, type ServerProcess } from '../tests/helpers/servers.ts';
import { waitFor } from '../tests/helpers/wait.ts';
import { yjsClient } from '../tests/helpers/yjs.ts';

const EDITS = Number(process.env.BENCH_DOC_EDITS ?? 10_000);
const REPEAT = Number(process.env.BENCH_DOC_REPEAT ?? 3);
/** Edits per editor connection: within its burst of 150 tokens (a sync request costs 10). */
const PER_EDITOR = 130;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function kill(p: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  p.child.kill(signal);
  await p.exited;
}

async function syncTime(url: string, meetingId: string, docId: string, token: string): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const c = yjsClient(url, meetingId, docId, token);
  await c.synced();
  const ms = performance.now() - started;
  const text = c.doc.getText('body').toString();
  c.provider.destroy();
  return { ms, text };
}

/**
 * A fresh process; the time a fresh editor takes to load the document (connect → synced), and its
 * text. `fixed` first: the same for an empty document of the meeting in another fresh process (token
 * check, the meeting's state, the WebSocket, a cold start) — what any load costs, whatever the document.
 */
async function timedLoad(env: Record<string, string>, meetingId: string, token: string, docs: { charter: string; empty: string }): Promise<{ ms: number; text: string; fixed: number }> {
  const empty = await startProcess(env);
  let fixed: number;
  try {
    fixed = (await syncTime(empty.url, meetingId, docs.empty, token)).ms;
  } finally {
    await kill(empty, 'SIGTERM');
  }
  const p = await startProcess(env);
  try {
    return { ...(await syncTime(p.url, meetingId, docs.charter, token)), fixed };
  } finally {
    await kill(p, 'SIGTERM');
  }
}

function applyMergedInFreshProcess(file: string): number {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/applyMerged.ts', file], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return (JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { applyMs: number }).applyMs;
}

async function storedCount(env: Record<string, string>, meetingId: string, charter: string): Promise<number> {
  const store = await openStore({ redisUrl: env.REDIS_URL, dataDir: env.DATA_DIR! });
  try {
    return (await store.loadDocUpdates(meetingId, charter)).length;
  } finally {
    await store.close();
  }
}

const rows: string[] = [];
for (const kind of STORE_KINDS) {
  const backend = await startBackend(kind);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'yishi-docload-'));
  try {
    const first = await startProcess(backend.env);
    const m = await createMeeting(first.url);
    const docs = await createDocuments(first.url, m, ['charter', 'empty'] as const);
    const reader = yjsClient(first.url, m.meetingId, docs.charter, m.facilitatorToken);
    await reader.synced();
    const typingStarted = performance.now();
    let made = 0;
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    while (made < EDITS) {
      const editor = yjsClient(first.url, m.meetingId, docs.charter, m.facilitatorToken);
      await editor.synced();
      const text = editor.doc.getText('body');
      const n = Math.min(PER_EDITOR, EDITS - made);
      for (let i = 0; i < n; i++) {
        // Typing: mostly one character at the caret, sometimes a deletion.
        if (text.length > 10 && rand(10) === 0) text.delete(rand(text.length), 1);
        else text.insert(text.length === 0 ? 0 : rand(text.length + 1), String.fromCharCode(0x4e00 + rand(3000)));
      }
      made += n;
      const expected = text.toString();
      await waitFor(() => reader.doc.getText('body').toString() === expected, { what: 'reader has the edits', intervalMs: 2, timeoutMs: 30_000 });
      editor.provider.destroy();
    }
    const typingMs = performance.now() - typingStarted;
    const content = reader.doc.getText('body').toString();
    reader.provider.shouldConnect = false;
    await kill(first, 'SIGKILL');
    reader.provider.destroy();
    const afterKill = await storedCount(backend.env, m.meetingId, docs.charter);

    const merged = Y.encodeStateAsUpdate(reader.doc);
    const file = path.join(tmp, 'merged.bin');
    await writeFile(file, merged);

    const crashLoads: number[] = [];
    const cleanLoads: number[] = [];
    const fixed: number[] = [];
    const baseline: number[] = [];
    for (let r = 0; r < REPEAT; r++) {
      // The first load after the crash sees what the crash left; a clean stop then compacts it.
      if (r === 0) {
        const load = await timedLoad(backend.env, m.meetingId, m.facilitatorToken, docs);
        if (load.text !== content) throw new Error('the document loaded after SIGKILL is not the one every editor held');
        crashLoads.push(load.ms);
      }
      const load = await timedLoad(backend.env, m.meetingId, m.facilitatorToken, docs);
      if (load.text !== content) throw new Error('the document loaded after a clean restart is not the one every editor held');
      cleanLoads.push(load.ms);
      fixed.push(load.fixed);
      baseline.push(applyMergedInFreshProcess(file));
    }
    const afterClean = await storedCount(backend.env, m.meetingId, docs.charter);
    const base = median(baseline);
    const f = median(fixed);
    const cell = (ms: number) => `${ms.toFixed(0)} ms: ${(ms / base).toFixed(2)}×, less the fixed cost ${((ms - f) / base).toFixed(2)}×`;
    rows.push(
      `| ${kind} | ${(typingMs / 1000).toFixed(1)} s | ${afterKill} stored; ${cell(median(crashLoads))} | ${afterClean} stored; ${cell(median(cleanLoads))} | ${f.toFixed(0)} ms | ${(merged.byteLength / 1024).toFixed(0)} KiB: ${base.toFixed(0)} ms |`
    );
    console.log(rows.at(-1));
  } finally {
    await backend.dispose();
    await rm(tmp, { recursive: true, force: true });
  }
}
console.log(`\nDocument load, ${EDITS} small edits (median of ${REPEAT} clean loads; the crash load is the first after SIGKILL), ratio to the baseline in parentheses (goal ≤ 2×):`);
console.log('| store | typing | load after SIGKILL | load after a clean restart | fixed cost (empty document) | baseline: one merged update, fresh process |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
process.exit(0);
