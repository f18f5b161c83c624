import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { WS_CLOSE } from '@yishi/protocol';
import { createLogger, createYishiServer, loadConfig, type DocRelay } from '@yishi/realtime-server';
import { openStore, type Store } from '@yishi/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { YJS_LIMITS } from '../../realtime-server/src/yjs/yjsServer.ts';
import { connected, createLink, createDocuments, createMeeting, join, type TestClient } from '../helpers/clients.ts';
import { STORE_KINDS, startBackend, startInProcess, type InProcess, type StoreKind } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { frame, insertUpdate, varUint, yjsClient } from '../helpers/yjs.ts';

/** The 19-byte frame from issue 7: sync message, update: insert "a" then an empty string into text "t". */
const POISON_FRAME = Buffer.from('00021001027b00040101740161040101740000', 'hex');

/** A y-websocket connection spoken by hand: sends any bytes, keeps every message and the close. */
class RawClient {
  readonly messages: Uint8Array[] = [];
  close: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'arraybuffer';
    ws.on('message', (data: ArrayBuffer) => this.messages.push(new Uint8Array(data)));
    ws.on('close', (code, reason) => (this.close = { code, reason: reason.toString() }));
    ws.on('error', () => undefined);
  }

  static async open(base: string, meetingId: string, docId: string, token: string): Promise<RawClient> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/yjs/${meetingId}/${docId}?token=${token}`);
    const c = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    });
    return c;
  }

  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  sendUpdate(update: Uint8Array): void {
    this.send(frame(0, 2, update));
  }

  private count(type: number, sub?: number): number {
    return this.messages.filter((m) => m[0] === type && (sub === undefined || m[1] === sub)).length;
  }

  /** Messages are handled in order per connection: once a sync request is answered, all sent before it were handled. */
  async roundTrip(): Promise<void> {
    const before = this.count(0, 1);
    this.send(frame(0, 0, new Uint8Array([0])));
    await waitFor(() => this.count(0, 1) > before || this.close, { what: 'sync answer' });
  }

  async closed(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.close, { what: 'connection closed' });
  }

  /** Awareness client ids this connection has been told about. */
  awarenessClients(): number[] {
    const ids: number[] = [];
    for (const m of this.messages.filter((m) => m[0] === 1)) {
      // [1][length][count] then per state: [client][clock][json length][json]
      const r = reader(m);
      r.uint();
      r.uint();
      const n = r.uint();
      for (let i = 0; i < n; i++) {
        ids.push(r.uint());
        r.uint();
        r.skip(r.uint());
      }
    }
    return ids;
  }

  permissionDenied(): boolean {
    return this.count(2) > 0;
  }
}

function reader(bytes: Uint8Array) {
  let pos = 0;
  return {
    uint(): number {
      let n = 0;
      let mult = 1;
      for (;;) {
        const b = bytes[pos++]!;
        n += (b & 0x7f) * mult;
        mult *= 128;
        if (b < 0x80) return n;
      }
    },
    skip(len: number) {
      pos += len;
    }
  };
}

/** An awareness message with one state, as y-protocols encodes it: [count][client][clock][json]. */
function awarenessFrame(clientID: number, state: Record<string, unknown>): Uint8Array {
  const json = Buffer.from(JSON.stringify(state), 'utf8');
  return frame(1, null, Uint8Array.from([...varUint(1), ...varUint(clientID), ...varUint(1), ...varUint(json.byteLength), ...json]));
}

async function storedBytes(store: Store, meetingId: string, docId: string): Promise<number> {
  return (await store.loadDocUpdates(meetingId, docId)).reduce((n, u) => n + u.byteLength, 0);
}

/** What a fresh editor sees of text "t" once synced. */
async function freshText(srv: InProcess, meetingId: string, docId: string, token: string): Promise<string> {
  const c = yjsClient(srv.url, meetingId, docId, token);
  await c.synced();
  const text = c.doc.getText('t').toString();
  c.provider.destroy();
  return text;
}

describe.each(STORE_KINDS)('Yjs endpoint safety on %s', (kind) => {
  let srv: InProcess;
  let store: Store;
  const sockets: TestClient[] = [];
  beforeAll(async () => {
    srv = await startInProcess(kind);
    // A second handle on the same backend, to see what the server stored.
    store = await openStore({ redisUrl: srv.backend.env.REDIS_URL, dataDir: srv.backend.env.DATA_DIR! });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await store?.close();
    await srv?.stop();
  });

  async function staff(token: string): Promise<TestClient> {
    const c = await connected(srv.url, token);
    sockets.push(c);
    return c;
  }

  it('refuses the 19-byte poison frame of issue 7 with 4400; the document still syncs to fresh editors as it was', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const writer = yjsClient(srv.url, m.meetingId, docIds.charter, m.facilitatorToken);
    await writer.synced();
    writer.doc.getText('t').insert(0, '第一条');
    // Kept open, so the server's copy stays loaded: the poison has to be refused, not forgotten.
    await waitFor(async () => (await srv.server.yjs.flush(), (await store.loadDocUpdates(m.meetingId, docIds.charter)).length > 0), { what: 'first edit stored' });
    const before = await store.loadDocUpdates(m.meetingId, docIds.charter);

    const raw = await RawClient.open(srv.url, m.meetingId, docIds.charter, p.token);
    raw.send(POISON_FRAME);
    expect(await raw.closed()).toEqual({ code: WS_CLOSE.badUpdate, reason: 'bad update' });
    expect(await freshText(srv, m.meetingId, docIds.charter, p.token)).toBe('第一条');
    await srv.server.yjs.flush();
    expect(await store.loadDocUpdates(m.meetingId, docIds.charter)).toEqual(before);
    // And editing carries on.
    writer.doc.getText('t').insert(3, '，本会');
    await waitFor(async () => (await freshText(srv, m.meetingId, docIds.charter, p.token)) === '第一条，本会', { what: 'later edit seen' });
    writer.provider.destroy();
  });

  it('serves a document whose store already holds the poison (written before the check) without it', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['old']);
    await store.appendDocUpdate(m.meetingId, docIds.old, insertUpdate('旧', 31));
    await store.appendDocUpdate(m.meetingId, docIds.old, POISON_FRAME.subarray(3));
    await store.appendDocUpdate(m.meetingId, docIds.old, insertUpdate('文', 32));
    const text = await freshText(srv, m.meetingId, docIds.old, m.facilitatorToken);
    expect([...text].sort()).toEqual(['文', '旧']);
  });

  it('[S22] marks every update it stores, and the compaction of them, as checked; the poison stored unmarked stays checked on load', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['marked']);
    const writer = yjsClient(srv.url, m.meetingId, docIds.marked, m.facilitatorToken);
    await writer.synced();
    for (let i = 0; i < 60; i++) writer.doc.getText('t').insert(i, String.fromCharCode(0x4e00 + i));
    await waitFor(async () => (await freshText(srv, m.meetingId, docIds.marked, m.facilitatorToken)).length === 60, { what: 'every edit stored' });
    await srv.server.yjs.flush();
    const rows = await store.loadDocRows(m.meetingId, docIds.marked);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((r) => r.checked)).toBe(true);
    // Unloaded with more than 50 updates: compacted into one, still marked.
    writer.provider.destroy();
    await waitFor(() => srv.server.yjs.loadedDocCount() === 0, { what: 'document unloaded' });
    await srv.server.yjs.flush();
    const compacted = await store.loadDocRows(m.meetingId, docIds.marked);
    expect(compacted.map((r) => r.checked)).toEqual([true]);
    // Loaded from that one update, sent as stored to an editor that has nothing; once changed, encoded afresh.
    const again = yjsClient(srv.url, m.meetingId, docIds.marked, m.facilitatorToken);
    await again.synced();
    expect(again.doc.getText('t').toString()).toBe(writer.doc.getText('t').toString());
    again.doc.getText('t').insert(0, '新');
    await waitFor(async () => (await freshText(srv, m.meetingId, docIds.marked, m.facilitatorToken)) === `新${writer.doc.getText('t').toString()}`, { what: 'the change after the load' });
    again.provider.destroy();
    await waitFor(() => srv.server.yjs.loadedDocCount() === 0, { what: 'document unloaded' });
    await srv.server.yjs.flush();
    // An unmarked poisoned row after it (a store from before the check) is checked and left out.
    await store.appendDocUpdate(m.meetingId, docIds.marked, POISON_FRAME.subarray(3));
    expect([...(await freshText(srv, m.meetingId, docIds.marked, m.facilitatorToken))]).toHaveLength(61);
  });

  it('refuses a malformed sync request and an unknown message with 4400, and nothing else is affected', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['notes']);
    const writer = yjsClient(srv.url, m.meetingId, docIds.notes, m.facilitatorToken);
    await writer.synced();
    writer.doc.getText('t').insert(0, '记录');
    for (const bad of [frame(0, 0, new Uint8Array([5, 1])), new Uint8Array([0, 0, 0xff]), new Uint8Array([9]), new Uint8Array([0, 7, 0]), new Uint8Array([])]) {
      const raw = await RawClient.open(srv.url, m.meetingId, docIds.notes, m.facilitatorToken);
      raw.send(bad);
      expect((await raw.closed()).code).toBe(WS_CLOSE.badUpdate);
    }
    expect(writer.provider.wsconnected).toBe(true);
    expect(await freshText(srv, m.meetingId, docIds.notes, m.facilitatorToken)).toBe('记录');
    writer.provider.destroy();
  });

  it('fuzz over the wire: every mutated update is refused or applied, the server stays up, and a fresh editor syncs', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['fuzz']);
    const seed = new Y.Doc();
    const updates: Uint8Array[] = [];
    seed.on('update', (u: Uint8Array) => updates.push(u));
    seed.getText('t').insert(0, '议事规则');
    seed.getText('t').insert(2, '与章程', { bold: true });
    seed.getMap('m').set('k', [1, 2]);
    seed.getText('t').delete(0, 1);
    // Mutations of the poison itself are in the pool too: random flips alone rarely make one.
    updates.push(POISON_FRAME.subarray(3));
    // Held open throughout, so the server's copy lives on and whatever it took stays in it.
    const holder = yjsClient(srv.url, m.meetingId, docIds.fuzz, m.facilitatorToken);
    await holder.synced();
    const byte = fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(updates.length - 1), fc.nat({ max: updates.length - 1 })), fc.array(fc.tuple(fc.nat(), byte), { maxLength: 3 }), fc.option(fc.nat()), async (pick, flips, cut) => {
        let u = Uint8Array.from(updates[pick]!);
        for (const [at, value] of flips) u[at % u.length] = value;
        if (cut !== null) u = u.slice(0, cut % (u.length + 1));
        const raw = await RawClient.open(srv.url, m.meetingId, docIds.fuzz, m.facilitatorToken);
        raw.sendUpdate(u);
        await raw.roundTrip();
        if (raw.close) expect(raw.close.code).toBe(WS_CLOSE.badUpdate);
        raw.ws.close();
        const fresh = yjsClient(srv.url, m.meetingId, docIds.fuzz, m.facilitatorToken);
        await fresh.synced();
        fresh.provider.destroy();
      }),
      { numRuns: 40 }
    );
    expect(holder.provider.wsconnected).toBe(true);
    holder.provider.destroy();
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });

  it('closes the /yjs connections of a revoked link at once (4401)', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['charter', 'minutes']);
    const res = await fetch(`${srv.url}/api/meetings/${m.meetingId}/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${m.facilitatorToken}` },
      body: JSON.stringify({ role: 'secretary' })
    });
    const link = (await res.json()) as { linkId: string; token: string };
    const a = await RawClient.open(srv.url, m.meetingId, docIds.charter, link.token);
    const b = await RawClient.open(srv.url, m.meetingId, docIds.minutes, link.token);
    const fac = await RawClient.open(srv.url, m.meetingId, docIds.charter, m.facilitatorToken);
    const del = await fetch(`${srv.url}/api/meetings/${m.meetingId}/links/${link.linkId}`, { method: 'DELETE', headers: { authorization: `Bearer ${m.facilitatorToken}` } });
    expect(del.status).toBe(200);
    expect((await a.closed()).code).toBe(WS_CLOSE.unauthorized);
    expect((await b.closed()).code).toBe(WS_CLOSE.unauthorized);
    await fac.roundTrip();
    expect(fac.close).toBeNull();
    fac.ws.close();
  });

  it('closes a removed participant\'s /yjs connections at once (4403) and refuses them afterwards', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const other = await join(srv.url, m.joinCode, '李老板', '商户');
    const mine = await RawClient.open(srv.url, m.meetingId, docIds.charter, p.token);
    const theirs = await RawClient.open(srv.url, m.meetingId, docIds.charter, other.token);
    const fac = await staff(m.facilitatorToken);
    expect(await fac.send({ type: 'participant.remove', participantId: p.participantId })).toMatchObject({ ok: true });
    expect(await mine.closed()).toEqual({ code: WS_CLOSE.forbidden, reason: 'participant_removed' });
    await theirs.roundTrip();
    expect(theirs.close).toBeNull();
    await expect(RawClient.open(srv.url, m.meetingId, docIds.charter, p.token)).rejects.toThrow(/403/);
    theirs.ws.close();
  });

  it('after the end, participants and the board only read (open connections at once, new ones too); staff still write', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const secretaryToken = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    const open = await RawClient.open(srv.url, m.meetingId, docIds.charter, p.token);
    open.sendUpdate(insertUpdate('会前', 11));
    await open.roundTrip();
    const fac = await staff(m.facilitatorToken);
    expect(await fac.send({ type: 'meeting.end' })).toMatchObject({ ok: true });
    // Downgraded: told so in y-websocket's words (an auth "permission denied"), and stays connected.
    await waitFor(() => open.permissionDenied(), { what: 'read-only notice' });
    open.sendUpdate(insertUpdate('会后', 12));
    await open.roundTrip();
    expect(open.close).toBeNull();
    const late = await RawClient.open(srv.url, m.meetingId, docIds.charter, p.token);
    late.sendUpdate(insertUpdate('再开', 13));
    await late.roundTrip();
    expect(late.permissionDenied()).toBe(true);
    const sec = await RawClient.open(srv.url, m.meetingId, docIds.charter, secretaryToken);
    sec.sendUpdate(insertUpdate('纪要', 14));
    await sec.roundTrip();
    expect(sec.close).toBeNull();
    const facDoc = await RawClient.open(srv.url, m.meetingId, docIds.charter, m.facilitatorToken);
    facDoc.sendUpdate(insertUpdate('补记', 15));
    await facDoc.roundTrip();
    const text = await freshText(srv, m.meetingId, docIds.charter, m.facilitatorToken);
    expect([...text].sort().join('')).toBe([...'会前纪要补记'].sort().join(''));
    for (const c of [open, late, sec, facDoc]) c.ws.close();
  });

  it('a read-only connection publishes no awareness; a writing one does', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['charter']);
    const p = await join(srv.url, m.joinCode);
    const boardToken = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'board');
    const fac = await RawClient.open(srv.url, m.meetingId, docIds.charter, m.facilitatorToken);
    const board = await RawClient.open(srv.url, m.meetingId, docIds.charter, boardToken);
    const phone = await RawClient.open(srv.url, m.meetingId, docIds.charter, p.token);
    board.send(awarenessFrame(777, { user: '大屏' }));
    phone.send(awarenessFrame(888, { user: '王阿姨' }));
    await board.roundTrip();
    await phone.roundTrip();
    // Whatever the server broadcast to the facilitator before answering these, it sent before the answer.
    await fac.roundTrip();
    expect(fac.awarenessClients()).toContain(888);
    expect(fac.awarenessClients()).not.toContain(777);
    for (const c of [fac, board, phone]) c.ws.close();
  });

  it('stops the measured attack (150 updates of 60 KB) at the first, with nothing stored; a document of its own naming is not opened at all', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['mine']);
    const p = await join(srv.url, m.joinCode);
    await expect(RawClient.open(srv.url, m.meetingId, 'mine', p.token)).rejects.toThrow(/404/);
    const raw = await RawClient.open(srv.url, m.meetingId, docIds.mine, p.token);
    const big = insertUpdate('x'.repeat(60 * 1024));
    expect(big.byteLength).toBeGreaterThan(60 * 1024);
    for (let i = 0; i < 150; i++) raw.sendUpdate(insertUpdate('x'.repeat(60 * 1024)));
    expect(await raw.closed()).toEqual({ code: WS_CLOSE.updateTooLarge, reason: 'update too large' });
    await srv.server.yjs.flush();
    expect(await storedBytes(store, m.meetingId, docIds.mine)).toBe(0);
  });

  it('allows fast typing and a paste, and rate-limits a flood of updates just under the size limit (4429) with little stored', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['typed', 'flood']);
    const p = await join(srv.url, m.joinCode);
    const typist = new Y.Doc();
    const raw = await RawClient.open(srv.url, m.meetingId, docIds.typed, p.token);
    typist.on('update', (u: Uint8Array) => raw.sendUpdate(u));
    for (const ch of '第一条本会名称为一八九民商联合会本会是社区居民和商户自愿组成的议事组织') typist.getText('t').insert(typist.getText('t').length, ch);
    typist.getText('t').insert(0, '章'.repeat(10_000)); // a 30 KB paste
    await raw.roundTrip();
    expect(raw.close).toBeNull();
    expect(await freshText(srv, m.meetingId, docIds.typed, p.token)).toBe(typist.getText('t').toString());
    raw.ws.close();

    const flood = await RawClient.open(srv.url, m.meetingId, docIds.flood, p.token);
    for (let i = 0; i < 150; i++) flood.sendUpdate(insertUpdate('y'.repeat(30 * 1024)));
    expect(await flood.closed()).toEqual({ code: WS_CLOSE.rateLimited, reason: 'rate limited' });
    await srv.server.yjs.flush();
    const stored = await storedBytes(store, m.meetingId, docIds.flood);
    // The burst (150 tokens, 31 per update) lets 4 or 5 through, about 150 KB of the 4.5 MB sent; the
    // bound leaves room for the bucket refilling while a loaded machine works through the flood.
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(450 * 1024);
  });

  it('refuses an update over 32 KB (4413) and stops a document at its size limit (4507), nothing stored past it', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['big', 'full']);
    const raw = await RawClient.open(srv.url, m.meetingId, docIds.big, m.facilitatorToken);
    raw.sendUpdate(insertUpdate('z'.repeat(33 * 1024)));
    expect((await raw.closed()).code).toBe(WS_CLOSE.updateTooLarge);

    srv.server.yjs.limits = { ...YJS_LIMITS, maxDocBytes: 100 * 1024 };
    try {
      const writer = await RawClient.open(srv.url, m.meetingId, docIds.full, m.facilitatorToken);
      for (let i = 0; i < 4; i++) writer.sendUpdate(insertUpdate('w'.repeat(30 * 1024)));
      expect(await writer.closed()).toEqual({ code: WS_CLOSE.docFull, reason: 'document full' });
      await srv.server.yjs.flush();
      const stored = await storedBytes(store, m.meetingId, docIds.full);
      expect(stored).toBeLessThanOrEqual(100 * 1024);
      expect(stored).toBeGreaterThan(90 * 1024);
      // Still readable.
      expect((await freshText(srv, m.meetingId, docIds.full, m.facilitatorToken)).length).toBe(3 * 30 * 1024);
    } finally {
      srv.server.yjs.limits = { ...YJS_LIMITS };
    }
  });

  it('refuses a document beyond the meeting\'s limit (4409); its existing documents still open', async () => {
    const m = await createMeeting(srv.url);
    const docIds = await createDocuments(srv.url, m, ['a', 'b', 'c', 'd']);
    srv.server.yjs.limits = { ...YJS_LIMITS, maxDocsPerMeeting: 3 };
    try {
      // Two stored (then closed) and one open but not written: three documents.
      for (const name of ['a', 'b'] as const) {
        const w = await RawClient.open(srv.url, m.meetingId, docIds[name], m.facilitatorToken);
        w.sendUpdate(insertUpdate(name));
        await w.roundTrip();
        w.ws.close();
      }
      await waitFor(async () => (await srv.server.yjs.flush(), (await store.listDocs(m.meetingId)).length === 2), { what: 'two stored' });
      const c = await RawClient.open(srv.url, m.meetingId, docIds.c, m.facilitatorToken);
      const d = await RawClient.open(srv.url, m.meetingId, docIds.d, m.facilitatorToken);
      expect(await d.closed()).toEqual({ code: WS_CLOSE.tooManyDocs, reason: 'too many documents' });
      // Another meeting is not affected, nor the meeting's own documents.
      expect(await freshText(srv, m.meetingId, docIds.a, m.facilitatorToken)).toBe('a');
      await c.roundTrip();
      expect(c.close).toBeNull();
      c.ws.close();
      expect((await store.listDocs(m.meetingId)).sort()).toEqual([docIds.a, docIds.b].sort());
    } finally {
      srv.server.yjs.limits = { ...YJS_LIMITS };
    }
  });

  it('never throws on a malformed request target, and answers 400', async () => {
    for (const target of ['//[', '//%', 'http://[::1', '/yjs/%/[']) {
      const socket = new PassThrough();
      let written = '';
      socket.on('data', (d: Buffer) => (written += d.toString()));
      const req = { url: target, headers: { upgrade: 'websocket', connection: 'Upgrade' } } as unknown as IncomingMessage;
      expect(() => srv.server.yjs.handleUpgrade(req, socket, Buffer.alloc(0))).not.toThrow();
      await waitFor(() => written.length > 0 || socket.destroyed, { what: `answer to ${target}` });
      if (target !== '/yjs/%/[') expect(written).toMatch(/^HTTP\/1\.1 400 /);
    }
    // The same over a real socket, to the running server.
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(srv.port, '127.0.0.1', () => s.write('GET //[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
});

/** A relay that only counts live subscriptions: the leak test asks whether one is left behind. */
function countingRelay(): DocRelay & { subscriptions: number } {
  return {
    subscriptions: 0,
    publish() {},
    subscribe() {
      this.subscriptions++;
      return () => this.subscriptions--;
    }
  };
}

describe.each(STORE_KINDS)('Yjs upgrade aborted while the document loads, on %s', (kind: StoreKind) => {
  it('unloads the document and drops its relay subscription', async () => {
    const backend = await startBackend(kind);
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...backend.env });
    const real = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
    // The store hook: the first document load waits until the test lets it go.
    let entered!: () => void;
    const loading = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'loadDocRows') {
          return async (meetingId: string, docId: string) => {
            entered();
            await gate;
            return target.loadDocRows(meetingId, docId);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
    });
    const relay = countingRelay();
    const server = await createYishiServer({ config, store, log: createLogger('silent', 'test'), webHandlerPath: null, relay });
    const { port } = await server.listen();
    const url = `http://127.0.0.1:${port}`;
    try {
      const m = await createMeeting(url);
      const docIds = await createDocuments(url, m, ['charter']);
      // The server's end of the upgrade, so the test can close it at the exact point.
      let serverSide: import('node:stream').Duplex | null = null;
      server.http.on('upgrade', (_req, socket) => (serverSide = socket));
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/yjs/${m.meetingId}/${docIds.charter}?token=${m.facilitatorToken}`);
      ws.on('error', () => undefined);
      await loading;
      expect(server.yjs.loadedDocCount()).toBe(1);
      expect(relay.subscriptions).toBe(1);
      serverSide!.destroy();
      release();
      await waitFor(() => server.yjs.loadedDocCount() === 0 && relay.subscriptions === 0, { what: 'document unloaded' });
      // And the document opens normally afterwards.
      const c = yjsClient(url, m.meetingId, docIds.charter, m.facilitatorToken);
      await c.synced();
      expect(server.yjs.loadedDocCount()).toBe(1);
      c.provider.destroy();
      await waitFor(() => server.yjs.loadedDocCount() === 0, { what: 'unloaded after the last editor left' });
    } finally {
      release();
      await server.close();
      await backend.dispose();
    }
  });
});
