import { ExportLinkRequestSchema, type Ack, type ExportLinkResponse } from '@yishi/protocol';
import fc from 'fast-check';
import { openStore, type Store } from '@yishi/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { connected, createDocument, createLink, createMeeting, join, type TestClient } from '../helpers/clients.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { downloadLinkValid, readDownloadLink, signDownloadLink } from '../../realtime-server/src/http/downloadLinks.ts';
import { docxText as docxOf, pdftotext, writeTemp } from '../../packages/export/test/tools.ts';

/**
 * A named version exports as Markdown, DOCX and PDF to whoever may read its document [D26], through the
 * bearer route and the short-lived download link; the minutes print the minutes draft's current text
 * [D27], and the draft is the staff's until the minutes are published [D26]. Real server, real store,
 * real y-websocket editors writing the editor's fragment; the PDF read back with pdftotext.
 */

const pdfText = (bytes: Uint8Array): string => pdftotext(writeTemp(bytes, 'pdf'));
const docxText = (bytes: Uint8Array): string => docxOf(bytes).text;

/** Writes a charter the way the editor does: a chapter (heading level 2) and articles with stable ids. */
function writeCharter(doc: Y.Doc, articles: string[]): void {
  const frag = doc.getXmlFragment('default');
  doc.transact(() => {
    const chapter = new Y.XmlElement('heading');
    chapter.setAttribute('level', 2 as unknown as string);
    chapter.insert(0, [new Y.XmlText('总则')]);
    frag.insert(frag.length, [chapter]);
    articles.forEach((text, i) => {
      const a = new Y.XmlElement('article');
      a.setAttribute('id', `art-${i + 1}`);
      const t = new Y.XmlText();
      t.insert(0, text);
      if (i === 0) t.format(0, 2, { bold: true });
      a.insert(0, [t]);
      frag.insert(frag.length, [a]);
    });
  });
}

function paragraph(doc: Y.Doc, text: string): void {
  const frag = doc.getXmlFragment('default');
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  frag.insert(frag.length, [p]);
}

