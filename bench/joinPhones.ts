/**
 * The phones of one join storm (bench/joinStorm.ts), in their own process so the server's CPU is its
 * own. Phone i starts at i × window / n and does what the join page does: `POST /api/join` with a
 * fresh join key, then a Socket.IO connection (websocket) with the token it got, until its first
 * snapshot. The time from the join request to that snapshot is recorded; every phone stays connected
 * until the storm is over, as a hall's phones do.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { stats, type Stats } from './stats.ts';

export interface StormStart {
  type: 'start';
  apiUrl: string;
  joinCode: string;
  n: number;
  windowMs: number;
  protocol: number;
  /** Loopback addresses the phones are spread over (each phone of a hall has its own). */
  localAddresses: string[];
}
export interface StormResult {
  type: 'result';
  n: number;
  /** Phones that got their first snapshot. */
  completed: number;
  joinFailures: number;
  connectFailures: number;
  /** Join request → first snapshot, ms. */
  latency: Stats;
  /** Join request → join response, ms. */
  joinMs: Stats;
  /** Mean size of a first snapshot frame as received, bytes. */
  snapshotBytes: number;
  firstError: string | null;
}

const GROUPS = ['居民', '商户', '居委会'];
const send = (msg: unknown) => process.send!(msg);
const sockets: Socket[] = [];

function postJoin(apiUrl: string, body: unknown, localAddress: string | undefined): Promise<{ status: number; body: { token?: string; error?: unknown } }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      `${apiUrl}/api/join`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, ...(localAddress ? { localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never });
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function onStart(msg: StormStart): Promise<void> {
  const latencies: number[] = [];
  const joinMs: number[] = [];
  let joinFailures = 0;
  let connectFailures = 0;
  let snapshotBytes = 0;
  let snapshotFrames = 0;
  let firstError: string | null = null;
  const fail = (what: string) => (firstError ??= what);

  const phone = async (i: number): Promise<void> => {
    const localAddress = msg.localAddresses.length ? msg.localAddresses[i % msg.localAddresses.length] : undefined;
    const t0 = performance.now();
    let token: string;
    try {
      const res = await postJoin(msg.apiUrl, { joinCode: msg.joinCode, name: `居民${i}`, group: GROUPS[i % GROUPS.length], joinKey: randomBytes(18).toString('base64url') }, localAddress);
      if (res.status !== 201 || typeof res.body.token !== 'string') throw new Error(`join ${res.status} ${JSON.stringify(res.body)}`);
      token = res.body.token;
    } catch (err) {
      joinFailures++;
      fail(String(err));
      return;
    }
    joinMs.push(performance.now() - t0);
    const s = io(msg.apiUrl, {
      auth: { token, protocol: msg.protocol },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 120_000,
      ...(localAddress ? { localAddress } : {})
    } as Parameters<typeof io>[1]);
    sockets.push(s);
    // The frame's size as it came over the wire, without decoding it twice.
    let measured = false;
    s.io.on('open', () =>
      s.io.engine.on('packet', (p: { type: string; data?: unknown }) => {
        if (measured || p.type !== 'message' || typeof p.data !== 'string' || !p.data.startsWith('2["snapshot"')) return;
        measured = true;
        snapshotBytes += Buffer.byteLength(p.data);
        snapshotFrames++;
      })
    );
    await new Promise<void>((resolve) => {
      s.once('snapshot', () => {
        latencies.push(performance.now() - t0);
        resolve();
      });
      s.once('connect_error', (err: Error) => {
        connectFailures++;
        fail(`connect: ${err.message}`);
        resolve();
      });
    });
  };

  const began = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < msg.n; i++) {
    // Fixed schedule (open loop): a slow server does not slow the arrivals down.
    const due = began + (i * msg.windowMs) / msg.n;
    const now = performance.now();
    if (due > now) await new Promise((r) => setTimeout(r, due - now));
    running.push(phone(i));
  }
  await Promise.all(running);
  const result: StormResult = {
    type: 'result',
    n: msg.n,
    completed: latencies.length,
    joinFailures,
    connectFailures,
    latency: stats(latencies),
    joinMs: stats(joinMs),
    snapshotBytes: snapshotFrames ? snapshotBytes / snapshotFrames : 0,
    firstError
  };
  send(result);
}

process.on('message', (msg: StormStart | { type: 'stop' }) => {
  if (msg.type === 'start') onStart(msg).catch((err: unknown) => send({ type: 'error', message: String((err as Error)?.stack ?? err) }));
  else {
    for (const s of sockets) s.disconnect();
    process.exit(0);
  }
});
