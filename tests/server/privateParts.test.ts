import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { participantCountsByGroup } from '@yishi/domain';
import type { EntriesMessage } from '@yishi/protocol';
import { TestClient, commandId, createLink, createMeeting, join, unbatch } from '../helpers/clients.ts';
import { STORE_KINDS, startBackend, startProcess, type Backend, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Per-person projection on the real server: a private part (a participant's own record, their own hidden
 * topic) reaches that participant's sockets only, wherever they are connected. The server runs as its
 * own process (main.ts, as deployed); on Redis two nodes share the store and the rooms (the Socket.IO
 * Redis adapter), and every person has a socket on each node.
 */
describe.each(STORE_KINDS)('private parts on %s', (kind) => {
  let backend: Backend;
  const nodes: ServerProcess[] = [];
  const clients: TestClient[] = [];
  beforeAll(async () => {
    backend = await startBackend(kind);
    const env = { ...backend.env, COMMAND_RATE: '200', COMMAND_BURST: '200' };
    nodes.push(...(await Promise.all((kind === 'redis' ? ['node1', 'node2'] : ['node1']).map((id) => startProcess({ ...env, NODE_ID: id })))));
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const node of nodes) {
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    await backend?.dispose();
  });

  interface Wire {
    name: string;
    json: string;
    msg: { seq?: number; event?: { type: string }; actor?: unknown };
  }

  /** A client that also keeps every message it was sent, raw, in order (a batch's entries one by one). */
  async function client(url: string, token: string) {
    const c = new TestClient(url, token);
    clients.push(c);
    const wire: Wire[] = [];
    c.socket.onAny((name: string, msg: unknown) => {
      if (name !== 'entries') return void wire.push({ name, json: JSON.stringify(msg), msg: msg as never });
      for (const one of unbatch((msg as EntriesMessage).entries)) wire.push({ name: one.name, json: JSON.stringify(one.msg), msg: one.msg as never });
    });
    await c.ready();
    return { c, wire };
  }

  it('a private part reaches only its participant, on every node; the others get a skip and never the redacted name or actor', async () => {
    const first = nodes[0]!.url;
    const last = nodes.at(-1)!.url;
    const m = await createMeeting(first);
    const ann = await join(first, m.joinCode, '安阿姨', '居民');
    const bob = await join(last, m.joinCode, '薄老板', '商户');
    const cat = await join(first, m.joinCode, '猫大爷', '居民');
    const fac = await client(first, m.facilitatorToken);
    const board = await client(last, await createLink(first, m.meetingId, m.facilitatorToken));
    // Each participant on each node.
    const anns = [await client(first, ann.token), await client(last, ann.token)];
    const bobs = [await client(first, bob.token), await client(last, bob.token)];
    const cats = [await client(first, cat.token), await client(last, cat.token)];
    const everyone = [fac, board, ...anns, ...bobs, ...cats];

    expect((await fac.c.send({ type: 'phase.advance', fromPhaseId: fac.c.state!.phaseId })).ok).toBe(true);
    const posted = await anns[0]!.c.send({ type: 'topic.post', title: '楼道堆物' });
    const topicId = posted.ok ? String(posted.result?.topicId) : '';
    expect((await fac.c.send({ type: 'topic.hide', topicId })).ok).toBe(true);
    // Ann withdraws her hidden topic: only her own phones held it (flagged), so only they are told.
    const withdrawn = await anns[1]!.c.send({ type: 'topic.withdraw', topicId });
    // The facilitator corrects the name of someone who convenes nothing: only their own phones hold them.
    const renamed = await fac.c.send({ type: 'participant.rename', participantId: cat.participantId, name: '猫师傅' });
    const barrier = await fac.c.send({ type: 'joining.close' });
    if (!withdrawn.ok || !renamed.ok || !barrier.ok) throw new Error('a command was refused');
    for (const { c } of everyone) await c.until((s) => s.seq === barrier.seq, 'caught up');

    const at = (wire: Wire[], seq: number) => wire.filter((w) => (w.name === 'event' || w.name === 'skip') && w.msg.seq === seq);
    for (const { wire } of anns) expect(at(wire, withdrawn.seq).map((w) => [w.name, w.msg.event?.type])).toEqual([['event', 'topic.withdrawn']]);
    for (const { wire } of [board, ...bobs, ...cats]) expect(at(wire, withdrawn.seq).map((w) => w.name)).toEqual(['skip']);
    for (const { wire } of cats) expect(at(wire, renamed.seq).map((w) => [w.name, w.msg.event?.type])).toEqual([['event', 'participant.renamed']]);
    for (const { wire } of [board, ...anns, ...bobs]) expect(at(wire, renamed.seq).map((w) => w.name)).toEqual(['skip']);
    for (const { c } of cats) expect(c.state!.participants.get(cat.participantId)).toMatchObject({ name: '猫师傅', amendedAfterEnd: false });
    expect(fac.c.state!.participants.get(cat.participantId)?.name).toBe('猫师傅');

    // Nothing Cat's own (their name, old or new) ever reached anyone else but the staff, in a snapshot or an event.
    for (const { wire } of [board, ...anns, ...bobs]) {
      expect(wire.filter((w) => w.json.includes('猫')).map((w) => w.name)).toEqual([]);
      // (The board's `presence` lists connected participant ids, for its head count: ids, never names.)
      expect(wire.filter((w) => w.name !== 'presence' && w.json.includes(cat.participantId)).map((w) => w.name)).toEqual([]);
    }
    // The facilitator's moderation names nobody on the phones and the board; the staff see who did it.
    const hide = (wire: Wire[]) => wire.find((w) => w.name === 'event' && w.msg.event?.type === 'topic.hidden');
    for (const { wire } of [board, ...bobs]) expect(hide(wire)?.msg.actor).toBeNull();
    expect(hide(fac.wire)?.msg.actor).toEqual({ role: 'facilitator' });
    // Counts, not the roster: the board holds two residents and one merchant, and no one it does not show.
    expect(participantCountsByGroup(board.c.state!)).toMatchObject({ 居民: 2, 商户: 1 });
    expect([...board.c.state!.participants.keys()]).toEqual([]);
    expect([...board.c.state!.people.keys()]).toEqual([]);
    for (const { c } of bobs) expect([...c.state!.participants.keys()]).toEqual([bob.participantId]);
  });

  it('a retried command (same command id) is answered with the same result, also on another node', async () => {
    const m = await createMeeting(nodes[0]!.url);
    const p = await join(nodes[0]!.url, m.joinCode);
    const fac = await client(nodes[0]!.url, m.facilitatorToken);
    expect((await fac.c.send({ type: 'phase.advance', fromPhaseId: fac.c.state!.phaseId })).ok).toBe(true);
    const command = { type: 'topic.post', commandId: commandId(), title: '加装电梯' };
    const phone = await client(nodes[0]!.url, p.token);
    const ack = await phone.c.sendRaw(command);
    expect(ack).toEqual({ ok: true, seq: expect.any(Number), result: { topicId: expect.any(String) } });
    const again = await client(nodes.at(-1)!.url, p.token);
    expect(await again.c.sendRaw(command)).toEqual(ack);
    const state = await waitFor(() => (fac.c.state && fac.c.state.topics.size > 0 ? fac.c.state : null), { what: 'topic' });
    expect([...state.topics.keys()]).toEqual([ack.ok ? ack.result?.topicId : '']);
  });
});
