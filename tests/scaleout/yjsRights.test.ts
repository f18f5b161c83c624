import { WS_CLOSE } from '@yishi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TestClient, createLink, createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { startBackend, startProcess, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { insertUpdate, varUint, yjsClient } from '../helpers/yjs.ts';

/**
 * Two nodes on one redis-server: a revocation, a removal or the end is seen by the node that handled it;
 * the other node must act on its own /yjs connections as well (a control message over the relay).
 */
let backend: Awaited<ReturnType<typeof startBackend>>;
let node1: ServerProcess;
let node2: ServerProcess;
const sockets: TestClient[] = [];

beforeAll(async () => {
  backend = await startBackend('redis');
  [node1, node2] = await Promise.all([startProcess({ ...backend.env, NODE_ID: 'node1' }), startProcess({ ...backend.env, NODE_ID: 'node2' })]);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  for (const n of [node1, node2]) {
    if (!n) continue;
    if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
    await n.exited;
  }
  await backend?.dispose();
});

/** A /yjs connection that records its close and any read-only notice (y-websocket's auth message). */
async function raw(base: string, meetingId: string, docId: string, token: string) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/yjs/${meetingId}/${docId}?token=${token}`);
  const state = { close: null as number | null, readOnly: false, answers: 0 };
  ws.binaryType = 'arraybuffer';
  ws.on('message', (d: ArrayBuffer) => {
    const b = new Uint8Array(d);
    if (b[0] === 2) state.readOnly = true;
    if (b[0] === 0 && b[1] === 1) state.answers++;
  });
  ws.on('close', (code) => (state.close = code));
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  return {
    ws,
    state,
    sendUpdate(update: Uint8Array) {
      ws.send(Uint8Array.from([0, 2, ...varUint(update.byteLength), ...update]));
    },
    /** Answered only after everything sent before it was handled. */
    async roundTrip() {
      const before = state.answers;
      ws.send(Uint8Array.from([0, 0, 1, 0]));
      await waitFor(() => state.answers > before || state.close !== null, { what: 'sync answer' });
    }
  };
}

async function facilitator(url: string, token: string): Promise<TestClient> {
  const c = new TestClient(url, token);
  sockets.push(c);
  return c.ready();
}

describe('/yjs rights across two nodes', () => {
  it('revoking a link on node 1 closes its /yjs connection on node 2 (4401)', async () => {
    const m = await createMeeting(node1.url);
    const docIds = await createDocuments(node1.url, m, ['minutes']);
    const res = await fetch(`${node1.url}/api/meetings/${m.meetingId}/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${m.facilitatorToken}` },
      body: JSON.stringify({ role: 'secretary' })
    });
    const link = (await res.json()) as { linkId: string; token: string };
    const onB = await raw(node2.url, m.meetingId, docIds.minutes, link.token);
    const del = await fetch(`${node1.url}/api/meetings/${m.meetingId}/links/${link.linkId}`, { method: 'DELETE', headers: { authorization: `Bearer ${m.facilitatorToken}` } });
    expect(del.status).toBe(200);
    await waitFor(() => onB.state.close === WS_CLOSE.unauthorized, { what: 'closed on node 2' });
  });

  it('removing a participant through node 1 closes their /yjs connection on node 2 (4403)', async () => {
    const m = await createMeeting(node1.url);
    const docIds = await createDocuments(node1.url, m, ['charter']);
    const p = await join(node1.url, m.joinCode);
    const onB = await raw(node2.url, m.meetingId, docIds.charter, p.token);
    const fac = await facilitator(node1.url, m.facilitatorToken);
    expect(await fac.send({ type: 'participant.remove', participantId: p.participantId })).toMatchObject({ ok: true });
    await waitFor(() => onB.state.close === WS_CLOSE.forbidden, { what: 'closed on node 2' });
  });

  it('ending the meeting through node 1 makes a participant on node 2 read-only; the secretary there still writes', async () => {
    const m = await createMeeting(node1.url);
    const docIds = await createDocuments(node1.url, m, ['charter']);
    const p = await join(node1.url, m.joinCode);
    const secretaryToken = await createLink(node1.url, m.meetingId, m.facilitatorToken, 'secretary');
    const phone = await raw(node2.url, m.meetingId, docIds.charter, p.token);
    const sec = await raw(node2.url, m.meetingId, docIds.charter, secretaryToken);
    const fac = await facilitator(node1.url, m.facilitatorToken);
    expect(await fac.send({ type: 'meeting.end' })).toMatchObject({ ok: true });
    await waitFor(() => phone.state.readOnly, { what: 'read-only notice on node 2' });
    phone.sendUpdate(insertUpdate('会后', 21));
    await phone.roundTrip();
    sec.sendUpdate(insertUpdate('纪要', 22));
    await sec.roundTrip();
    expect(phone.state.close).toBeNull();
    // What node 1 serves: the secretary's edit (stored by node 2), never the phone's.
    const reader = yjsClient(node1.url, m.meetingId, docIds.charter, m.facilitatorToken);
    await reader.synced();
    await waitFor(() => reader.doc.getText('t').toString().includes('纪要'), { what: 'secretary edit on node 1' });
    expect(reader.doc.getText('t').toString()).toBe('纪要');
    reader.provider.destroy();
    phone.ws.close();
    sec.ws.close();
  });
});
