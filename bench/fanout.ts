/**
 * `pnpm bench`: topic fan-out, Yishi against a bare Socket.IO broadcast, in one run.
 *
 * For each N and each target, a separate process (bench/phones.ts) connects N phones to one meeting
 * (websocket transport) and one poster per server node (each node directly); the posters take turns
 * posting topics at a fixed rate for a fixed time; the time from post to receipt is recorded for every
 * (post, phone) pair and for each post's last receiver. The phones keep the meeting with the page's own
 * MeetingFeed and count the snapshots they ask for: 0 when nothing is lost, also with two nodes, where
 * a node emits its own entry before an earlier one from the other node reaches it. Targets: Yishi on the embedded store, on Redis, two Yishi nodes on Redis behind nginx
 * (deploy/nginx.conf), and bench/bareServer.ts. Nothing is asserted; it prints a table.
 *
 * Env: BENCH_N=100,500,2000  BENCH_DURATION_S=8  BENCH_RATE=5 (posts/s)
 *      BENCH_TARGETS=bare,sqlite,redis,nginx2   BENCH_PROFILE=1 (node --cpu-prof on the Yishi node)
 */
import { fork, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROTOCOL_VERSION } from '../packages/protocol/src/index.ts';
import { startRedisServer } from '../packages/store/test/redisServer.ts';
import { ROOT, startProcess, type ServerProcess } from '../tests/helpers/servers.ts';
import { startNginx } from '../tests/scaleout/nginx.ts';
import type { PhonesResult, PhonesStart } from './phones.ts';
import { startBareServer, stopChild, usage } from './processes.ts';
import type { Stats } from './stats.ts';

type Target = 'bare' | 'sqlite' | 'redis' | 'nginx2';
const NS = (process.env.BENCH_N ?? '100,500,2000').split(',').map(Number);
const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 8) * 1000;
const RATE = Number(process.env.BENCH_RATE ?? 5);
const TARGETS = (process.env.BENCH_TARGETS ?? 'bare,sqlite,redis,nginx2').split(',') as Target[];
const PROFILE_DIR = process.env.BENCH_PROFILE ? path.join(os.tmpdir(), 'yishi-bench-profiles') : null;

interface Row {
  target: Target;
  n: number;
  result: PhonesResult;
  cpuPct: number;
  rssPerPhoneKb: number;
  rssMb: number;
  connected: number;
}

const total = (pids: number[]) => pids.map(usage).reduce((a, b) => ({ cpuMs: a.cpuMs + b.cpuMs, rssKb: a.rssKb + b.rssKb }), { cpuMs: 0, rssKb: 0 });

interface Deployment {
  /** Where phones connect. */
  url: string;
  /** Where the API is called. */
  apiUrl: string;
  /** Each server node, where the posters connect. */
  nodeUrls: string[];
  /** The server processes whose CPU and memory are measured (not redis, not nginx). */
  pids: number[];
  localAddresses: string[];
  stop(): Promise<void>;
}

async function startBare(): Promise<Deployment> {
  const { child, port } = await startBareServer();
  const url = `http://127.0.0.1:${port}`;
  return { url, apiUrl: url, nodeUrls: [url], pids: [child.pid!], localAddresses: [], stop: () => stopChild(child) };
}

const yishiEnv = { LOG_LEVEL: 'info', COMMAND_RATE: '1000', COMMAND_BURST: '1000' };

