import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { PROTOCOL_VERSION, type Ack } from '@yishi/protocol';
import { connected, createMeeting, join } from '../helpers/clients.ts';
import { ROOT, STORE_KINDS, postJson, startBackend, startInProcess, startProcess, type Backend, type InProcess, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

/*
 * Snapshot requests (`emit('snapshot', {}, ack)`) are answered with the whole meeting. One phone asking
 * as fast as it could used to queue thousands of reads of a big meeting on the server: other phones'
 * posts went unacked for seconds and the server stopped answering HTTP. Now they are rate-limited per
 * connection and coalesced. The server runs as its own process, so the flooding client's own work does
 * not count as the server's; times are compared only with a baseline taken in the same run.
 */

const PARTICIPANTS = 300;
const TOPICS = 300;
const FLOOD_MS = 1_000;
/** Snapshot requests a flood sends at the least, however long that takes. */
const FLOOD_LEAST = 1_500;

/** The connection's allowance before it is refused (realtime-server's SNAPSHOT_RATE.burst). */
const SNAPSHOT_BURST = 3;

/**
 * The flooding phone: its own process at the lowest CPU priority, as if it were another device. In this
 * process its sending loop would hold up the measuring client's acks, and at normal priority it would
 * take a core the server needs on a two-core machine: either way the test would measure itself.
 */
const FLOODER = `
const { io } = require('socket.io-client');
const { url, token, protocol } = JSON.parse(process.env.FLOODER);
const socket = io(url, { auth: { token, protocol }, transports: ['websocket'], forceNew: true, reconnection: false });
let snapshots = -1; // the first is the connection's own
let firstRefusal = null;
socket.on('snapshot', () => {
  if (++snapshots === 0) process.send({ type: 'ready' });
});
socket.on('connect_error', (err) => process.send({ type: 'error', message: String(err) }));
process.on('message', async ({ ms, least }) => {
  let sent = 0;
  const end = performance.now() + ms;
  // As fast as it can, none waiting for an answer; a turn of the loop now and then lets its socket write.
  // For the time given and at least 'least' requests: at the lowest priority on a busy machine it may
  // be given little CPU, and a flood it did not send would measure nothing.
  while (performance.now() < end || sent < least) {
    for (let i = 0; i < 20; i++, sent++) socket.emit('snapshot', {}, (ack) => { if (!ack.ok && !firstRefusal) firstRefusal = ack; });
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.send({ type: 'done', sent, snapshots, firstRefusal }, () => process.exit(0));
});
`;

interface Flooded {
  sent: number;
  snapshots: number;
  firstRefusal: Ack | null;
}

async function startFlooder(url: string, token: string): Promise<{ flood(ms: number): Promise<Flooded> }> {
  const child = spawn('nice', ['-n', '19', process.execPath, '-e', FLOODER], {
    cwd: ROOT,
    env: { ...process.env, FLOODER: JSON.stringify({ url, token, protocol: PROTOCOL_VERSION }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (msg: { type: string; message?: string }) => {
        if (msg.type === 'error') reject(new Error(msg.message));
        if (msg.type !== type) return;
        child.off('message', onMessage);
        resolve(msg as T);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`flooder exited (${code})`)));
    });
  await next('ready');
  return {
    flood(ms) {
      const done = next<Flooded>('done');
      child.send({ ms, least: FLOOD_LEAST });
      return done;
    }
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe.each(STORE_KINDS)('snapshot requests on %s', (kind) => {
  let backend: Backend;
  let server: ServerProcess;
  beforeAll(async () => {
    backend = await startBackend(kind);
    server = await startProcess({ ...backend.env, LOG_LEVEL: 'info', COMMAND_RATE: '2000', COMMAND_BURST: '2000' });
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await backend?.dispose();
  });

  /** A marketplace with a few hundred participants and topics: a snapshot of it is large. */
  async function bigMeeting() {
    const m = await createMeeting(server.url);
    const fac = await connected(server.url, m.facilitatorToken);
    expect(await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).toMatchObject({ ok: true });
    const tokens: string[] = [];
    for (let i = 0; i < PARTICIPANTS; i += 25) {
      const batch = await Promise.all(Array.from({ length: 25 }, (_, j) => join(server.url, m.joinCode, `居民${i + j}`)));
      tokens.push(...batch.map((p) => p.token));
    }
    for (let i = 0; i < TOPICS; i += 25) {
      const acks = await Promise.all(Array.from({ length: 25 }, (_, j) => fac.send({ type: 'topic.postFor', title: `议题 ${i + j} ${'停车难'.repeat(10)}`, convenerName: '李大爷' })));
      expect(acks.every((a) => a.ok)).toBe(true);
    }
    return { m, fac, tokens };
  }

  /** The facilitator's command-ack times (ms), one command after another, until `until` says stop. */
  async function acksWhile(fac: Awaited<ReturnType<typeof connected>>, until: () => boolean): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; !until(); i++) {
      const t0 = performance.now();
      const ack = await fac.send({ type: 'topic.postFor', title: `计时 ${i}`, convenerName: '记录员' });
      expect(ack.ok).toBe(true);
      times.push(performance.now() - t0);
    }
    return times;
  }

  /** HTTP round trips (`/healthz`, then `POST /api/meetings` for the first few) until `until` says stop. */
  async function httpWhile(until: () => boolean, creations = 2): Promise<{ healthz: number; created: number }> {
    const answered = { healthz: 0, created: 0 };
    while (!until()) {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      answered.healthz++;
      if (answered.created < creations) {
        // 201, or 429 should creation be throttled per address: either way the server answered.
        const res = await postJson(`${server.url}/api/meetings`, { title: '洪水中新建的会议' });
        expect([201, 429]).toContain(res.status);
        answered.created++;
      }
    }
    return answered;
  }

  it('rate-limits one connection flooding snapshot requests: another client stays within 3× its calm ack time, and HTTP answers', async () => {
    const { fac, tokens } = await bigMeeting();
    const flooder = await startFlooder(server.url, tokens[0]!);

    // The same second twice, the flood only in the second: the facilitator's commands one after another,
    // and HTTP requests one after another.
    const second = async (flood: () => Promise<Flooded | null>) => {
      const until = performance.now() + FLOOD_MS;
      let flooded: Flooded | null | undefined;
      const over = () => flooded !== undefined && performance.now() >= until;
      const [acks, http] = await Promise.all([acksWhile(fac, over), httpWhile(over), flood().then((f) => (flooded = f))]);
      return { acks, http, flooded };
    };
    // A calm second on each side of the flood: the baseline is the slower of the two, so a machine
    // that got busier (or quieter) for other reasons during the run does not decide the comparison.
    const calm = await second(async () => null);
    const during = await second(() => flooder.flood(FLOOD_MS));
    const calmAfter = await second(async () => null);
    const flooded = during.flooded!;

    expect(during.acks.length).toBeGreaterThanOrEqual(5);
    // Unlimited, the flood held other phones' acks for seconds (hundreds of times the calm median); 3×
    // leaves room for a two-core machine shared with other work (2× flickered at a load average of 10).
    expect(median(during.acks)).toBeLessThanOrEqual(3 * Math.max(median(calm.acks), median(calmAfter.acks)));
    // HTTP answered throughout, creation too. Unlimited, the flood stopped HTTP for seconds; limited, the
    // refusals still cost the server some CPU on a two-core machine the test shares with the flooder and
    // itself, so a tight loop of round trips runs slower (at half the calm rate or a little under, once
    // in a CI run on a quiet machine): a quarter is the bar.
    expect(during.http.healthz).toBeGreaterThanOrEqual(Math.min(calm.http.healthz, calmAfter.http.healthz) / 4);
    expect(during.http.created).toBe(calm.http.created);
    expect(flooded.sent).toBeGreaterThanOrEqual(FLOOD_LEAST);
    // What the flooder got: its burst of snapshots, then typed refusals saying when to try again.
    expect(flooded.snapshots).toBeLessThanOrEqual(SNAPSHOT_BURST + 2);
    expect(flooded.firstRefusal).toMatchObject({ ok: false, error: { code: 'rate_limited', retryAfterMs: expect.any(Number) } });
    fac.close();
  }, 120_000);
});

describe.each(STORE_KINDS)('snapshot reads on %s', (kind) => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess(kind);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  /**
   * Reads of `meetingId` wait until `count` snapshot requests have reached the server (as behind a busy
   * queue or a slow store), and are counted.
   */
  function holdReads(meetingId: string, count: number) {
    const meetings = srv.server.meetings;
    const current = meetings.current.bind(meetings);
    const held = { reads: 0, restore: () => void (meetings.current = current) };
    let arrived = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    meetings.current = async (id) => {
      if (id !== meetingId) return current(id);
      held.reads++;
      await gate;
      return current(id);
    };
    // Registered after the server's own handler, so it counts requests the server has already taken up.
    for (const socket of srv.server.sockets.io.of('/').sockets.values()) {
      socket.on('snapshot', () => {
        if (socket.data.auth.meetingId === meetingId && ++arrived === count) open();
      });
    }
    return held;
  }

  it('answers requests from one connection while its snapshot is on its way with that snapshot', async () => {
    const m = await createMeeting(srv.url);
    const phone = await connected(srv.url, (await join(srv.url, m.joinCode)).token);
    const before = phone.snapshots;
    const held = holdReads(m.meetingId, 3);
    try {
      // Three fit the burst; the second and third arrive while the first is on its way, and share it.
      const acks = await Promise.all([1, 2, 3].map(() => phone.socket.timeout(10_000).emitWithAck('snapshot', {}) as Promise<Ack>));
      expect(acks.every((a) => a.ok && a.seq === phone.seq)).toBe(true);
      expect(phone.snapshots - before).toBe(1);
      expect(held.reads).toBe(1);
    } finally {
      held.restore();
      phone.close();
    }
  });

  it('reads the meeting at most twice for many connections asking while a read is under way', async () => {
    const m = await createMeeting(srv.url);
    const phones = await Promise.all(Array.from({ length: 20 }, async (_, i) => connected(srv.url, (await join(srv.url, m.joinCode, `居民${i}`)).token)));
    const held = holdReads(m.meetingId, phones.length);
    try {
      const acks = await Promise.all(phones.map((p) => p.socket.timeout(10_000).emitWithAck('snapshot', {}) as Promise<Ack>));
      expect(acks.every((a) => a.ok)).toBe(true);
      await waitFor(() => phones.every((p) => p.snapshots === 2), { what: 'every phone has its snapshot' });
      // The first request's read, and one read after it shared by the nineteen that came during it.
      expect(held.reads).toBe(2);
    } finally {
      held.restore();
      for (const p of phones) p.close();
    }
  });
});
