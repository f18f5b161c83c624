import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { PollingPhone } from '../helpers/docSocket.ts';
import { startBackend, startProcess, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { frame, insertUpdate, yjsClient } from '../helpers/yjs.ts';

/**
 * Two nodes on one redis-server: a phone that co-edits over its long-polling Socket.IO connection on
 * node 2 and an editor on node 1's /yjs see each other's text and carets through the relay, and a
 * change of rights made through node 1 reaches the phone's document on node 2 at once [D28].
 */
let backend: Awaited<ReturnType<typeof startBackend>>;
let node1: ServerProcess;
let node2: ServerProcess;
const closers: { close(): void }[] = [];

beforeAll(async () => {
  backend = await startBackend('redis');
  [node1, node2] = await Promise.all([startProcess({ ...backend.env, NODE_ID: 'node1' }), startProcess({ ...backend.env, NODE_ID: 'node2' })]);
});

afterAll(async () => {
  for (const c of closers) c.close();
  for (const n of [node1, node2]) {
    if (!n) continue;
    if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
    await n.exited;
  }
  await backend?.dispose();
});

async function phone(url: string, token: string): Promise<PollingPhone> {
  const p = new PollingPhone(url, token);
  closers.push(p);
  return p.ready();
}

async function facilitator(url: string, token: string): Promise<TestClient> {
  const c = new TestClient(url, token);
  closers.push(c);
  return c.ready();
}

/** What a fresh editor on `url` reads of text "t" once synced. */
async function freshText(url: string, meetingId: string, docId: string, token: string): Promise<string> {
  const c = yjsClient(url, meetingId, docId, token);
  await c.synced();
  const text = c.doc.getText('t').toString();
  c.provider.destroy();
  return text;
}

const names = (states: Map<number, Record<string, unknown>>) => [...states.values()].map((s) => (s.user as { name?: string } | undefined)?.name);

describe('shared documents over Socket.IO across two nodes', () => {
  it('[D28] a long-polling phone on node 2 and a /yjs editor on node 1 converge and see each other\'s carets', async () => {
    const m = await createMeeting(node1.url);
    const { charter } = await createDocuments(node1.url, m, ['charter']);
    const p = await join(node1.url, m.joinCode);
    const wechat = await phone(node2.url, p.token);
    const mine = wechat.open(charter);
    const laptop = yjsClient(node1.url, m.meetingId, charter, m.facilitatorToken);
    closers.push({ close: () => (mine.provider.destroy(), laptop.provider.destroy()) });
    await Promise.all([mine.synced(), laptop.synced()]);
    mine.doc.getText('t').insert(0, '第一条');
    laptop.doc.getText('t').insert(0, '总则');
    await waitFor(() => mine.doc.getText('t').length === 5 && mine.doc.getText('t').toString() === laptop.doc.getText('t').toString(), { what: 'converged across nodes' });
    mine.provider.awareness.setLocalState({ user: { name: '周阿姨' } });
    laptop.provider.awareness.setLocalState({ user: { name: '主持人' } });
    await waitFor(() => names(laptop.provider.awareness.getStates()).includes('周阿姨'), { what: 'phone caret on node 1' });
    await waitFor(() => names(mine.provider.awareness.getStates()).includes('主持人'), { what: 'laptop caret on node 2' });
    expect(await freshText(node1.url, m.meetingId, charter, m.facilitatorToken)).toBe(laptop.doc.getText('t').toString());
  });

  it('[D28] made a reader through node 1, the phone on node 2 is downgraded at once; removed through node 1, it is cut off', async () => {
    const m = await createMeeting(node1.url);
    const { charter } = await createDocuments(node1.url, m, ['charter']);
    const p = await join(node1.url, m.joinCode);
    const wechat = await phone(node2.url, p.token);
    const mine = wechat.open(charter);
    closers.push({ close: () => mine.provider.destroy() });
    await mine.synced();
    const fac = await facilitator(node1.url, m.facilitatorToken);

    expect(await fac.send({ type: 'document.access.set', docId: charter, access: 'readonly', editors: [] })).toMatchObject({ ok: true });
    await waitFor(() => wechat.readOnlyNotices(charter) > 0, { what: 'read-only notice on node 2' });
    // Answered once handled: by then it was dropped, not applied.
    expect(await wechat.emit('doc:msg', { docId: charter, data: frame(0, 2, insertUpdate('只读后', 71)) })).toEqual({ ok: true });
    expect(await freshText(node1.url, m.meetingId, charter, m.facilitatorToken)).toBe('');

    expect(await fac.send({ type: 'participant.remove', participantId: p.participantId })).toMatchObject({ ok: true });
    await waitFor(() => !wechat.socket.connected, { what: 'phone cut off on node 2' });
    await waitFor(() => mine.provider.status === 'disconnected', { what: 'provider disconnected' });
    expect(wechat.closing.map((c) => c.error.code)).toContain('forbidden');
  });
});
