import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';

export interface RedisServerHandle {
  url: string;
  port: number;
  /** Data directory; the AOF lives in `appendonlydir/` under it. */
  dir: string;
  /** Kills the process (SIGKILL unless told otherwise) and waits for it to exit. The data stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal without waiting for an exit (SIGSTOP/SIGCONT freeze and thaw the server). */
  signal(signal: NodeJS.Signals): void;
  /** Starts the server again on the same port and directory (stopping it first if it still runs). */
  restart(): Promise<void>;
  /** Shuts the server down and deletes its directory. */
  stop(): Promise<void>;
  /** Runs one command with redis-cli against this server and returns its raw output. */
  cli(...args: string[]): Promise<string>;
}

/**
 * A private redis-server for one test file: its own free port and temp dir, AOF with fsync on every
 * write (as in production), no RDB snapshots. Never the shared server on 6379.
 */
export async function startRedisServer(): Promise<RedisServerHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'yishi-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;

  const launch = async () => {
    const proc = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    child = proc;
    try {
      await untilPing(port, exited);
    } catch (err) {
      proc.kill('SIGKILL');
      await exited;
      child = null;
      throw new Error(`redis-server did not start on port ${port}: ${(err as Error).message}\n${output}`);
    }
  };

  // A port found free can be taken before redis binds it; try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
    child = null;
  };
  // Don't leave a redis-server behind if the test process ends without stopping it.
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill,
    signal(signal) {
      child?.kill(signal);
    },
    async restart() {
      await kill('SIGTERM');
      await launch();
    },
    async stop() {
      await kill('SIGTERM');
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
    async cli(...args) {
      const { stdout } = await execFileAsync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args]);
      return stdout;
    }
  };
}

/** A port nothing listens on right now (tests start their own servers on it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One PING over a raw socket: true when the server answers PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

/** Polls PING until it answers (bounded), failing early if the process exits. */
async function untilPing(port: number, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 250; i++) {
    if (gone) throw new Error('redis-server exited');
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no PONG within 5s');
}
