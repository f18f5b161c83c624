/**
 * `pnpm bench:editors` and `pnpm bench:diagrams`: editors (spread over 2 processes) change one document
 * together through Yishi's `/yjs` (on each store) and through a bare `@y/websocket-server`
 * (bench/bareYjs.ts) on the same machine, in the same run, with the same changes (bench/docWorkloads.ts):
 *
 * - `--workload=text` (issue 10, the default): 50 editors typing into a charter, 5 changes a second each
 *   for 10 s (goal ≤ 1.1× p50, ≤ 1.25× p99);
 * - `--workload=diagram` (issue 11): 20 people moving and relabelling nodes of a workflow diagram of 200
 *   nodes, 2 changes a second each for 10 s (goal ≤ 1.25× p99).
 *
 * Every other editor notes when it has each change, so every (change, receiver) pair gives one
 * propagation time (bench/docEditorsWorker.ts). The first 2 s are warm-up and not counted. Prints p50
 * and p99 per target and their ratio to the bare server, the median of BENCH_EDITORS_RUNS runs. Nothing
 * is asserted.
 *
 * Env: BENCH_EDITORS (50 / 20), BENCH_EDITORS_RATE (5 / 2, changes a second each), BENCH_EDITORS_SECONDS=10,
 * BENCH_EDITORS_RUNS=3, BENCH_DIAGRAM_NODES=200, BENCH_TARGETS=bare,sqlite,redis, BENCH_PROFILE=1 (node
 * --cpu-prof on the Yishi server; profiles in $TMPDIR/yishi-editors-profiles, see bench/profileSummary.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { createDocument, createMeeting } from '../tests/helpers/clients.ts';
import { ROOT, STORE_KINDS, startBackend, startProcess } from '../tests/helpers/servers.ts';
import { waitFor } from '../tests/helpers/wait.ts';
import { yjsClient } from '../tests/helpers/yjs.ts';
import type { Made } from './docEditorsWorker.ts';
import { WORKLOADS, type WorkloadName } from './docWorkloads.ts';
import { startBareServer, stopChild, usage } from './processes.ts';
import { stats } from './stats.ts';

const WORKLOAD_NAME = (process.argv.find((a) => a.startsWith('--workload='))?.slice('--workload='.length) ?? process.env.BENCH_WORKLOAD ?? 'text') as WorkloadName;
const WORKLOAD = WORKLOADS[WORKLOAD_NAME];
if (!WORKLOAD) throw new Error(`unknown workload ${WORKLOAD_NAME} (text, diagram)`);
const EDITORS = Number(process.env.BENCH_EDITORS ?? WORKLOAD.editors);
const RATE = Number(process.env.BENCH_EDITORS_RATE ?? WORKLOAD.rate);
const SECONDS = Number(process.env.BENCH_EDITORS_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_EDITORS_RUNS ?? 3);
const TARGETS = (process.env.BENCH_TARGETS ?? 'bare,sqlite,redis').split(',');
const PROFILE_DIR = process.env.BENCH_PROFILE ? path.join(os.tmpdir(), 'yishi-editors-profiles') : null;
const WARMUP_MS = 2_000;
/** Processes the editors are spread over, so the clients' own work does not bound what is measured. */
const WORKERS = Number(process.env.BENCH_EDITORS_WORKERS ?? 2);
const BARE = 'bare @y/websocket-server';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Target {
  name: string;
  /** Where the editors connect: the server's URL, meeting, document and a token that may write it. */
  where: { url: string; meetingId: string; docId: string; token: string };
  /** The server process, whose CPU time the run reads from /proc. */
  pid: number;
  stop: () => Promise<void>;
}

type FromWorker = { ready: true } | ({ typed: true; made: number } & Made) | { latencies: number[] };

/** Writes the workload's starting content through one client and waits until a fresh client has it all. */
async function seed(where: Target['where']): Promise<void> {
  const writer = yjsClient(where.url, where.meetingId, where.docId, where.token, new Y.Doc());
  await writer.synced();
  WORKLOAD.seed((f) => writer.doc.transact(() => f(writer.doc)));
  const reader = yjsClient(where.url, where.meetingId, where.docId, where.token, new Y.Doc());
  try {
    await reader.synced();
    await waitFor(() => WORKLOAD.ready(reader.doc), { what: 'the seeded document', timeoutMs: 30_000, intervalMs: 20 });
  } finally {
    reader.provider.destroy();
    writer.provider.destroy();
  }
}

