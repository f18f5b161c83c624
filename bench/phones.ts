/**
 * Hosts all simulated phones of one benchmark run, in its own process (so the server's CPU is its
 * own): N receivers and one poster per server node, socket.io-client over the websocket transport.
 * Posting and receiving happen here, on one clock. Each Yishi phone keeps its copy of the meeting with
 * the page's own MeetingFeed (its gap rule and grace window), asks for a snapshot when that says so, and
 * the requests are counted. Driven by bench/fanout.ts over IPC.
 */
import { performance } from 'node:perf_hooks';
import type { EventMessage } from '../packages/domain/src/index.ts';
import type { Ack, EntriesMessage } from '../packages/protocol/src/index.ts';
import { io, type Socket } from 'socket.io-client';
import { MeetingFeed } from '../web/src/lib/meeting/feed.ts';
import { stats, type Stats } from './stats.ts';

export interface PhonesStart {
  type: 'start';
  kind: 'yishi' | 'bare';
  url: string;
  /** One per receiving phone (yishi); empty for bare. */
  tokens: string[];
  n: number;
  posterToken: string;
  /** Where the posters connect: each node directly when there are several, so commits start on all of them. */
  posterUrls: string[];
  protocol: number;
  /** Local addresses to spread phones over (nginx hashes the client address). */
  localAddresses: string[];
}
export interface PhonesPost {
  type: 'post';
  rate: number;
  durationMs: number;
}
export interface PhonesResult {
  type: 'result';
  posts: number;
  acked: number;
  expected: number;
  received: number;
  pair: Stats;
  last: Stats;
  ackMs: Stats;
  /** Snapshot requests the phones' MeetingFeed made (a gap in seq that did not close in its grace window). */
  snapshotRequests: number;
}


const send = (msg: unknown) => process.send!(msg);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

let start: PhonesStart;
const receivers: Socket[] = [];
let posters: Socket[] = [];
let snapshotRequests = 0;
const sentAt = new Map<string, number>();
const pairLatencies: number[] = [];
const lastByPost = new Map<string, number>();
const receivedByPost = new Map<string, number>();

function connect(url: string, token: string, localAddress: string | undefined, protocol: number): Socket {
  return io(url, {
    auth: { token, protocol },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
    ...(localAddress ? { localAddress } : {})
  } as Parameters<typeof io>[1]);
}

/** A phone's copy of the meeting, kept as the page keeps it; a gap it cannot close asks for a snapshot. */
function follow(s: Socket): void {
  const feed = new MeetingFeed({
    changed: () => undefined,
    resync: () => {
      snapshotRequests++;
      const ask = () =>
        s.timeout(10_000).emit('snapshot', {}, (err: Error | null, ack: Ack) => {
          if (!feed.awaitingSnapshot || !s.connected || (!err && ack.ok)) return;
          setTimeout(ask, !err && !ack.ok ? (ack.error.retryAfterMs ?? 1_000) : 1_000);
        });
      ask();
    }
  });
  s.on('connect', () => feed.expectSnapshot());
  s.on('snapshot', (msg: { seq: number; state: never }) => feed.snapshot(msg.seq, msg.state));
  s.on('entries', ({ entries }: EntriesMessage) => {
    for (const entry of entries) if (!('skip' in entry)) onEvent(entry as EventMessage);
    feed.entries(entries);
  });
}

function onEvent(msg: { event?: { type?: string; title?: string } }) {
  const title = msg?.event?.title;
  if (typeof title !== 'string' || !title.startsWith('bench#')) return;
  const t0 = sentAt.get(title);
  if (t0 === undefined) return;
  const dt = performance.now() - t0;
  pairLatencies.push(dt);
  receivedByPost.set(title, (receivedByPost.get(title) ?? 0) + 1);
  if (dt > (lastByPost.get(title) ?? 0)) lastByPost.set(title, dt);
}

function ready(s: Socket, kind: PhonesStart['kind']): Promise<void> {
  return new Promise((resolve, reject) => {
    if (kind === 'bare') s.once('connect', () => resolve());
    else s.once('snapshot', () => resolve());
    s.once('connect_error', (err) => reject(err));
  });
}

