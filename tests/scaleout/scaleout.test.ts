import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { EventMessage } from '@yishi/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, connected, createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { postJson, ROOT, startBackend, startProcess, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { startNginx, type NginxHandle } from './nginx.ts';

/**
 * Two Yishi nodes on one private redis-server, behind Debian's nginx running deploy/nginx.conf (only
 * the upstream addresses and the listen port are changed). Each test makes its own meeting.
 */
let backend: Awaited<ReturnType<typeof startBackend>>;
let nodes: Record<'node1' | 'node2', ServerProcess>;
let lb: NginxHandle;
const clients: TestClient[] = [];

const nodeEnv = (id: string) => ({
  ...backend.env,
  NODE_ID: id,
  TRUST_PROXY: '1',
  // The tests post in bursts from one phone; the rate limiter is not what is under test here.
  COMMAND_RATE: '1000',
  COMMAND_BURST: '1000'
});

beforeAll(async () => {
  backend = await startBackend('redis');
  const [node1, node2] = await Promise.all([startProcess(nodeEnv('node1')), startProcess(nodeEnv('node2'))]);
  nodes = { node1, node2 };
  lb = await startNginx([node1.port, node2.port]);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await lb?.stop();
  for (const n of Object.values(nodes ?? {})) {
    if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
    await n.exited;
  }
  await backend?.dispose();
});

async function phone(url: string, token: string): Promise<TestClient> {
  const c = new TestClient(url, token);
  clients.push(c);
  return c.ready();
}

/** A meeting in its topic phase: facilitator on node1, one phone on each node. */
async function meetingOnBothNodes() {
  const { node1, node2 } = nodes;
  const m = await createMeeting(node1.url);
  const [pa, pb] = await Promise.all([join(node1.url, m.joinCode, '王阿姨', '居民'), join(node2.url, m.joinCode, '李老板', '商户')]);
  const fac = await phone(node1.url, m.facilitatorToken);
  const onA = await phone(node1.url, pa.token);
  const onB = await phone(node2.url, pb.token);
  expect((await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).ok).toBe(true);
  await Promise.all([onA, onB].map((c) => c.until((s) => s.seq === fac.state!.seq, 'phase advanced')));
  return { m, fac, onA, onB };
}

/** Drops one named Redis connection of a node; ioredis reconnects it on its own. */
async function dropConnection(name: string): Promise<void> {
  const redis = backend.redis!;
  const ids = (await redis.cli('CLIENT', 'LIST'))
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
  expect(ids).toHaveLength(1);
  expect(await redis.cli('CLIENT', 'KILL', 'ID', ids[0]!)).toMatch(/OK|1/);
}


const titles = (c: TestClient) => [...(c.state?.topics.values() ?? [])].map((t) => t.title);
const postedBySeq = (c: TestClient) =>
  new Map(c.events.filter((e: EventMessage) => e.event.type === 'topic.posted').map((e) => [e.seq, (e.event as { title: string }).title]));

