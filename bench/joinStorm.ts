/**
 * `pnpm bench:joins` (and the last entry of `pnpm bench`): a join storm, Yishi against a bare Socket.IO
 * server, in one run. For each target a separate process (bench/joinPhones.ts) starts N phones evenly
 * over a window; each does `POST /api/join` with a join key, then connects with its token until its
 * first snapshot. Printed per target: joins completed, join request → first snapshot p50 / p99 / max,
 * and the server process's CPU seconds over the storm (from /proc), with ratios against bare (the goal
 * in issue 8: Yishi at most 2× bare's CPU and 2× its p99).
 *
 * Targets: Yishi on the embedded store (SQLite), on Redis, and bench/bareServer.ts, which answers the
 * same `POST /api/join` with a token and sends each connection a snapshot as large as the mean of the
 * Yishi snapshots measured before it in this run (so the Yishi targets run first), storing nothing.
 * The phones come from one machine: the join-code guard is raised for the bench only
 * (JOIN_FAILURES_PER_MINUTE: joins in flight beyond its burst count as failures), and the phones are
 * spread over loopback addresses as a hall's phones each have their own. Nothing is asserted.
 *
 * Env: BENCH_JOINS=2000  BENCH_JOIN_WINDOW_S=60  BENCH_TARGETS=sqlite,redis,bare
 *      BARE_SNAPSHOT_BYTES (bare's snapshot size when no Yishi target ran first; default 20000)
 *      BENCH_PROFILE=1 (node --cpu-prof on the Yishi nodes; profiles in $TMPDIR/yishi-joins-profiles, see bench/profileSummary.ts)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROTOCOL_VERSION } from '../packages/protocol/src/index.ts';
import { startRedisServer } from '../packages/store/test/redisServer.ts';
import { ROOT, startProcess } from '../tests/helpers/servers.ts';
import type { StormResult, StormStart } from './joinPhones.ts';
import { startBareServer, stopChild, usage } from './processes.ts';
import type { Stats } from './stats.ts';

type Target = 'bare' | 'sqlite' | 'redis';
const N = Number(process.env.BENCH_JOINS ?? 2000);
const WINDOW_MS = Number(process.env.BENCH_JOIN_WINDOW_S ?? 60) * 1000;
const TARGETS = (process.env.BENCH_TARGETS ?? 'sqlite,redis,bare').split(',') as Target[];
// Yishi first: bare's snapshot is sized after theirs.
TARGETS.sort((a, b) => Number(a === 'bare') - Number(b === 'bare'));
const PROFILE_DIR = process.env.BENCH_PROFILE ? path.join(os.tmpdir(), 'yishi-joins-profiles') : null;
const LOCAL_ADDRESSES = Array.from({ length: 200 }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 2}`);

const cpuMs = (pid: number): number => usage(pid).cpuMs;

interface Deployment {
  url: string;
  pid: number;
  joinCode: string;
  stop(): Promise<void>;
}

async function startBare(snapshotBytes: number): Promise<Deployment> {
  const { child, port } = await startBareServer({ BARE_SNAPSHOT_BYTES: String(Math.round(snapshotBytes)) });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, joinCode: '000000', stop: () => stopChild(child) };
}

/** The server under `node --cpu-prof` (which NODE_OPTIONS may not carry), as bench/fanout.ts starts it. */
async function startProfiled(env: Record<string, string>, dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', 'realtime-server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"msg":"yishi listening"/.test(out) ? /"port":(\d+)/.exec(out) : null;
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`server exited:\n${out}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function startYishi(target: Exclude<Target, 'bare'>): Promise<Deployment> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yishi-bench-'));
  const redis = target === 'redis' ? await startRedisServer() : null;
  // The guard counts joins in flight beyond its burst as failures; a storm from one machine is not what it guards against.
  const env: Record<string, string> = { LOG_LEVEL: 'info', JOIN_FAILURES_PER_MINUTE: '100000', DATA_DIR: dataDir, NODE_ID: target, ...(redis ? { REDIS_URL: redis.url } : {}) };
  const cleanup = async () => {
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const node = PROFILE_DIR ? await startProfiled(env, path.join(PROFILE_DIR, target)) : await startProcess(env);
    const res = await fetch(`${node.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: '压测会议' }) });
    if (res.status !== 201) throw new Error(`create meeting: ${res.status} ${await res.text()}`);
    const { joinCode } = (await res.json()) as { joinCode: string };
    return {
      url: node.url,
      pid: node.child.pid!,
      joinCode,
      async stop() {
        await stopChild(node.child);
        await cleanup();
      }
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

interface Row {
  target: Target;
  result: StormResult;
  cpuS: number;
  wallS: number;
}

async function runOne(target: Target, bareSnapshotBytes: number): Promise<Row> {
  const dep = target === 'bare' ? await startBare(bareSnapshotBytes) : await startYishi(target);
  const phones = fork(path.join(ROOT, 'bench/joinPhones.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const done = new Promise<StormResult>((resolve, reject) => {
      phones.on('message', (msg: StormResult | { type: 'error'; message: string }) => (msg.type === 'error' ? reject(new Error(msg.message)) : resolve(msg)));
      phones.once('exit', (code) => reject(new Error(`phones process exited (${code})`)));
    });
    const start: StormStart = { type: 'start', apiUrl: dep.url, joinCode: dep.joinCode, n: N, windowMs: WINDOW_MS, protocol: PROTOCOL_VERSION, localAddresses: LOCAL_ADDRESSES };
    const before = cpuMs(dep.pid);
    const t0 = performance.now();
    phones.send(start);
    const result = await done;
    return { target, result, cpuS: (cpuMs(dep.pid) - before) / 1000, wallS: (performance.now() - t0) / 1000 };
  } finally {
    if (phones.connected) phones.send({ type: 'stop' });
    await new Promise((r) => (phones.exitCode !== null ? r(null) : phones.once('exit', r)));
    await dep.stop();
  }
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const fs3 = (s: Stats) => `${f(s.p50)} / ${f(s.p99)} / ${f(s.max)}`;
const ratio = (a: number, b: number | undefined) => (b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : '—');

async function main() {
  console.log(`# Yishi join storm — ${N} phones joining within ${WINDOW_MS / 1000} s, each: POST /api/join (join key), connect (websocket), first snapshot`);
  console.log(`# machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)} at start\n`);
  const rows: Row[] = [];
  for (const target of TARGETS) {
    process.stderr.write(`join storm: ${target} …\n`);
    const yishi = rows.filter((r) => r.target !== 'bare' && r.result.snapshotBytes > 0);
    const bareBytes = yishi.length ? yishi.reduce((a, r) => a + r.result.snapshotBytes, 0) / yishi.length : Number(process.env.BARE_SNAPSHOT_BYTES ?? 20_000);
    rows.push(await runOne(target, bareBytes));
  }
  const bare = rows.find((r) => r.target === 'bare');
  const header = '| target | joins completed | join → first snapshot p50 / p99 / max (ms) | join request p50 / p99 (ms) | mean snapshot (KB) | server CPU (s) | ÷ bare CPU | ÷ bare p99 |';
  console.log(header);
  console.log(header.replace(/[^|]+/g, ' --- '));
  for (const r of rows) {
    const { result } = r;
    const failed = result.joinFailures + result.connectFailures;
    console.log(
      `| ${r.target} | ${result.completed}/${result.n}${failed ? ` (${result.joinFailures} join, ${result.connectFailures} connect failed)` : ''} | ${fs3(result.latency)} | ${f(result.joinMs.p50)} / ${f(result.joinMs.p99)} | ` +
        `${(result.snapshotBytes / 1024).toFixed(0)} | ${r.cpuS.toFixed(1)} | ${r.target === 'bare' ? '1×' : ratio(r.cpuS, bare?.cpuS)} | ${r.target === 'bare' ? '1×' : ratio(result.latency.p99, bare?.result.latency.p99)} |`
    );
    if (result.firstError) console.log(`  ${r.target}: first failure: ${result.firstError.slice(0, 300)}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  }
);
