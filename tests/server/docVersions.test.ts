import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Ack, LogEntry } from '@yishi/protocol';
import { Database, Redis, SQLITE_FILE, redisKeys } from '@yishi/store/raw';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createDocument, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS } from '../helpers/servers.ts';
import { docServer } from '../helpers/docServer.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';

/**
 * Named versions [D22, S21]: a save stores the document's whole content immutably and the log vouches
 * for it with its SHA-256; it is served to whoever may read the document, and only while it matches.
 * Real server, real store, real y-websocket editors writing the editor's fragment (`default`).
 */
/** The version id a successful save's ack carries. */
function versionIdOf(ack: Ack): string {
  const id = ack.ok ? ack.result?.versionId : undefined;
  if (typeof id !== 'string') throw new Error(`save refused: ${JSON.stringify(ack)}`);
  return id;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Appends a paragraph to the editor's fragment, as Tiptap's Collaboration extension writes it. */
function addParagraph(doc: Y.Doc, text: string, node = 'paragraph'): void {
  const frag = doc.getXmlFragment('default');
  const p = new Y.XmlElement(node);
  p.insert(0, [new Y.XmlText(text)]);
  frag.insert(frag.length, [p]);
}

/** The plain text of the editor's fragment: one line per paragraph. */
function paragraphs(doc: Y.Doc): string[] {
  return doc
    .getXmlFragment('default')
    .toArray()
    .map((el) => ((el as Y.XmlElement).firstChild as Y.XmlText | null)?.toString() ?? '');
}

describe.each(STORE_KINDS)('named versions on %s', (kind) => {
  const fx = docServer(kind);
  const { socket, editor } = fx;
  const versionUrl = (meetingId: string, docId: string, versionId: string, text = false) =>
    `${fx.srv.url}/api/meetings/${meetingId}/documents/${docId}/versions/${versionId}${text ? '/text' : ''}`;
  const get = (url: string, token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });
  async function versioned(meetingId: string): Promise<LogEntry[]> {
    return (await fx.store.readLog(meetingId)).filter((e) => e.event.type === 'document.versioned');
  }
  /** The server holds the editor's text (it reached the server), seen by a second, fresh reader. */
  async function serverHas(meetingId: string, docId: string, token: string, lines: string[]): Promise<void> {
    await waitFor(async () => {
      const r = yjsClient(fx.srv.url, meetingId, docId, token);
      try {
        await r.synced();
        return JSON.stringify(paragraphs(r.doc)) === JSON.stringify(lines);
      } finally {
        r.provider.destroy();
      }
    }, { what: 'server holds the text' });
  }

  it('[D22][S21] a saved version is the content at that moment: its hash is in the log, its bytes give the text, later edits leave it be', async () => {
    const m = await createMeeting(fx.srv.url);
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程');
    const ed = await editor(m.meetingId, docId, m.facilitatorToken);
    addParagraph(ed.doc, '总则', 'heading');
    addParagraph(ed.doc, '第一条 本会名称为滨河东里商居联合会。');
    await serverHas(m.meetingId, docId, m.facilitatorToken, ['总则', '第一条 本会名称为滨河东里商居联合会。']);

    const fac = await socket(m.facilitatorToken);
    const ack = await fac.send({ type: 'document.version.save', docId, name: '章程 v3 征求意见稿' });
    expect(ack).toMatchObject({ ok: true, result: { versionId: expect.any(String) } });
    const versionId = versionIdOf(ack);

    const [entry, ...more] = await versioned(m.meetingId);
    expect(more).toEqual([]);
    expect(entry!.event).toMatchObject({ type: 'document.versioned', docId, versionId, name: '章程 v3 征求意见稿', by: 'facilitator' });
    const stored = (await fx.store.getDocVersion(m.meetingId, docId, versionId))!;
    const event = entry!.event as unknown as { contentHash: string; bytes: number };
    expect(event.contentHash).toBe(sha256(stored));
    expect(event.bytes).toBe(stored.byteLength);
    expect(await fx.store.verifyLog(m.meetingId)).toMatchObject({ ok: true });

    // The staff's view lists it (every audience that may read the document gets the event as it is).
    await waitFor(() => fac.state?.documents.get(docId)?.versions.length === 1, { what: 'version in the view' });
    expect(fac.state!.documents.get(docId)!.versions[0]).toMatchObject({ id: versionId, name: '章程 v3 征求意见稿', contentHash: event.contentHash, bytes: event.bytes, by: 'facilitator' });

    // Later edits do not reach the version.
    addParagraph(ed.doc, '第二条 后来加的。');
    await serverHas(m.meetingId, docId, m.facilitatorToken, ['总则', '第一条 本会名称为滨河东里商居联合会。', '第二条 后来加的。']);

    const res = await get(versionUrl(m.meetingId, docId, versionId), m.facilitatorToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(sha256(bytes)).toBe(event.contentHash);
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, bytes);
    expect(paragraphs(fresh)).toEqual(['总则', '第一条 本会名称为滨河东里商居联合会。']);

    const text = await get(versionUrl(m.meetingId, docId, versionId, true), m.facilitatorToken);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await text.text()).toBe('总则\n第一条 本会名称为滨河东里商居联合会。');

    // A second save with the same name is another version, of the content now.
    const again = await fac.send({ type: 'document.version.save', docId, name: '章程 v3 征求意见稿' });
    expect(again).toMatchObject({ ok: true });
    const second = versionIdOf(again);
    expect(second).not.toBe(versionId);
    const secondText = await get(versionUrl(m.meetingId, docId, second, true), m.facilitatorToken);
    expect(await secondText.text()).toBe('总则\n第一条 本会名称为滨河东里商居联合会。\n第二条 后来加的。');
    expect((await versioned(m.meetingId)).map((e) => (e.event as unknown as { versionId: string }).versionId)).toEqual([versionId, second]);
  });

  it('[D22] a retry of a save (same command id) is answered with the same version and records nothing more', async () => {
    const m = await createMeeting(fx.srv.url);
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'notes', '笔记');
    const fac = await socket(m.facilitatorToken);
    const command = { type: 'document.version.save', commandId: 'c-retry-version-1', docId, name: '初稿' };
    const first = await fac.sendRaw(command);
    const retry = await fac.sendRaw(command);
    expect(first).toMatchObject({ ok: true });
    expect(retry).toEqual(first);
    expect(await versioned(m.meetingId)).toHaveLength(1);
  });

  it('[D22] a document nobody has open is saved from its stored updates', async () => {
    const m = await createMeeting(fx.srv.url);
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程');
    // Other tests' editors keep their documents open: this one is unloaded when the count is back here.
    const openBefore = fx.srv.server.yjs.loadedDocCount();
    const ed = yjsClient(fx.srv.url, m.meetingId, docId, m.facilitatorToken);
    await ed.synced();
    addParagraph(ed.doc, '附则');
    await serverHas(m.meetingId, docId, m.facilitatorToken, ['附则']);
    ed.provider.destroy();
    await waitFor(() => fx.srv.server.yjs.loadedDocCount() === openBefore, { what: 'document unloaded' });
    const fac = await socket(m.facilitatorToken);
    const ack = await fac.send({ type: 'document.version.save', docId, name: '附则稿' });
    expect(ack).toMatchObject({ ok: true });
    const versionId = versionIdOf(ack);
    const text = await get(versionUrl(m.meetingId, docId, versionId, true), m.facilitatorToken);
    expect(await text.text()).toBe('附则');
  });

  it('[D22][D21] a read-only participant cannot save but can fetch; an editing participant saves; someone of another meeting and a removed participant get 403', async () => {
    const m = await createMeeting(fx.srv.url);
    const reader = await join(fx.srv.url, m.joinCode, '王阿姨');
    const writer = await join(fx.srv.url, m.joinCode, '李师傅', '商户');
    const gone = await join(fx.srv.url, m.joinCode, '赵先生');
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程', 'named', [writer.participantId]);
    const ed = await editor(m.meetingId, docId, writer.token);
    addParagraph(ed.doc, '第一条 会员自愿加入。');
    await serverHas(m.meetingId, docId, m.facilitatorToken, ['第一条 会员自愿加入。']);

    const readerSocket = await socket(reader.token);
    expect(await readerSocket.send({ type: 'document.version.save', docId, name: '偷存' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const writerSocket = await socket(writer.token);
    const ack = await writerSocket.send({ type: 'document.version.save', docId, name: '商户稿' });
    expect(ack).toMatchObject({ ok: true });
    const versionId = versionIdOf(ack);
    // Only the allowed save is in the log and stored.
    const entries = await versioned(m.meetingId);
    expect(entries.map((e) => e.event)).toEqual([expect.objectContaining({ versionId, by: 'participant' })]);
    expect(entries[0]!.actor).toEqual({ role: 'participant', participantId: writer.participantId });

    // The reader's phone lists it, and may fetch it.
    await waitFor(() => readerSocket.state?.documents.get(docId)?.versions.length === 1, { what: 'version on the reader phone' });
    const fetched = await get(versionUrl(m.meetingId, docId, versionId, true), reader.token);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('第一条 会员自愿加入。');

    const fac = await socket(m.facilitatorToken);
    expect(await fac.send({ type: 'participant.remove', participantId: gone.participantId })).toMatchObject({ ok: true });
    const removed = await get(versionUrl(m.meetingId, docId, versionId), gone.token);
    expect(removed.status).toBe(403);
    const other = await createMeeting(fx.srv.url);
    const stranger = await get(versionUrl(m.meetingId, docId, versionId), other.facilitatorToken);
    expect(stranger.status).toBe(403);
    expect(((await stranger.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('[D22] bad input is a typed 4xx: an unknown version or document is 404, a malformed id 400, no token 401, a bad name invalid', async () => {
    const m = await createMeeting(fx.srv.url);
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'notes', '笔记');
    const fac = await socket(m.facilitatorToken);
    const notFound = await get(versionUrl(m.meetingId, docId, 'nosuchversion'), m.facilitatorToken);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await get(versionUrl(m.meetingId, 'nosuchdoc0', 'nosuchversion'), m.facilitatorToken)).status).toBe(404);
    const bad = await get(versionUrl(m.meetingId, docId, 'a%20b'), m.facilitatorToken);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid');
    expect((await fetch(versionUrl(m.meetingId, docId, 'nosuchversion'))).status).toBe(401);
    expect(await fac.send({ type: 'document.version.save', docId, name: '' })).toMatchObject({ ok: false, error: { code: 'invalid', field: 'name' } });
    expect(await fac.send({ type: 'document.version.save', docId, name: '长'.repeat(61) })).toMatchObject({ ok: false, error: { code: 'invalid', field: 'name' } });
    expect(await fac.send({ type: 'document.version.save', docId: 'nosuchdoc0', name: 'v1' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // A client cannot record a version with content of its choosing.
    expect(await fac.send({ type: 'document.version.record', docId, name: 'v1', versionId: 'forged01', contentHash: '0'.repeat(64), bytes: 0 })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await versioned(m.meetingId)).toEqual([]);
  });

  it('[D22][S21] stored version bytes altered behind the server: the fetch refuses with "version altered" and never sends them', async () => {
    const m = await createMeeting(fx.srv.url);
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程');
    const ed = await editor(m.meetingId, docId, m.facilitatorToken);
    addParagraph(ed.doc, '第三条 原文。');
    await serverHas(m.meetingId, docId, m.facilitatorToken, ['第三条 原文。']);
    const fac = await socket(m.facilitatorToken);
    const ack = await fac.send({ type: 'document.version.save', docId, name: 'v4' });
    const versionId = versionIdOf(ack);
    expect((await get(versionUrl(m.meetingId, docId, versionId), m.facilitatorToken)).status).toBe(200);

    // Someone with the SQLite file or the Redis server puts other content in its place.
    const forged = new Y.Doc();
    addParagraph(forged, '第三条 篡改过的。');
    const forgedBytes = Y.encodeStateAsUpdate(forged);
    const redisUrl = fx.srv.backend.env.REDIS_URL;
    if (redisUrl) {
      const redis = new Redis(redisUrl);
      await redis.hset(redisKeys().docVersions(m.meetingId), `${docId}/${versionId}`, Buffer.from(forgedBytes));
      await redis.quit();
    } else {
      const db = new Database(path.join(fx.srv.backend.env.DATA_DIR!, SQLITE_FILE));
      db.prepare('UPDATE doc_versions SET data = ? WHERE meeting_id = ? AND doc_id = ? AND version_id = ?').run(Buffer.from(forgedBytes), m.meetingId, docId, versionId);
      db.close();
    }
    for (const asText of [false, true]) {
      const res = await get(versionUrl(m.meetingId, docId, versionId, asText), m.facilitatorToken);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = await res.text();
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'internal', message: expect.stringMatching(/^version altered/) } });
      expect(body).not.toContain('篡改');
    }
  });
});