/** One run: WORKERS processes of editors, each connected and synced, then changing; the propagation times of the counted window. */
async function run(target: Target): Promise<{ p50: number; p99: number; count: number; expected: number; cpuPerChange: number }> {
  await seed(target.where);
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
    child.send({ ...target.where, workload: WORKLOAD_NAME, first: w * per, count, rate: RATE, warmupMs: WARMUP_MS, seconds: SECONDS });
    return { child, next, count };
  });
  try {
    for (const w of workers) await w.next(); // ready
    const cpuBefore = usage(target.pid).cpuMs;
    const go = performance.timeOrigin + performance.now() + 200;
    for (const w of workers) w.child.send({ go });
    const typed = (await Promise.all(workers.map((w) => w.next()))) as Extract<FromWorker, { typed: true }>[];
    const made: Made = { changes: typed.flatMap((t) => t.changes), finals: typed.flatMap((t) => t.finals) };
    for (const w of workers) w.child.send(made);
    const times = (await Promise.all(workers.map((w) => w.next()))) as Extract<FromWorker, { latencies: number[] }>[];
    // Server CPU per change made, warm-up included: what the server spent, less exposed to other work on the machine than the times.
    const cpuPerChange = (usage(target.pid).cpuMs - cpuBefore) / typed.reduce((n, t) => n + t.made, 0);
    const latencies = times.flatMap((t) => t.latencies);
    const s = stats(latencies);
    return { p50: s.p50, p99: s.p99, count: s.count, expected: made.changes.length * (EDITORS - 1), cpuPerChange };
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
  }
}

async function bare(): Promise<Target & { child: ChildProcess }> {
  const { child, port } = await startBareServer({}, 'bench/bareYjs.ts');
  const url = `http://127.0.0.1:${port}`;
  // The bare server takes the room name from the path; the token parameter is ignored.
  return { name: BARE, child, pid: child.pid!, where: { url, meetingId: 'bench', docId: 'doc', token: 'x' }, stop: () => stopChild(child) };
}

async function yishi(kind: (typeof STORE_KINDS)[number], run: number): Promise<Target> {
  const backend = await startBackend(kind);
  // One directory a run: node writes one profile for each thread (tsx loads modules in a thread of its own); the largest is the server.
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, `${WORKLOAD_NAME}-${kind}-${run + 1}`)}`] : [];
  const server = await startProcess(backend.env, nodeArgs);
  const m = await createMeeting(server.url);
  const docId = await createDocument(server.url, m.meetingId, m.facilitatorToken, WORKLOAD.kind, WORKLOAD_NAME === 'text' ? '章程' : '工作流程图');
  return {
    name: `Yishi, ${kind}`,
    pid: server.child.pid!,
    where: { url: server.url, meetingId: m.meetingId, docId, token: m.facilitatorToken },
    stop: async () => {
      server.child.kill('SIGTERM');
      await server.exited;
      await backend.dispose();
    }
  };
}

const results = new Map<string, { p50: number[]; p99: number[]; count: number[]; expected: number[]; cpu: number[] }>();
for (let r = 0; r < RUNS; r++) {
  // Alternate the order so neither side always runs on a warmer machine.
  const makers: (() => Promise<Target>)[] = [
    ...(TARGETS.includes('bare') ? [bare] : []),
    ...STORE_KINDS.filter((k) => TARGETS.includes(k)).map((k) => () => yishi(k, r))
  ];
  for (const make of r % 2 === 0 ? makers : [...makers].reverse()) {
    const target = await make();
    try {
      const res = await run(target);
      const row = results.get(target.name) ?? { p50: [], p99: [], count: [], expected: [], cpu: [] };
      row.p50.push(res.p50);
      row.p99.push(res.p99);
      row.count.push(res.count);
      row.expected.push(res.expected);
      row.cpu.push(res.cpuPerChange);
      results.set(target.name, row);
      console.log(`run ${r + 1}: ${target.name}: p50 ${res.p50.toFixed(1)} ms, p99 ${res.p99.toFixed(1)} ms (${res.count} of ${res.expected} deliveries timed; server CPU ${res.cpuPerChange.toFixed(2)} ms a change)`);
    } finally {
      await target.stop();
    }
  }
}
const base = results.get(BARE);
const what =
  WORKLOAD_NAME === 'text'
    ? `${EDITORS} editors typing ${RATE} changes a second each for ${SECONDS} s (goal ≤ 1.1× p50, ≤ 1.25× p99)`
    : `${EDITORS} people moving and relabelling nodes of a ${WORKLOADS.diagram.kind} diagram of ${process.env.BENCH_DIAGRAM_NODES ?? 200} nodes, ${RATE} changes a second each for ${SECONDS} s (goal ≤ 1.25× p99)`;
console.log(`\n${what}; propagation to every other editor, the median of ${RUNS} runs; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}:`);
console.log('| server | p50 | p99 | deliveries counted | server CPU a change |\n|---|---|---|---|---|');
for (const [name, row] of results) {
  const p50 = median(row.p50);
  const p99 = median(row.p99);
  const ratio = !base || name === BARE ? '' : ` (${(p50 / median(base.p50)).toFixed(2)}×)`;
  const ratio99 = !base || name === BARE ? '' : ` (${(p99 / median(base.p99)).toFixed(2)}×)`;
  const cpu = median(row.cpu);
  const ratioCpu = !base || name === BARE ? '' : ` (${(cpu / median(base.cpu)).toFixed(2)}×)`;
  console.log(`| ${name} | ${p50.toFixed(1)} ms${ratio} | ${p99.toFixed(1)} ms${ratio99} | ${median(row.count)} of ${median(row.expected)} | ${cpu.toFixed(2)} ms${ratioCpu} |`);
}
if (PROFILE_DIR) console.log(`\nCPU profiles of the Yishi server written to ${PROFILE_DIR} (summarise with bench/profileSummary.ts).`);
process.exit(0);