async function onStart(msg: PhonesStart) {
  start = msg;
  const addr = (i: number) => (msg.localAddresses.length ? msg.localAddresses[i % msg.localAddresses.length] : undefined);
  // Connect in batches so the handshake storm does not time out on two cores.
  for (let i = 0; i < msg.n; i += 100) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(msg.n, i + 100); j++) {
      const s = connect(msg.url, msg.kind === 'bare' ? 'bare' : msg.tokens[j]!, addr(j), msg.protocol);
      // Bare sends each post as its own `event`; Yishi sends batches (`entries`), read in follow().
      if (msg.kind === 'yishi') follow(s);
      else s.on('event', onEvent);
      receivers.push(s);
      batch.push(ready(s, msg.kind));
    }
    await Promise.all(batch);
  }
  posters = (msg.kind === 'yishi' ? msg.posterUrls : [msg.url]).map((url) => connect(url, msg.posterToken, undefined, msg.protocol));
  if (msg.kind === 'yishi') {
    const snaps = await Promise.all(
      posters.map(
        (poster) =>
          new Promise<{ state: { phaseId: string } }>((resolve, reject) => {
            poster.once('snapshot', resolve);
            poster.once('connect_error', reject);
          })
      )
    );
    // The facilitator opens the topic marketplace; topics can be posted from then on.
    const ack = (await posters[0]!.timeout(10_000).emitWithAck('cmd', { commandId: 'bench-advance', type: 'phase.advance', fromPhaseId: snaps[0]!.state.phaseId })) as { ok: boolean };
    if (!ack.ok) throw new Error(`phase.advance refused: ${JSON.stringify(ack)}`);
  } else await ready(posters[0]!, 'bare');
  // Let the join/phase events drain before measuring; what the phones asked for until now is not counted.
  await wait(500);
  snapshotRequests = 0;
  send({ type: 'connected', n: receivers.length });
}

async function onPost(msg: PhonesPost) {
  const total = Math.max(1, Math.round((msg.rate * msg.durationMs) / 1000));
  const interval = 1000 / msg.rate;
  const ackMs: number[] = [];
  let acked = 0;
  let nackShown = false;
  const began = performance.now();
  const pending: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    // Fixed schedule: a slow server does not slow the poster down (open loop).
    const due = began + k * interval;
    const now = performance.now();
    if (due > now) await wait(due - now);
    const title = `bench#${k}`;
    const t0 = performance.now();
    sentAt.set(title, t0);
    const cmd = start.kind === 'yishi' ? { commandId: `bench-post-${k}`, type: 'topic.postFor', title, convenerName: '压测' } : { title };
    pending.push(
      // Round robin over the nodes: consecutive entries are committed on different nodes.
      (posters[k % posters.length]!.timeout(30_000).emitWithAck('cmd', cmd) as Promise<{ ok: boolean }>).then(
        (ack) => {
          if (ack.ok) {
            acked++;
            ackMs.push(performance.now() - t0);
          } else if (!nackShown) {
            nackShown = true;
            process.stderr.write(`post refused: ${JSON.stringify(ack)}\n`);
          }
        },
        () => undefined
      )
    );
  }
  await Promise.all(pending);
  const expected = total * receivers.length;
  // Bounded drain: every delivery, or 15 s after the last ack.
  const deadline = performance.now() + 15_000;
  while (pairLatencies.length < expected && performance.now() < deadline) await wait(20);
  const result: PhonesResult = {
    type: 'result',
    posts: total,
    acked,
    expected,
    received: pairLatencies.length,
    pair: stats(pairLatencies),
    last: stats([...lastByPost.values()]),
    ackMs: stats(ackMs),
    snapshotRequests
  };
  send(result);
}

process.on('message', (msg: PhonesStart | PhonesPost | { type: 'stop' }) => {
  if (msg.type === 'start') onStart(msg).catch((err: unknown) => send({ type: 'error', message: String((err as Error)?.stack ?? err) }));
  else if (msg.type === 'post') onPost(msg).catch((err: unknown) => send({ type: 'error', message: String((err as Error)?.stack ?? err) }));
  else {
    for (const s of receivers) s.disconnect();
    for (const poster of posters) poster.disconnect();
    process.exit(0);
  }
});
