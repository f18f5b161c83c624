import fc from 'fast-check';
import { ERROR_CODES, WS_CLOSE } from '@yishi/protocol';
import { openStore, type Store } from '@yishi/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { YJS_LIMITS } from '../../realtime-server/src/yjs/yjsServer.ts';
import { MAX_OPEN_DOCS_PER_SOCKET } from '../../realtime-server/src/yjs/docSockets.ts';
import { connected, createDocuments, createLink, createMeeting, join, type TestClient } from '../helpers/clients.ts';
import { PollingPhone } from '../helpers/docSocket.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { frame, insertUpdate, yjsClient } from '../helpers/yjs.ts';

/**
 * Issue 10 item 6: a phone whose browser refuses WebSockets (WeChat's in-app browser) co-edits over the
 * meeting's Socket.IO connection, long-polling, with the same rights, limits, checks and durability as
 * /yjs [D28], and every doc:* request it may send is validated: a typed answer, nothing changed [D29].
 */

async function stored(store: Store, meetingId: string, docId: string): Promise<string> {
  const doc = new Y.Doc();
  for (const u of await store.loadDocUpdates(meetingId, docId)) Y.applyUpdate(doc, u);
  return doc.getText('t').toString();
}

describe.each(STORE_KINDS)('shared documents over Socket.IO on %s', (kind) => {
  let srv: InProcess;
  let store: Store;
  const phones: PollingPhone[] = [];
  const sockets: TestClient[] = [];
  beforeAll(async () => {
    srv = await startInProcess(kind);
    store = await openStore({ redisUrl: srv.backend.env.REDIS_URL, dataDir: srv.backend.env.DATA_DIR! });
  });
  afterAll(async () => {
    for (const p of phones) p.close();
    for (const s of sockets) s.close();
    await store?.close();
    await srv?.stop();
  });

  async function phone(token: string): Promise<PollingPhone> {
    const p = new PollingPhone(srv.url, token);
    phones.push(p);
    return p.ready();
  }

  async function staff(token: string): Promise<TestClient> {
    const c = await connected(srv.url, token);
    sockets.push(c);
    return c;
  }

  it('[D28] a long-polling phone and a y-websocket editor co-edit, converge, see each other\'s presence, and what they wrote is stored', async () => {
    const m = await createMeeting(srv.url);
    const { charter } = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const wechat = await phone(p.token);
    const mine = wechat.open(charter);
    const laptop = yjsClient(srv.url, m.meetingId, charter, m.facilitatorToken);
    await Promise.all([mine.synced(), laptop.synced()]);

    mine.doc.getText('t').insert(0, '第一条 本会名称。');
    laptop.doc.getText('t').insert(0, '总则 ');
    await waitFor(() => mine.doc.getText('t').toString() === laptop.doc.getText('t').toString() && mine.doc.getText('t').length > 10, { what: 'converged' });
    expect(mine.doc.getText('t').toString()).toContain('第一条 本会名称。');

    mine.provider.awareness.setLocalState({ user: { name: '周阿姨' } });
    laptop.provider.awareness.setLocalState({ user: { name: '主持人' } });
    await waitFor(() => [...laptop.provider.awareness.getStates().values()].some((s) => (s.user as { name?: string } | undefined)?.name === '周阿姨'), { what: 'phone caret on the laptop' });
    await waitFor(() => [...mine.provider.awareness.getStates().values()].some((s) => (s.user as { name?: string } | undefined)?.name === '主持人'), { what: 'laptop caret on the phone' });

    await srv.server.yjs.flush();
    expect(await stored(store, m.meetingId, charter)).toBe(laptop.doc.getText('t').toString());
    // Closing the document lets go of the phone's presence.
    mine.provider.destroy();
    await waitFor(() => ![...laptop.provider.awareness.getStates().values()].some((s) => (s.user as { name?: string } | undefined)?.name === '周阿姨'), { what: 'phone caret gone' });
    laptop.provider.destroy();
  });

  it('[D28] a reader over Socket.IO (the board) is told it only reads, and its update changes nothing', async () => {
    const m = await createMeeting(srv.url);
    const { charter } = await createDocuments(srv.url, m, ['charter']);
    const board = await phone(await createLink(srv.url, m.meetingId, m.facilitatorToken, 'board'));
    const shown = board.open(charter);
    await shown.synced();
    expect(await board.emit('doc:msg', { docId: charter, data: frame(0, 2, insertUpdate('板上改', 31)) })).toEqual({ ok: true });
    await waitFor(() => board.readOnlyNotices(charter) > 0, { what: 'read-only notice' });
    await srv.server.yjs.flush();
    expect(await stored(store, m.meetingId, charter)).toBe('');
    expect(board.closedDocs).toEqual([]);
    shown.provider.destroy();
  });

  it('[D28] a participant made a reader mid-edit over Socket.IO is downgraded at once; removed, they are cut off and not let back', async () => {
    const m = await createMeeting(srv.url);
    const { charter } = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const fac = await staff(m.facilitatorToken);
    const wechat = await phone(p.token);
    const mine = wechat.open(charter);
    await mine.synced();
    mine.doc.getText('t').insert(0, '改前');
    await waitFor(async () => (await srv.server.yjs.flush(), (await stored(store, m.meetingId, charter)) === '改前'), { what: 'first edit stored' });

    expect(await fac.send({ type: 'document.access.set', docId: charter, access: 'readonly', editors: [] })).toMatchObject({ ok: true });
    await waitFor(() => wechat.readOnlyNotices(charter) > 0, { what: 'read-only notice' });
    expect(await wechat.emit('doc:msg', { docId: charter, data: frame(0, 2, insertUpdate('只读后', 41)) })).toEqual({ ok: true });
    await srv.server.yjs.flush();
    expect(await stored(store, m.meetingId, charter)).toBe('改前');

    expect(await fac.send({ type: 'document.access.set', docId: charter, access: 'everyone', editors: [] })).toMatchObject({ ok: true });
    expect(await fac.send({ type: 'participant.remove', participantId: p.participantId })).toMatchObject({ ok: true });
    await waitFor(() => !wechat.socket.connected, { what: 'socket closed' });
    expect(wechat.closing.map((c) => c.error.code)).toContain('forbidden');
    await waitFor(() => mine.provider.status === 'disconnected', { what: 'provider disconnected' });
    // Their token no longer opens a socket, so no document either.
    const again = new PollingPhone(srv.url, p.token);
    phones.push(again);
    expect((await waitFor(() => again.connectError, { what: 'refused' })).data?.code).toBe('forbidden');
    expect(await stored(store, m.meetingId, charter)).toBe('改前');
  });

  it('[D28] the limits hold over Socket.IO: an update over 32 KB (4413), a flood (4429, and reopening brings no fresh allowance), a full document (4507); nothing past them stored, the socket kept', async () => {
    const m = await createMeeting(srv.url);
    const { a, b } = await createDocuments(srv.url, m, ['a', 'b']);
    const p = await join(srv.url, m.joinCode);
    // A slow refill, so the spent allowance is still spent however long a poll takes.
    srv.server.yjs.limits = { ...YJS_LIMITS, tokensPerSecond: 5 };
    const wechat = await phone(p.token);

    // Too large: the document is closed with the /yjs code and a typed error; the socket stays.
    expect(await wechat.emit('doc:open', { docId: a })).toEqual({ ok: true });
    const big = insertUpdate('字'.repeat(12_000), 51);
    expect(big.byteLength).toBeGreaterThan(YJS_LIMITS.maxUpdateBytes);
    const refused = await wechat.emit('doc:msg', { docId: a, data: frame(0, 2, big) });
    expect(refused).toMatchObject({ ok: false, error: { code: 'too_large' }, closeCode: WS_CLOSE.updateTooLarge });
    expect(wechat.closedDocs.at(-1)).toMatchObject({ docId: a, code: WS_CLOSE.updateTooLarge, error: { code: 'too_large' } });
    expect(wechat.socket.connected).toBe(true);

    // A flood: closed at its allowance; reopened at once, the allowance is still spent.
    expect(await wechat.emit('doc:open', { docId: a })).toEqual({ ok: true });
    const flood = insertUpdate('x'.repeat(30 * 1024), 52);
    for (let i = 0; i < 10; i++) wechat.socket.emit('doc:msg', { docId: a, data: frame(0, 2, flood) });
    await waitFor(() => wechat.closedDocs.some((c) => c.docId === a && c.code === WS_CLOSE.rateLimited), { what: 'closed for its rate' });
    expect(await wechat.emit('doc:open', { docId: a })).toEqual({ ok: true });
    const spent = await wechat.emit('doc:msg', { docId: a, data: frame(0, 2, flood) });
    expect(spent).toMatchObject({ ok: false, error: { code: 'rate_limited' }, closeCode: WS_CLOSE.rateLimited });
    expect(wechat.closedDocs.filter((c) => c.docId === a && c.code === WS_CLOSE.rateLimited).length).toBe(2);
    await srv.server.yjs.flush();
    expect(await stored(store, m.meetingId, a)).toBe('x'.repeat(30 * 1024));

    // A full document: closed at its size limit with 4507, what it held still stored.
    srv.server.yjs.limits = { ...YJS_LIMITS, tokensPerSecond: 5, maxDocBytes: 10 * 1024 };
    try {
      expect(await wechat.emit('doc:open', { docId: b })).toEqual({ ok: true });
      expect(await wechat.emit('doc:msg', { docId: b, data: frame(0, 2, insertUpdate('y'.repeat(8 * 1024), 53)) })).toEqual({ ok: true });
      expect(await wechat.emit('doc:msg', { docId: b, data: frame(0, 2, insertUpdate('z'.repeat(8 * 1024), 54)) })).toMatchObject({ ok: false });
      expect(wechat.closedDocs.at(-1)).toMatchObject({ docId: b, code: WS_CLOSE.docFull, error: { code: 'too_large' } });
      await srv.server.yjs.flush();
      expect(await stored(store, m.meetingId, b)).toBe('y'.repeat(8 * 1024));
    } finally {
      srv.server.yjs.limits = { ...YJS_LIMITS };
    }
    expect(wechat.socket.connected).toBe(true);
  });

  it('[D29] bad doc:* requests get a typed answer and change nothing: not an object, wrong types, oversized, unknown or another meeting\'s document, one too many open, twice open', async () => {
    const m = await createMeeting(srv.url);
    const other = await createMeeting(srv.url);
    const names = Array.from({ length: MAX_OPEN_DOCS_PER_SOCKET + 1 }, (_, i) => `d${i}`);
    const docs = await createDocuments(srv.url, m, names);
    const { theirs } = await createDocuments(srv.url, other, ['theirs']);
    const p = await join(srv.url, m.joinCode);
    const wechat = await phone(p.token);
    const first = docs[names[0]!]!;

    for (const bad of [null, 'd0', 42, [], { docId: 7 }, { docId: '' }, { docId: 'x'.repeat(65) }, { docId: '../etc' }, { docId: first, extra: 1 }]) {
      expect(await wechat.emit('doc:open', bad)).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    expect(await wechat.emit('doc:open', { docId: 'nosuchdoc' })).toMatchObject({ ok: false, error: { code: 'not_found' }, closeCode: WS_CLOSE.notFound });
    expect(await wechat.emit('doc:open', { docId: theirs })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // Not open: a message for it is refused, nothing stored.
    expect(await wechat.emit('doc:msg', { docId: first, data: frame(0, 2, insertUpdate('未开', 61)) })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    for (const bad of [null, { docId: first }, { docId: first, data: 'AAEC' }, { docId: first, data: [0, 2, 1] }, { docId: first, data: new Uint8Array(0) }]) {
      expect(await wechat.emit('doc:msg', bad)).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    expect(await wechat.emit('doc:close', { docId: first })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    for (const name of names.slice(0, MAX_OPEN_DOCS_PER_SOCKET)) expect(await wechat.emit('doc:open', { docId: docs[name as keyof typeof docs] })).toEqual({ ok: true });
    expect(await wechat.emit('doc:open', { docId: first })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await wechat.emit('doc:open', { docId: docs[names.at(-1) as keyof typeof docs] })).toMatchObject({ ok: false, error: { code: 'too_large' } });
    expect(await wechat.emit('doc:close', { docId: first })).toEqual({ ok: true });

    await srv.server.yjs.flush();
    expect(await stored(store, m.meetingId, first)).toBe('');
    expect(await stored(store, other.meetingId, theirs)).toBe('');
    expect(wechat.socket.connected).toBe(true);
    // A frame over 64 KB closes the socket with its stated reason, as any other frame that size does.
    wechat.socket.emit('doc:msg', { docId: first, data: new Uint8Array(64 * 1024 + 1) });
    await waitFor(() => !wechat.socket.connected, { what: 'closed for the frame' });
    expect(wechat.closing.map((c) => c.reason)).toContain('frame_too_large');
  });

  it('[D29] fuzz: any payload on doc:open, doc:close and doc:msg is answered with a typed error or applied whole; the server stays up and a fresh editor still syncs', { timeout: 60_000 }, async () => {
    const m = await createMeeting(srv.url);
    const { charter } = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const wechat = await phone(p.token);
    const open = wechat.open(charter);
    await open.synced();
    const docId = fc.oneof(fc.constant(charter), fc.string({ maxLength: 70 }), fc.anything());
    const payload = fc.oneof(
      fc.anything(),
      fc.record({ docId }),
      fc.record({ docId, data: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.anything()) }),
      fc.record({ docId: fc.constant(charter), data: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Uint8Array.from([0, 2, ...b])) })
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('doc:open', 'doc:close', 'doc:msg'), payload, async (event, body) => {
        const ack = await wechat.emit(event, body);
        if (!ack.ok) expect(ERROR_CODES).toContain(ack.error.code);
        // A document the fuzz closed is opened again for the next run.
        if (!wechat.socket.connected) throw new Error('socket dropped');
      }),
      { numRuns: 150 }
    );
    const fresh = yjsClient(srv.url, m.meetingId, charter, m.facilitatorToken);
    await fresh.synced();
    fresh.provider.destroy();
    expect(wechat.socket.connected).toBe(true);
  });
});
