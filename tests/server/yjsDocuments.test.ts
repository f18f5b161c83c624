import { WS_CLOSE } from '@yishi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connected, createDocument, createLink, createMeeting, join, type TestClient } from '../helpers/clients.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { frame, insertUpdate, yjsClient } from '../helpers/yjs.ts';

/**
 * Documents are part of the meeting [D21]: /yjs serves only documents the meeting created, with the
 * rights `documentRight` gives, re-decided for open connections when a document's access changes, a
 * participant is removed or the meeting ends. Spoken by hand (raw y-protocols frames), so nothing
 * between the test and the server filters what a read-only client sends.
 */
class Raw {
  readonly messages: Uint8Array[] = [];
  close: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'arraybuffer';
    ws.on('message', (data: ArrayBuffer) => this.messages.push(new Uint8Array(data)));
    ws.on('close', (code, reason) => (this.close = { code, reason: reason.toString() }));
    ws.on('error', () => undefined);
  }

  /** Opens the connection, or resolves with the HTTP status the upgrade was refused with. */
  static async open(base: string, meetingId: string, docId: string, token: string): Promise<Raw | number> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/yjs/${meetingId}/${docId}?token=${token}`);
    const c = new Raw(ws);
    return new Promise((resolve) => {
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
    });
  }

  static async must(base: string, meetingId: string, docId: string, token: string): Promise<Raw> {
    const c = await Raw.open(base, meetingId, docId, token);
    if (typeof c === 'number') throw new Error(`upgrade answered ${c}`);
    return c;
  }

  sendUpdate(update: Uint8Array): void {
    this.ws.send(frame(0, 2, update));
  }

  /** Messages are handled in order per connection: once a sync request is answered, all sent before it were handled. */
  async roundTrip(): Promise<void> {
    const answers = () => this.messages.filter((m) => m[0] === 0 && m[1] === 1).length;
    const before = answers();
    this.ws.send(frame(0, 0, new Uint8Array([0])));
    await waitFor(() => answers() > before || this.close, { what: 'sync answer' });
  }

  /** Read-only notices (y-websocket's auth "permission denied") received so far. */
  readOnlyNotices(): number {
    return this.messages.filter((m) => m[0] === 2).length;
  }
}

describe.each(STORE_KINDS)('documents over /yjs on %s', (kind) => {
  let srv: InProcess;
  const sockets: TestClient[] = [];
  const raws: Raw[] = [];
  beforeAll(async () => {
    srv = await startInProcess(kind);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const r of raws) r.ws.close();
    await srv?.stop();
  });

  async function staff(token: string): Promise<TestClient> {
    const c = await connected(srv.url, token);
    sockets.push(c);
    return c;
  }
  async function open(meetingId: string, docId: string, token: string): Promise<Raw> {
    const r = await Raw.must(srv.url, meetingId, docId, token);
    raws.push(r);
    return r;
  }
  /** What a fresh facilitator's editor reads of text "t" once synced. */
  async function text(meetingId: string, docId: string, token: string): Promise<string> {
    const c = yjsClient(srv.url, meetingId, docId, token);
    await c.synced();
    const t = c.doc.getText('t').toString();
    c.provider.destroy();
    return t;
  }

  it('[D21] refuses a document the meeting never created (404), and one of another meeting; serves the ones it created', async () => {
    const m = await createMeeting(srv.url);
    const other = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const charter = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程');
    expect(await Raw.open(srv.url, m.meetingId, 'charter', m.facilitatorToken)).toBe(404);
    expect(await Raw.open(srv.url, m.meetingId, 'nope0000', p.token)).toBe(404);
    expect(await Raw.open(srv.url, other.meetingId, charter, other.facilitatorToken)).toBe(404);
    raws.push(await Raw.must(srv.url, m.meetingId, charter, p.token));
  });

  it('[D21] a participant on a read-only document is told so and an update they send changes nothing; staff write', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'notes', '小组笔记', 'readonly');
    const fac = await open(m.meetingId, docId, m.facilitatorToken);
    fac.sendUpdate(insertUpdate('主持人', 41));
    await fac.roundTrip();
    const phone = await open(m.meetingId, docId, p.token);
    phone.sendUpdate(insertUpdate('居民改的', 42));
    await phone.roundTrip();
    expect(phone.readOnlyNotices()).toBe(1);
    expect(phone.close).toBeNull();
    await srv.server.yjs.flush();
    expect(await text(m.meetingId, docId, m.facilitatorToken)).toBe('主持人');
  });

  it('[D21] setting access from everyone to read-only downgrades a connected editor at once; setting it back lets them write again', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程', 'everyone');
    const phone = await open(m.meetingId, docId, p.token);
    phone.sendUpdate(insertUpdate('第一条', 51));
    await phone.roundTrip();
    expect(phone.readOnlyNotices()).toBe(0);
    const fac = await staff(m.facilitatorToken);
    expect(await fac.send({ type: 'document.access.set', docId, access: 'readonly', editors: [] })).toMatchObject({ ok: true });
    await waitFor(() => phone.readOnlyNotices() === 1, { what: 'read-only notice' });
    phone.sendUpdate(insertUpdate('改不了', 52));
    await phone.roundTrip();
    await srv.server.yjs.flush();
    expect(await text(m.meetingId, docId, m.facilitatorToken)).toBe('第一条');
    expect(await fac.send({ type: 'document.access.set', docId, access: 'everyone', editors: [] })).toMatchObject({ ok: true });
    // The next edit is taken: wait for it to show, as the upgrade reaches the connection after the ack.
    await waitFor(async () => {
      phone.sendUpdate(insertUpdate('又', 53));
      await phone.roundTrip();
      await srv.server.yjs.flush();
      return (await text(m.meetingId, docId, m.facilitatorToken)).includes('又');
    }, { what: 'write again' });
    expect(phone.close).toBeNull();
  });

  it('[D21] a named set: the named participant writes, another reads; the board reads; a removed participant is cut off (4403) and refused', async () => {
    const m = await createMeeting(srv.url);
    const ann = await join(srv.url, m.joinCode, '王阿姨', '居民');
    const bob = await join(srv.url, m.joinCode, '李老板', '商户');
    const boardToken = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'board');
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'notes', '起草小组笔记', 'named', [ann.participantId]);
    const named = await open(m.meetingId, docId, ann.token);
    const other = await open(m.meetingId, docId, bob.token);
    const board = await open(m.meetingId, docId, boardToken);
    named.sendUpdate(insertUpdate('甲', 61));
    other.sendUpdate(insertUpdate('乙', 62));
    board.sendUpdate(insertUpdate('丙', 63));
    for (const c of [named, other, board]) await c.roundTrip();
    expect([named.readOnlyNotices(), other.readOnlyNotices(), board.readOnlyNotices()]).toEqual([0, 1, 1]);
    await srv.server.yjs.flush();
    expect(await text(m.meetingId, docId, m.facilitatorToken)).toBe('甲');

    const fac = await staff(m.facilitatorToken);
    expect(await fac.send({ type: 'participant.remove', participantId: ann.participantId })).toMatchObject({ ok: true });
    expect(await waitFor(() => named.close, { what: 'removed participant closed' })).toEqual({ code: WS_CLOSE.forbidden, reason: 'participant_removed' });
    expect(await Raw.open(srv.url, m.meetingId, docId, ann.token)).toBe(403);
    await other.roundTrip();
    expect(other.close).toBeNull();
  });

  it('[D21] bad document commands are refused with a typed error and change nothing', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const fac = await staff(m.facilitatorToken);
    const seq = fac.seq;
    expect(await fac.send({ type: 'document.create', kind: 'diagram', title: '图', access: 'everyone' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await fac.send({ type: 'document.create', kind: 'notes', title: '', access: 'everyone' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await fac.send({ type: 'document.create', kind: 'notes', title: '笔记', access: 'named', editors: ['nobody9'] })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await fac.send({ type: 'document.access.set', docId: 'nope0000', access: 'readonly' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const phone = await staff(p.token);
    expect(await phone.send({ type: 'document.create', kind: 'notes', title: '笔记', access: 'everyone' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(fac.seq).toBe(seq);
  });
});