/** tests/helpers' startProcess, or (BENCH_PROFILE) the same command under `node --cpu-prof`, which NODE_OPTIONS may not carry. */
async function startNode(env: Record<string, string>, profileName: string): Promise<ServerProcess> {
  if (!PROFILE_DIR) return startProcess(env);
  const child = spawn(process.execPath, // One directory per server: tsx's loader thread writes a profile of its own next to the main thread's.
    ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, profileName)}`, '--import', 'tsx', 'realtime-server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"msg":"yishi listening"/.test(out) ? /"port":(\d+)/.exec(out) : null;
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`server exited:\n${out}`)));
  });
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

async function startYishi(target: Exclude<Target, 'bare'>, n: number): Promise<Deployment> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yishi-bench-'));
  const redis = target === 'sqlite' ? null : await startRedisServer();
  const env = { ...yishiEnv, DATA_DIR: dataDir, ...(redis ? { REDIS_URL: redis.url } : {}) };
  const nodes: ServerProcess[] = [];
  const cleanup = async () => {
    for (const node of nodes) await stopChild(node.child);
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    if (target === 'nginx2') {
      nodes.push(await startNode({ ...env, NODE_ID: 'node1', TRUST_PROXY: '1' }, `nginx2-${n}-node1`));
      nodes.push(await startNode({ ...env, NODE_ID: 'node2', TRUST_PROXY: '1' }, `nginx2-${n}-node2`));
      const lb = await startNginx(nodes.map((p) => p.port));
      // nginx hashes the client address: spread the phones over a few loopback addresses.
      const localAddresses = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
      return {
        url: lb.url,
        apiUrl: nodes[0]!.url,
        nodeUrls: nodes.map((p) => p.url),
        pids: nodes.map((p) => p.child.pid!),
        localAddresses,
        async stop() {
          await lb.stop();
          await cleanup();
        }
      };
    }
    nodes.push(await startNode({ ...env, NODE_ID: target }, `${target}-${n}`));
    return { url: nodes[0]!.url, apiUrl: nodes[0]!.url, nodeUrls: [nodes[0]!.url], pids: [nodes[0]!.child.pid!], localAddresses: [], stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function runOne(target: Target, n: number): Promise<Row> {
  const dep = target === 'bare' ? await startBare() : await startYishi(target, n);
  const phones = fork(path.join(ROOT, 'bench/phones.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    let tokens: string[] = [];
    let posterToken = 'bare';
    if (target !== 'bare') {
      const m = await postJson<{ joinCode: string; facilitatorToken: string }>(`${dep.apiUrl}/api/meetings`, { title: '压测会议' });
      posterToken = m.facilitatorToken;
      for (let i = 0; i < n; i += 50) {
        const batch = Array.from({ length: Math.min(50, n - i) }, (_, j) =>
          postJson<{ token: string }>(`${dep.apiUrl}/api/join`, { joinCode: m.joinCode, name: `居民${i + j}`, group: '居民' }).then((r) => r.token)
        );
        tokens.push(...(await Promise.all(batch)));
      }
    }
    const next = <T>(type: string) =>
      new Promise<T>((resolve, reject) => {
        const onMsg = (msg: { type: string; message?: string }) => {
          if (msg.type === 'error') reject(new Error(msg.message));
          else if (msg.type === type) {
            phones.off('message', onMsg);
            resolve(msg as T);
          }
        };
        phones.on('message', onMsg);
        phones.once('exit', (code) => reject(new Error(`phones process exited (${code})`)));
      });
    const idle = total(dep.pids);
    const start: PhonesStart = { type: 'start', kind: target === 'bare' ? 'bare' : 'yishi', url: dep.url, tokens, n, posterToken, posterUrls: dep.nodeUrls, protocol: PROTOCOL_VERSION, localAddresses: dep.localAddresses };
    const connectedP = next<{ n: number }>('connected');
    phones.send(start);
    const connected = await connectedP;
    tokens = [];
    const before = total(dep.pids);
    const t0 = performance.now();
    const resultP = next<PhonesResult>('result');
    phones.send({ type: 'post', rate: RATE, durationMs: DURATION_MS });
    const result = await resultP;
    const wall = performance.now() - t0;
    const after = total(dep.pids);
    return {
      target,
      n,
      result,
      connected: connected.n,
      cpuPct: ((after.cpuMs - before.cpuMs) / wall) * 100,
      rssPerPhoneKb: (before.rssKb - idle.rssKb) / n,
      rssMb: before.rssKb / 1024
    };
  } finally {
    phones.send({ type: 'stop' });
    await new Promise((r) => (phones.exitCode !== null ? r(null) : phones.once('exit', r)));
    await dep.stop();
  }
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const fs3 = (s: Stats) => `${f(s.p50)} / ${f(s.p99)} / ${f(s.max)}`;

async function main() {
  console.log(`# Yishi fan-out benchmark — ${RATE} posts/s for ${DURATION_MS / 1000} s; N = ${NS.join(', ')}`);
  console.log(`# machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);
  const rows: Row[] = [];
  const header = '| target | N | delivered | pair p50 / p99 / max (ms) | last receiver p50 / p99 / max (ms) | ack p50 (ms) | snapshots asked | server CPU % | RSS MB (Δ kB / phone) | ÷ bare (pair p50, p99) | ÷ bare (last p99) |';
  console.log(header);
  console.log(header.replace(/[^|]+/g, ' --- '));
  for (const n of NS) {
    for (const target of TARGETS) {
      process.stderr.write(`running ${target} N=${n} …\n`);
      const r = await runOne(target, n);
      rows.push(r);
      // Printed as each run ends, so a long run that is stopped still leaves its rows.
      const bare = rows.find((b) => b.target === 'bare' && b.n === r.n);
      const ratio = (a: number, b: number | undefined) => (b && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : '—');
      console.log(
        `| ${r.target} | ${r.n} | ${r.result.received}/${r.result.expected} | ${fs3(r.result.pair)} | ${fs3(r.result.last)} | ${f(r.result.ackMs.p50)} | ${r.target === 'bare' ? '—' : r.result.snapshotRequests} | ${f(r.cpuPct)} | ${r.rssMb.toFixed(0)} (${f(r.rssPerPhoneKb)}) | ` +
          `${r.target === 'bare' ? '1×' : `${ratio(r.result.pair.p50, bare?.result.pair.p50)}, ${ratio(r.result.pair.p99, bare?.result.pair.p99)}`} | ` +
          `${r.target === 'bare' ? '1×' : ratio(r.result.last.p99, bare?.result.last.p99)} |`
      );
    }
  }
  if (PROFILE_DIR) console.log(`\nCPU profiles written to ${PROFILE_DIR} (open in Chrome DevTools, or summarise with bench/profileSummary.ts).`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  }
);