/** The HTTP status a /yjs upgrade is answered with (101 when it opens). */
function upgradeStatus(base: string, meetingId: string, docId: string, token: string): Promise<number> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/yjs/${meetingId}/${docId}?token=${token}`);
  ws.on('error', () => undefined);
  return new Promise((resolve) => {
    ws.once('open', () => {
      resolve(101);
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
  });
}

const versionIdOf = (ack: Ack): string => {
  const id = ack.ok ? ack.result?.versionId : undefined;
  if (typeof id !== 'string') throw new Error(`save refused: ${JSON.stringify(ack)}`);
  return id;
};

describe.each(STORE_KINDS)('version exports and the minutes draft on %s', (kind) => {
  let srv: InProcess;
  let store: Store;
  const sockets: TestClient[] = [];
  const editors: ReturnType<typeof yjsClient>[] = [];
  beforeAll(async () => {
    srv = await startInProcess(kind);
    store = await openStore({ redisUrl: srv.backend.env.REDIS_URL, dataDir: srv.backend.env.DATA_DIR! });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const e of editors) e.provider.destroy();
    await store?.close();
    await srv?.stop();
  });

  async function socket(token: string): Promise<TestClient> {
    const c = await connected(srv.url, token);
    sockets.push(c);
    return c;
  }
  async function editor(meetingId: string, docId: string, token: string) {
    const e = yjsClient(srv.url, meetingId, docId, token);
    editors.push(e);
    await e.synced();
    return e;
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const exportUrl = (meetingId: string, docId: string, versionId: string, format: string) => `${srv.url}/api/meetings/${meetingId}/documents/${docId}/versions/${versionId}/export.${format}`;
  const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());
  const linkFor = (meetingId: string, body: unknown, token: string) =>
    fetch(`${srv.url}/api/meetings/${meetingId}/export/links`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(body) });

  /** A meeting with a charter of three articles saved as a named version, then changed. */
  async function charterVersion() {
    const m = await createMeeting(srv.url, { title: '滨河东里议事会' });
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken, 'charter', '联合会章程');
    const ed = await editor(m.meetingId, docId, m.facilitatorToken);
    writeCharter(ed.doc, ['本会名称为滨河东里商居联合会。', '本会宗旨是共商共建。', '会员须遵守本章程。']);
    const secretary = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    const sec = await socket(secretary);
    // The save takes the content the server holds: wait until the edit reached it.
    await waitFor(async () => (await srv.server.yjs.content(m.meetingId, docId)).byteLength > 100, { what: 'content on the server' });
    const versionId = versionIdOf(await sec.send({ type: 'document.version.save', docId, name: '章程 v3 征求意见稿' }));
    // Edited later: the version keeps what it held.
    ed.doc.transact(() => ed.doc.getXmlFragment('default').delete(3, 1));
    return { m, docId, versionId, secretary, ed };
  }

  it('[D26] the secretary downloads a named version as Markdown, DOCX and PDF: title, version name, articles numbered, the versioned entry and its hash', async () => {
    const { m, docId, versionId, secretary } = await charterVersion();
    const entry = (await store.readLog(m.meetingId)).find((e) => e.event.type === 'document.versioned')!;

    const md = await fetch(exportUrl(m.meetingId, docId, versionId, 'md'), { headers: bearer(secretary) });
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(decodeURIComponent(md.headers.get('content-disposition')!)).toMatch(/filename\*=UTF-8''文件版本-联合会章程-章程 v3 征求意见稿-\d{4}-\d{2}-\d{2}\.md$/);
    const text = new TextDecoder().decode(await bytes(md));
    expect(text).toContain('# 联合会章程');
    expect(text).toContain('章程 v3 征求意见稿');
    expect(text).toContain('## 第一章 总则');
    expect(text).toContain('**第一条**\u3000**本会**名称为');
    expect(text).toContain('**第三条**\u3000会员须遵守本章程。');
    expect(text).toContain(entry.hash);
    expect(text).toContain(String((entry.event as unknown as { contentHash: string }).contentHash));

    const docx = await fetch(exportUrl(m.meetingId, docId, versionId, 'docx'), { headers: bearer(secretary) });
    expect(docx.status).toBe(200);
    const dtext = docxText(await bytes(docx));
    for (const s of ['联合会章程', '章程 v3 征求意见稿', '第三条', '会员须遵守本章程。', entry.hash]) expect(dtext).toContain(s);

    const pdf = await fetch(exportUrl(m.meetingId, docId, versionId, 'pdf'), { headers: bearer(secretary) });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const ptext = pdfText(await bytes(pdf)).replace(/\s+/g, '');
    for (const s of ['联合会章程', '章程v3征求意见稿', '第一章总则', '第一条', '第二条', '第三条会员须遵守本章程。']) expect(ptext).toContain(s);
  });

  it('[D26] a download link opens the version for the token it was issued to; a participant who may read downloads it too', async () => {
    const { m, docId, versionId, secretary } = await charterVersion();
    const res = await linkFor(m.meetingId, { what: 'version', format: 'pdf', docId, versionId }, secretary);
    expect(res.status).toBe(201);
    const { url } = (await res.json()) as ExportLinkResponse;
    const file = await fetch(`${srv.url}${url}`);
    expect(file.status).toBe(200);
    expect(pdfText(await bytes(file)).replace(/\s+/g, '')).toContain('第三条');

    const ann = await join(srv.url, m.joinCode, '安大姐');
    const mine = await fetch(exportUrl(m.meetingId, docId, versionId, 'md'), { headers: bearer(ann.token) });
    expect(mine.status).toBe(200);
    const link = (await (await linkFor(m.meetingId, { what: 'version', format: 'md', docId, versionId }, ann.token)).json()) as ExportLinkResponse;
    expect((await fetch(`${srv.url}${link.url}`)).status).toBe(200);
  });

  it('[D26] refused: someone who may not read the document, an unknown version or document, a bad format, a version link without ids', async () => {
    const { m, docId, versionId, secretary } = await charterVersion();
    const ann = await join(srv.url, m.joinCode, '安大姐');
    const link = (await (await linkFor(m.meetingId, { what: 'version', format: 'pdf', docId, versionId }, ann.token)).json()) as ExportLinkResponse;
    // Removed: no read right, by either route, also with a link issued before.
    const fac = await socket(m.facilitatorToken);
    expect(await fac.send({ type: 'participant.remove', participantId: ann.participantId })).toMatchObject({ ok: true });
    const removed = await fetch(exportUrl(m.meetingId, docId, versionId, 'pdf'), { headers: bearer(ann.token) });
    expect(removed.status).toBe(403);
    expect((await fetch(`${srv.url}${link.url}`)).status).toBe(403);
    // Another meeting's token, and none.
    const other = await createMeeting(srv.url);
    expect((await fetch(exportUrl(m.meetingId, docId, versionId, 'pdf'), { headers: bearer(other.facilitatorToken) })).status).toBe(403);
    expect((await fetch(exportUrl(m.meetingId, docId, versionId, 'pdf'))).status).toBe(401);

    const unknown = await fetch(exportUrl(m.meetingId, docId, 'nosuchver1', 'pdf'), { headers: bearer(secretary) });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found', message: 'no such version' } });
    const noDoc = await fetch(exportUrl(m.meetingId, 'nosuchdoc1', versionId, 'pdf'), { headers: bearer(secretary) });
    expect(noDoc.status).toBe(404);
    expect(await noDoc.json()).toMatchObject({ error: { code: 'not_found', message: 'no such document' } });
    expect((await fetch(exportUrl(m.meetingId, docId, versionId, 'json'), { headers: bearer(secretary) })).status).toBe(404);
    expect((await fetch(exportUrl(m.meetingId, docId, 'bad id!', 'pdf'), { headers: bearer(secretary) })).status).toBe(400);
    // The generic route has no version export; a link request must name both ids, and only a version names any.
    expect((await fetch(`${srv.url}/api/meetings/${m.meetingId}/export/version.pdf`, { headers: bearer(secretary) })).status).toBe(404);
    for (const body of [{ what: 'version', format: 'pdf' }, { what: 'version', format: 'pdf', docId }, { what: 'minutes', format: 'pdf', docId, versionId }, { what: 'version', format: 'json', docId, versionId }]) {
      const res = await linkFor(m.meetingId, body, secretary);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await linkFor(m.meetingId, { what: 'version', format: 'pdf', docId, versionId: 'nosuchver1' }, secretary)).status).toBe(404);
  });

  it('[D26][D27] the minutes print the minutes draft\'s current text; participants cannot open the draft until the minutes are published', async () => {
    const m = await createMeeting(srv.url, { title: '滨河东里议事会' });
    const ann = await join(srv.url, m.joinCode, '安大姐');
    const secretary = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    const draftId = await createDocument(srv.url, m.meetingId, secretary, 'minutesDraft', '会议纪要草稿', 'readonly');
    const ed = await editor(m.meetingId, draftId, secretary);
    paragraph(ed.doc, '会议决定成立停车管理筹备组。');
    const minutesMd = async () => new TextDecoder().decode(await bytes(await fetch(`${srv.url}/api/meetings/${m.meetingId}/export/minutes.md`, { headers: bearer(secretary) })));
    await waitFor(async () => (await minutesMd()).includes('会议决定成立停车管理筹备组。'), { what: 'the draft in the minutes' });
    expect(await minutesMd()).not.toContain('记录员没有填写记录');
    const preview = await fetch(`${srv.url}/api/meetings/${m.meetingId}/export/minutes.json`, { headers: bearer(secretary) });
    expect(JSON.stringify(await preview.json())).toContain('会议决定成立停车管理筹备组。');

    // The draft is the staff's: a participant's upgrade is refused until the minutes are published.
    expect(await upgradeStatus(srv.url, m.meetingId, draftId, ann.token)).toBe(403);
    const board = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'board');
    expect(await upgradeStatus(srv.url, m.meetingId, draftId, board)).toBe(403);
    const fac = await socket(m.facilitatorToken);
    expect(await fac.send({ type: 'minutes.publish' })).toMatchObject({ ok: true });
    expect(await upgradeStatus(srv.url, m.meetingId, draftId, ann.token)).toBe(101);
    // Unpublished again: an open reader is closed at once.
    const reader = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/yjs/${m.meetingId}/${draftId}?token=${ann.token}`);
    let closed: number | null = null;
    reader.on('close', (code) => (closed = code));
    reader.on('error', () => undefined);
    await new Promise((resolve) => reader.once('open', resolve));
    expect(await fac.send({ type: 'minutes.unpublish' })).toMatchObject({ ok: true });
    await waitFor(() => closed !== null, { what: 'the reader closed' });
    expect(await upgradeStatus(srv.url, m.meetingId, draftId, ann.token)).toBe(403);
  });
});

