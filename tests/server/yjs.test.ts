import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLink, createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

/** The HTTP status a /yjs upgrade is answered with (101 when it is accepted). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => undefined);
  });
}

describe.each(STORE_KINDS)('Yjs endpoint on %s', (kind) => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess(kind);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('syncs two editors of a document and persists what they wrote', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const a = yjsClient(srv.url, m.meetingId, docIds.charter, m.facilitatorToken);
    const b = yjsClient(srv.url, m.meetingId, docIds.charter, p.token);
    await Promise.all([a.synced(), b.synced()]);
    a.doc.getText('body').insert(0, '第一条 本会名称为189民商联合会。');
    await waitFor(() => b.doc.getText('body').toString().includes('189民商联合会'), { what: 'b sees a' });
    b.doc.getText('body').insert(0, '章程\n');
    await waitFor(() => a.doc.getText('body').toString().startsWith('章程\n'), { what: 'a sees b' });
    a.provider.destroy();
    b.provider.destroy();
    await srv.server.yjs.flush();
    // What the store holds is the document: a new editor gets it after the doc was unloaded.
    const c = yjsClient(srv.url, m.meetingId, docIds.charter, m.facilitatorToken);
    await c.synced();
    expect(c.doc.getText('body').toString()).toBe('章程\n第一条 本会名称为189民商联合会。');
    c.provider.destroy();
  });

  it('lets the board read a document but not change it', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['notes']);
    const boardToken = await createLink(srv.url, m.meetingId, m.facilitatorToken);
    const fac = yjsClient(srv.url, m.meetingId, docIds.notes, m.facilitatorToken);
    await fac.synced();
    fac.doc.getText('t').insert(0, '主持人写的');
    const board = yjsClient(srv.url, m.meetingId, docIds.notes, boardToken);
    await board.synced();
    await waitFor(() => board.doc.getText('t').toString() === '主持人写的', { what: 'board reads' });
    board.doc.getText('t').insert(0, '大屏改的');
    // The facilitator's next edit is the barrier: it arrives at the board after anything the board sent.
    fac.doc.getText('t').insert(fac.doc.getText('t').length, '。');
    await waitFor(() => board.doc.getText('t').toString().endsWith('。'), { what: 'board gets barrier' });
    expect(fac.doc.getText('t').toString()).toBe('主持人写的。');
    board.provider.destroy();
    fac.provider.destroy();
    await srv.server.yjs.flush();
    const again = yjsClient(srv.url, m.meetingId, docIds.notes, m.facilitatorToken);
    await again.synced();
    expect(again.doc.getText('t').toString()).toBe('主持人写的。');
    again.provider.destroy();
  });

  it('refuses forged, missing and other-meeting tokens, foreign origins and bad paths', async () => {
    const m = await createMeeting(srv.url);
    const other = await createMeeting(srv.url);
    const { charter } = await createDocuments(srv.url, m, ['charter']);
    const ws = srv.url.replace(/^http/, 'ws');
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/${charter}?token=${m.facilitatorToken}`)).toBe(101);
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/${charter}`)).toBe(401);
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/${charter}?token=${'z'.repeat(43)}`)).toBe(401);
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/${charter}?token=${other.facilitatorToken}`)).toBe(403);
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/${charter}?token=${m.facilitatorToken}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/${charter}?token=${m.facilitatorToken}`, { origin: srv.url })).toBe(101);
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/bad%20doc?token=${m.facilitatorToken}`)).toBe(404);
    // A document the meeting never created, and one of another meeting: not found.
    expect(await upgradeStatus(`${ws}/yjs/${m.meetingId}/charter?token=${m.facilitatorToken}`)).toBe(404);
    expect(await upgradeStatus(`${ws}/yjs/${other.meetingId}/${charter}?token=${other.facilitatorToken}`)).toBe(404);
    expect(await upgradeStatus(`${ws}/elsewhere`)).toBe(404);
  });

  it('closes a connection that sends a message over 64 KB', async () => {
    const m = await createMeeting(srv.url);
    const { big } = await createDocuments(srv.url, m, ['big']);
    const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/yjs/${m.meetingId}/${big}?token=${m.facilitatorToken}`);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(new Uint8Array(70 * 1024));
    expect(await closed).toBe(1009);
  });
});
