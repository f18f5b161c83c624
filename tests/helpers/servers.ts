import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createYishiServer, loadConfig, type YishiServer } from '@yishi/realtime-server';
import { openStore } from '@yishi/store';
import { startRedisServer } from '../../packages/store/test/redisServer.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export type StoreKind = 'sqlite' | 'redis';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'redis'];

export type RedisHandle = Awaited<ReturnType<typeof startRedisServer>>;

export type Backend = Awaited<ReturnType<typeof startBackend>>;

/** A backend for one test: a temp data dir, or an own redis-server on a free port. */
export async function startBackend(kind: StoreKind): Promise<{ env: Record<string, string>; redis: RedisHandle | null; dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yishi-test-'));
  const redis = kind === 'redis' ? await startRedisServer() : null;
  return {
    // The tests create many meetings from 127.0.0.1; the creation limit is not what they test.
    env: { DATA_DIR: dataDir, MEETINGS_PER_HOUR: '100000', ...(redis ? { REDIS_URL: redis.url } : {}) },
    redis,
    async dispose() {
      await redis?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  };
}

export interface InProcess {
  server: YishiServer;
  url: string;
  port: number;
  backend: Backend;
  stop(): Promise<void>;
}

/** The real server, in this process, on port 0 over loopback, against a real store. */
export async function startInProcess(kind: StoreKind, env: Record<string, string> = {}): Promise<InProcess> {
  const backend = await startBackend(kind);
  const srv = await startOn(backend, env);
  return {
    ...srv,
    async stop() {
      await srv.stop();
      await backend.dispose();
    }
  };
}

/** The real server in this process on an existing backend; `stop` leaves the backend for a restart. */
export async function startOn(backend: Backend, env: Record<string, string> = {}): Promise<InProcess> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...backend.env, ...env });
  const store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
  const server = await createYishiServer({ config, store, log: createLogger(config.logLevel, 'test'), webHandlerPath: null });
  const { port } = await server.listen();
  return { server, url: `http://127.0.0.1:${port}`, port, backend, stop: () => server.close() };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The real server as its own process (`node --import tsx realtime-server/src/main.ts`), for kill tests;
 * `nodeArgs` go to node before the script (a bench's `--cpu-prof`, which NODE_OPTIONS may not carry).
 */
export async function startProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'realtime-server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise<number>((resolve, reject) => {
    // A deadline, not a wait: on a busy machine loading the server's modules alone can take 20 s.
    const timer = setTimeout(() => {
      // Not left running behind the failed test.
      child.kill('SIGKILL');
      reject(new Error(`server did not listen within 60 s:\n${out}`));
    }, 60_000);
    const check = () => {
      const m = /"msg":"yishi listening"/.test(out) ? /"port":(\d+)/.exec(out) : null;
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}):\n${out}`));
    });
  });
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

export async function postJson<T = unknown>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}
