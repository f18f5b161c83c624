/**
 * `pnpm bench:editors`: 50 editors (spread over 2 processes) typing into one document, 5 changes a second each for 10 s, through
 * Yishi's `/yjs` (on each store) and through a bare `@y/websocket-server` (bench/bareYjs.ts) on the same
 * machine, in the same run. Each change inserts a character into the text and, in the same transaction,
 * ticks the editor's counter in a `Y.Map`; every other editor notes when it sees each tick, so every
 * (change, receiver) pair gives one propagation time. The first 2 s are warm-up and not counted. Prints
 * p50 and p99 per target and their ratio to the bare server, the median of BENCH_EDITORS_RUNS runs
 * (goal ≤ 1.1× p50, ≤ 1.25× p99). Nothing is asserted.
 *
 * Env: BENCH_EDITORS=50, BENCH_EDITORS_RATE=5 (changes a second each), BENCH_EDITORS_SECONDS=10,
 * BENCH_EDITORS_RUNS=3.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createDocuments, createMeeting } from '../tests/helpers/clients.ts';
import { ROOT, STORE_KINDS, startBackend, startProcess } from '../tests/helpers/servers.ts';
import { startBareServer, stopChild } from './processes.ts';
import { stats } from './stats.ts';

const EDITORS = Number(process.env.BENCH_EDITORS ?? 50);
const RATE = Number(process.env.BENCH_EDITORS_RATE ?? 5);
const SECONDS = Number(process.env.BENCH_EDITORS_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_EDITORS_RUNS ?? 3);
const WARMUP_MS = 2_000;
/** Processes the editors are spread over, so the clients' own work does not bound what is measured. */
const WORKERS = Number(process.env.BENCH_EDITORS_WORKERS ?? 2);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Target {
  name: string;
  /** Where the editors connect: the server's URL, meeting, document and a token that may write it. */
  where: { url: string; meetingId: string; docId: string; token: string };
  stop: () => Promise<void>;
}

type FromWorker = { ready: true } | { typed: true; sent: number; made: number } | { latencies: number[] };

/** One run: WORKERS processes of editors, each connected and synced, then typing; the propagation times of the counted window. */
async function run(target: Target): Promise<{ p50: number; p99: number; count: number; expected: number }> {
  const per = Math.ceil(EDITORS / WORKERS);
  const workers = Array.from({ length: WORKERS }, (_, w) => {
    const child = fork('bench/docEditorsWorker.ts', { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const inbox: FromWorker[] = [];
    let wake: (() => void) | null = null;
    child.on('message', (m: FromWorker) => {
      inbox.push(m);
      wake?.();
    });
    let exited: string | null = null;
    child.once('exit', (code, signal) => {
      exited = `editor process ${w} exited (${code ?? signal})`;
      wake?.();
    });
    const next = async (): Promise<FromWorker> => {
      while (inbox.length === 0) {
        if (exited) throw new Error(exited);
        await new Promise<void>((r) => (wake = r));
      }
      return inbox.shift()!;
    };
    const count = Math.min(per, EDITORS - w * per);
    child.send({ ...target.where, first: w * per, count, rate: RATE, warmupMs: WARMUP_MS, seconds: SECONDS });
    return { child, next, count };
  });
  try {
    for (const w of workers) await w.next(); // ready
    const go = performance.timeOrigin + performance.now() + 200;
    for (const w of workers) w.child.send({ go });
    const typed = (await Promise.all(workers.map((w) => w.next()))) as Extract<FromWorker, { typed: true }>[];
    const total = typed.reduce((n, t) => n + t.made, 0);
    const sent = typed.reduce((n, t) => n + t.sent, 0);
    for (const w of workers) w.child.send({ total });
    const times = (await Promise.all(workers.map((w) => w.next()))) as Extract<FromWorker, { latencies: number[] }>[];
    const latencies = times.flatMap((t) => t.latencies);
    const s = stats(latencies);
    return { p50: s.p50, p99: s.p99, count: s.count, expected: sent * (EDITORS - 1) };
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
  }
}

async function bare(): Promise<Target & { child: ChildProcess }> {
  const { child, port } = await startBareServer({}, 'bench/bareYjs.ts');
  const url = `http://127.0.0.1:${port}`;
  // The bare server takes the room name from the path; the token parameter is ignored.
  return { name: 'bare @y/websocket-server', child, where: { url, meetingId: 'bench', docId: 'doc', token: 'x' }, stop: () => stopChild(child) };
}

async function yishi(kind: (typeof STORE_KINDS)[number]): Promise<Target> {
  const backend = await startBackend(kind);
  const server = await startProcess(backend.env);
  const m = await createMeeting(server.url);
  const { doc } = await createDocuments(server.url, m, ['doc'] as const);
  return {
    name: `Yishi, ${kind}`,
    where: { url: server.url, meetingId: m.meetingId, docId: doc, token: m.facilitatorToken },
    stop: async () => {
      server.child.kill('SIGTERM');
      await server.exited;
      await backend.dispose();
    }
  };
}

const results = new Map<string, { p50: number[]; p99: number[]; count: number[]; expected: number[] }>();
for (let r = 0; r < RUNS; r++) {
  // Alternate the order so neither side always runs on a warmer machine.
  const makers: (() => Promise<Target>)[] = [bare, ...STORE_KINDS.map((k) => () => yishi(k))];
  for (const make of r % 2 === 0 ? makers : [...makers].reverse()) {
    const target = await make();
    try {
      const res = await run(target);
      const row = results.get(target.name) ?? { p50: [], p99: [], count: [], expected: [] };
      row.p50.push(res.p50);
      row.p99.push(res.p99);
      row.count.push(res.count);
      row.expected.push(res.expected);
      results.set(target.name, row);
      console.log(`run ${r + 1}: ${target.name}: p50 ${res.p50.toFixed(1)} ms, p99 ${res.p99.toFixed(1)} ms (${res.count} of ${res.expected} deliveries timed)`);
    } finally {
      await target.stop();
    }
  }
}
const base = results.get('bare @y/websocket-server')!;
const b50 = median(base.p50);
const b99 = median(base.p99);
console.log(`\n${EDITORS} editors typing ${RATE} changes a second each for ${SECONDS} s, propagation to every other editor (median of ${RUNS} runs; goal ≤ 1.1× p50, ≤ 1.25× p99):`);
console.log('| server | p50 | p99 | deliveries counted |\n|---|---|---|---|');
for (const [name, row] of results) {
  const p50 = median(row.p50);
  const p99 = median(row.p99);
  const ratio = name === 'bare @y/websocket-server' ? '' : ` (${(p50 / b50).toFixed(2)}×)`;
  const ratio99 = name === 'bare @y/websocket-server' ? '' : ` (${(p99 / b99).toFixed(2)}×)`;
  console.log(`| ${name} | ${p50.toFixed(1)} ms${ratio} | ${p99.toFixed(1)} ms${ratio99} | ${median(row.count)} |`);
}
process.exit(0);