describe('two nodes on one Redis behind nginx', () => {
  it('serves the same /healthz through nginx, with the forwarded client address trusted', async () => {
    const res = await fetch(`${lb.url}/healthz`);
    const body = (await res.json()) as { ok: boolean; store: string; node: string };
    expect(body).toMatchObject({ ok: true, store: 'redis' });
    expect(['node1', 'node2']).toContain(body.node);
  });

  it('delivers a topic posted through node A to phones on node B, and the other way round', async () => {
    const { fac, onA, onB } = await meetingOnBothNodes();
    expect((await onB.send({ type: 'topic.post', title: '停车难' })).ok).toBe(true);
    await onA.until((s) => [...s.topics.values()].some((t) => t.title === '停车难'), 'node A phone sees node B topic');
    await fac.until((s) => [...s.topics.values()].some((t) => t.title === '停车难'), 'facilitator sees node B topic');
    expect((await onA.send({ type: 'topic.post', title: '垃圾分类' })).ok).toBe(true);
    await onB.until((s) => [...s.topics.values()].some((t) => t.title === '垃圾分类'), 'node B phone sees node A topic');
  });

  it('computes presence across nodes: a console on node B sees who connected to node A', async () => {
    const { node1, node2 } = nodes;
    const { m } = await meetingOnBothNodes();
    const consoleOnB = await phone(node2.url, m.facilitatorToken);
    const seen: string[][] = [];
    consoleOnB.socket.on('presence', (msg: { connected: string[] }) => seen.push(msg.connected));
    const late = await join(node1.url, m.joinCode, '张大爷', '居民');
    const lateClient = await phone(node1.url, late.token);
    await waitFor(() => seen.some((c) => c.includes(late.participantId)), { what: 'presence on B includes the phone on A' });
    lateClient.close();
    await waitFor(() => seen.length > 0 && !seen.at(-1)!.includes(late.participantId), { what: 'presence on B drops the phone that left A' });
  });

  it('revokes a link through node A and disconnects its screen on node B', async () => {
    const { node1, node2 } = nodes;
    const m = await createMeeting(node1.url);
    const res = await fetch(`${node1.url}/api/meetings/${m.meetingId}/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${m.facilitatorToken}` },
      body: JSON.stringify({ role: 'board' })
    });
    const link = (await res.json()) as { linkId: string; token: string };
    const board = await phone(node2.url, link.token);
    const del = await fetch(`${node1.url}/api/meetings/${m.meetingId}/links/${link.linkId}`, { method: 'DELETE', headers: { authorization: `Bearer ${m.facilitatorToken}` } });
    expect(del.status).toBe(200);
    await waitFor(() => board.closing.find((c) => c.reason === 'token_revoked'), { what: 'revocation notice on node B' });
    await waitFor(() => !board.socket.connected || board.connectError, { what: 'board on node B disconnected' });
  });

  it('acks concurrent posts through both nodes in one order that every phone agrees on', async () => {
    const { fac, onA, onB } = await meetingOnBothNodes();
    const n = 15; // a participant may post at most 20 topics
    const post = (c: TestClient, prefix: string, i: number) =>
      c
        .send(c === fac ? { type: 'topic.postFor', title: `${prefix}${i}`, convenerName: '赵师傅' } : { type: 'topic.post', title: `${prefix}${i}` })
        .then((ack) => ({ ack, title: `${prefix}${i}` }));
    const sends = Array.from({ length: n }, (_, i) => [post(onA, '甲', i), post(onB, '乙', i), post(fac, '主', i)]).flat();
    const results = await Promise.all(sends);
    for (const { ack } of results) expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
    const ackedSeq = new Map(results.map(({ ack, title }) => [ack.ok ? ack.seq : -1, title]));
    expect(ackedSeq.size).toBe(3 * n); // every ack names its own seq
    const last = Math.max(...ackedSeq.keys());
    for (const c of [fac, onA, onB]) {
      await c.until((s) => s.seq >= last, 'all posts folded');
      expect(postedBySeq(c)).toEqual(ackedSeq);
      expect(titles(c).sort()).toEqual([...ackedSeq.values()].sort());
    }
  });

  it('converges a Yjs document edited on node A and node B', async () => {
    const { node1, node2 } = nodes;
    const m = await createMeeting(node1.url);
    const docIds = await createDocuments(node1.url, m, ['charter']);
    const p = await join(node2.url, m.joinCode);
    const a = yjsClient(node1.url, m.meetingId, docIds.charter, m.facilitatorToken);
    const b = yjsClient(node2.url, m.meetingId, docIds.charter, p.token);
    try {
      await Promise.all([a.synced(), b.synced()]);
      a.doc.getText('body').insert(0, '第一条 本会名称为189民商联合会。');
      await waitFor(() => b.doc.getText('body').toString().includes('189民商联合会'), { what: 'node B sees the edit made on node A' });
      b.doc.getText('body').insert(0, '章程\n');
      await waitFor(() => a.doc.getText('body').toString().startsWith('章程\n'), { what: 'node A sees the edit made on node B' });
      expect(a.doc.getText('body').toString()).toBe(b.doc.getText('body').toString());
    } finally {
      a.provider.destroy();
      b.provider.destroy();
    }
  });

  it('resyncs the phones of a node whose Redis subscription dropped, so a topic published meanwhile still reaches them', async () => {
    const { fac, onB } = await meetingOnBothNodes();
    const before = onB.snapshots;
    await dropConnection('yishi:sio-sub:node2');
    // Posted at once: node B's subscription is away for at least its first retry delay, so the
    // broadcast most likely misses it and only the resync can bring the topic.
    const ack = await fac.send({ type: 'topic.postFor', title: '断线时', convenerName: '赵师傅' });
    expect(ack.ok).toBe(true);
    await waitFor(() => onB.snapshots > before, { what: 'node B resends its phones a snapshot once its subscription is back' });
    await onB.until((s) => s.seq >= (ack.ok ? ack.seq : Infinity), 'node B phone has the topic');
    expect(titles(onB)).toContain('断线时');
  });

  it('repairs a Yjs document on a node whose relay subscription dropped while the other node edited it', async () => {
    const { m } = await meetingOnBothNodes();
    const docIds = await createDocuments(nodes.node1.url, m, ['charter']);
    const p = await join(nodes.node2.url, m.joinCode);
    const a = yjsClient(nodes.node1.url, m.meetingId, docIds.charter, m.facilitatorToken);
    const b = yjsClient(nodes.node2.url, m.meetingId, docIds.charter, p.token);
    try {
      await Promise.all([a.synced(), b.synced()]);
      await dropConnection('yishi:yjs-sub:node2');
      a.doc.getText('body').insert(0, '断线时写下的一条');
      await waitFor(() => b.doc.getText('body').toString() === '断线时写下的一条', { what: 'node B has the edit made while its relay was away' });
    } finally {
      a.provider.destroy();
      b.provider.destroy();
    }
  });

  it('counts failed join codes per client address across both nodes, however they are spread', async () => {
    // A made-up client address behind the trusted proxy, so the other tests' address is not throttled.
    const from = { 'x-forwarded-for': '203.0.113.50' };
    const tryCode = (url: string) => postJson<{ error?: { code: string } }>(`${url}/api/join`, { joinCode: '999999', name: '试码的人', group: '居民' }, from);
    // JOIN_FAILURES_PER_MINUTE is 30: fifteen wrong codes on each node use it up...
    for (let i = 0; i < 15; i++) {
      const [a, b] = await Promise.all([tryCode(nodes.node1.url), tryCode(nodes.node2.url)]);
      expect([a.status, b.status]).toEqual([404, 404]);
    }
    // ...so both nodes now refuse that address, with a Retry-After, while another address may still try.
    for (const url of [nodes.node1.url, nodes.node2.url]) {
      const refused = await tryCode(url);
      expect(refused.status).toBe(429);
      expect(refused.body.error?.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const other = await postJson(`${nodes.node2.url}/api/join`, { joinCode: '999999', name: '别人', group: '居民' }, { 'x-forwarded-for': '203.0.113.51' });
    expect(other.status).toBe(404);
  });

  it('keeps every acked topic when redis-server is killed with SIGKILL and restarted', async () => {
    const redis = backend.redis!;
    const { fac, onB } = await meetingOnBothNodes();
    const acked: string[] = [];
    const posts = Array.from({ length: 40 }, (_, i) =>
      fac.send({ type: 'topic.postFor', title: `红${i}`, convenerName: '赵师傅' }, 5_000).then(
        (ack) => void (ack.ok && acked.push(`红${i}`)),
        () => undefined
      )
    );
    await waitFor(() => acked.length >= 10, { what: 'ten posts acked' });
    await redis.kill('SIGKILL');
    // Redis stays away until every post in flight has been answered or has timed out.
    await Promise.all(posts);
    await redis.restart();
    // The nodes take commands again once their connections are back, and phones on the other node hear of them.
    const after = await waitFor(
      async () => {
        const ack = await fac.send({ type: 'topic.postFor', title: '重启后', convenerName: '赵师傅' }, 2_000).catch(() => null);
        return ack?.ok ? ack : null;
      },
      { what: 'a post acked after the restart', timeoutMs: 15_000, intervalMs: 100 }
    );
    acked.push('重启后');
    await onB.until((s) => s.seq >= (after.ok ? after.seq : Infinity), 'node B phone caught up after the restart');
    const fresh = await connected(nodes.node2.url, (fac.socket.auth as { token: string }).token);
    clients.push(fresh);
    for (const title of acked) expect(titles(fresh)).toContain(title);
    for (const title of acked) expect(titles(onB)).toContain(title);
  });

  it('loses nothing acked when the node behind nginx is killed with SIGKILL; its phones continue on the other node', async () => {
    // nginx hashes the client address; all test clients are 127.0.0.1, so they share one node.
    const served = ((await (await fetch(`${lb.url}/healthz`)).json()) as { node: 'node1' | 'node2' }).node;
    const victim = nodes[served];
    const survivor = nodes[served === 'node1' ? 'node2' : 'node1'];
    const m = await createMeeting(lb.url);
    const p = await join(lb.url, m.joinCode);
    const fac = await phone(lb.url, m.facilitatorToken);
    const viaLb = await phone(lb.url, p.token);
    const observer = await phone(survivor.url, m.facilitatorToken);
    expect((await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).ok).toBe(true);

    const acked: string[] = [];
    const posts = Array.from({ length: 150 }, (_, i) =>
      fac.send({ type: 'topic.postFor', title: `杀${i}`, convenerName: '赵师傅' }, 5_000).then(
        (ack) => {
          if (ack.ok) acked.push(`杀${i}`);
          if (acked.length === 10) victim.child.kill('SIGKILL');
        },
        () => undefined
      )
    );
    await Promise.all(posts);
    expect((await victim.exited).signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(10);

    // The phones reconnect by themselves, through nginx, to the node that is left, and resync.
    await waitFor(() => fac.socket.connected && viaLb.socket.connected, { what: 'phones reconnected through nginx', timeoutMs: 15_000 });
    const ack = await waitFor(
      async () => {
        const a = await fac.send({ type: 'topic.postFor', title: '换节点后', convenerName: '赵师傅' }, 2_000).catch(() => null);
        return a?.ok ? a : null;
      },
      { what: 'a post acked through the surviving node', timeoutMs: 15_000, intervalMs: 100 }
    );
    acked.push('换节点后');
    const lastSeq = ack.ok ? ack.seq : Infinity;
    for (const c of [fac, viaLb, observer]) {
      await c.until((s) => s.seq >= lastSeq, 'caught up on the surviving node');
      for (const title of acked) expect(titles(c)).toContain(title);
    }
    const health = (await (await fetch(`${lb.url}/healthz`)).json()) as { node: string };
    expect(health.node).not.toBe(served);
  });

  const compose = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((p) => existsSync(p));
  it.skipIf(!compose)('has a docker-compose.yml that `docker-compose config -q` accepts', () => {
    const r = spawnSync(compose!, ['config', '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});