describe('version links and link requests, fuzzed [D26]', () => {
  const token = { tokenHash: 'h'.repeat(64), tokenId: 'tok00001', meetingId: 'meet0001' };
  const id = fc.stringMatching(/^[A-Za-z0-9_-]{4,12}$/);

  it('[D26] a signed version link reads back as that version, valid for its token only; any payload that mixes up what and ids is no link', () => {
    fc.assert(
      fc.property(id, id, fc.constantFrom('md', 'docx', 'pdf') as fc.Arbitrary<'md' | 'docx' | 'pdf'>, (docId, versionId, format) => {
        const link = signDownloadLink(token, 'version', format, 1_000, { docId, versionId });
        const read = readDownloadLink(link)!;
        expect(read).toMatchObject({ meetingId: 'meet0001', what: 'version', format, version: { docId, versionId } });
        expect(downloadLinkValid(read, token, 2_000)).toBe(true);
        expect(downloadLinkValid(read, { tokenHash: 'x'.repeat(64) }, 2_000)).toBe(false);
      })
    );
    const forged = (payload: unknown) => `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${'A'.repeat(43)}`;
    fc.assert(
      fc.property(
        fc.record({ w: fc.constantFrom('minutes', 'version', 'poster'), d: fc.option(fc.oneof(id, fc.string()), { nil: undefined }), r: fc.option(fc.oneof(id, fc.string()), { nil: undefined }) }),
        ({ w, d, r }) => {
          const payload = { v: 1, m: 'meet0001', w, f: 'pdf', t: 'tok00001', e: 5_000, ...(d === undefined ? {} : { d }), ...(r === undefined ? {} : { r }) };
          const read = readDownloadLink(forged(payload));
          const ok = (s: string | undefined) => s !== undefined && /^[A-Za-z0-9_-]{4,64}$/.test(s);
          const named = d !== undefined && r !== undefined;
          const wellFormed = (d === undefined || ok(d)) && (r === undefined || ok(r)) && (w === 'version') === named && (d === undefined) === (r === undefined);
          expect(read !== null).toBe(wellFormed);
          if (read) expect(read.version).toEqual(named ? { docId: d, versionId: r } : undefined);
        }
      )
    );
  });

  it('[D26] a link request names a version exactly when it asks for one; anything else is a validation error, never a throw', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const parsed = ExportLinkRequestSchema.safeParse(body);
        if (parsed.success) {
          const r = parsed.data;
          expect(r.what === 'version').toBe(r.docId !== undefined && r.versionId !== undefined);
        }
      })
    );
    expect(ExportLinkRequestSchema.safeParse({ what: 'version', format: 'pdf', docId: 'doc00001', versionId: 'ver00001' }).success).toBe(true);
    expect(ExportLinkRequestSchema.safeParse({ what: 'version', format: 'pdf', docId: 'doc00001' }).success).toBe(false);
    expect(ExportLinkRequestSchema.safeParse({ what: 'minutes', format: 'pdf', versionId: 'ver00001' }).success).toBe(false);
  });
});
