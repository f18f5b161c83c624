import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createYishiServer, loadConfig } from '@yishi/realtime-server';
import { checkChain, type ArchiveFile, type ExportLinkResponse } from '@yishi/protocol';
import { openStore } from '@yishi/store';
import type { MeetingState, RecordDocument } from '@yishi/domain';
import { defaultRenderers, type ExportRenderers } from '../../realtime-server/src/http/exportRenderers.ts';
import { exportRefusal, fileSafeTitle, meetingDate } from '../../realtime-server/src/http/exports.ts';
import { DOWNLOAD_LINK_TTL_MS, downloadLinkValid, readDownloadLink } from '../../realtime-server/src/http/downloadLinks.ts';
import { connected, createLink, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS, startBackend, type Backend } from '../helpers/servers.ts';

/** The real server on a real store, with the renderers given (the default ones unless a test breaks them). */
async function startWith(kind: 'sqlite' | 'redis', renderers?: ExportRenderers) {
  const backend: Backend = await startBackend(kind);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...backend.env });
  const store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
  const server = await createYishiServer({ config, store, log: createLogger(config.logLevel, 'test'), webHandlerPath: null, ...(renderers ? { renderers } : {}) });
  const { port } = await server.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async stop() {
      await server.close();
      await backend.dispose();
    }
  };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const startsWith = (b: Uint8Array, s: string) => Buffer.from(b.slice(0, s.length)).toString('latin1') === s;

describe.each(STORE_KINDS)('exports on %s', (kind) => {
  let srv: Awaited<ReturnType<typeof startWith>>;
  let m: Awaited<ReturnType<typeof createMeeting>>;
  let secretary: string;
  let board: string;
  let participant: string;
  beforeAll(async () => {
    srv = await startWith(kind);
    m = await createMeeting(srv.url, { title: '滨河东里/189民商"联合会"' });
    secretary = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    board = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'board');
    participant = (await join(srv.url, m.joinCode, '王阿姨')).token;
  });
  afterAll(async () => {
    await srv?.stop();
  });

  const get = (what: string, token?: string, meetingId = m.meetingId) => fetch(`${srv.url}/api/meetings/${meetingId}/export/${what}`, { headers: token ? auth(token) : {} });
  const linkFor = (body: unknown, token: string) =>
    fetch(`${srv.url}/api/meetings/${m.meetingId}/export/links`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(token) }, body: JSON.stringify(body) });
  const verified = async () => (await (await fetch(`${srv.url}/api/meetings/${m.meetingId}/verify`)).json()) as { head: { seq: number; hash: string } };

  it('gives the facilitator and the secretary the minutes in three formats, named 会议纪要-<title>-<date>, made at the head', async () => {
    const date = meetingDate(Date.now(), 'Asia/Shanghai');
    const expectations = { md: ['text/markdown; charset=utf-8', ''], docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'PK\u0003\u0004'], pdf: ['application/pdf', '%PDF-'] } as const;
    for (const token of [m.facilitatorToken, secretary]) {
      for (const [format, [type, signature]] of Object.entries(expectations)) {
        const res = await get(`minutes.${format}`, token);
        expect(res.status, format).toBe(200);
        expect(res.headers.get('content-type')).toBe(type);
        const name = `会议纪要-滨河东里 189民商 联合会-${date}.${format}`;
        expect(res.headers.get('content-disposition')).toBe(`attachment; filename="minutes-${date}.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`);
        const body = await bytes(res);
        expect(Number(res.headers.get('content-length'))).toBe(body.byteLength);
        expect(startsWith(body, signature), format).toBe(true);
        if (format === 'md') {
          const text = new TextDecoder().decode(body);
          const { head } = await verified();
          expect(text).toContain(head.hash);
          expect(text).toContain(`${srv.server.publicUrl()}/verify/${m.meetingId}`);
        }
      }
    }
  });

  it('refuses a participant before the minutes are published, the board always, and a missing or foreign token', async () => {
    const p = await get('minutes.pdf', participant);
    expect(p.status).toBe(403);
    expect(await p.json()).toMatchObject({ error: { code: 'forbidden', message: 'the minutes are not published yet' } });
    expect((await get('minutes.md', board)).status).toBe(403);
    expect((await get('minutes.md')).status).toBe(401);
    const other = await createMeeting(srv.url, { title: '另一个会' });
    const foreign = await get('minutes.md', other.facilitatorToken);
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('lets a participant have the minutes only while they are published: 403 before, 200 after minutes.publish, 403 again after unpublish', async () => {
    const own = await createMeeting(srv.url, { title: '发布纪要的会' });
    const phone = (await join(srv.url, own.joinCode, '李师傅', '商户')).token;
    const facilitator = await connected(srv.url, own.facilitatorToken);
    try {
      const minutes = async (what: string) => (await get(what, phone, own.meetingId)).status;
      const link = async () => (await fetch(`${srv.url}/api/meetings/${own.meetingId}/export/links`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(phone) }, body: JSON.stringify({ what: 'minutes', format: 'pdf' }) })).status;
      for (const what of ['minutes.pdf', 'minutes.json']) expect(await minutes(what), what).toBe(403);
      expect(await link()).toBe(403);

      expect(await facilitator.send({ type: 'minutes.publish' })).toMatchObject({ ok: true });
      for (const what of ['minutes.pdf', 'minutes.md', 'minutes.docx', 'minutes.json']) expect(await minutes(what), what).toBe(200);
      expect(await link()).toBe(201);
      // Publishing opens the minutes only: the printables and the archive stay with the staff.
      for (const what of ['poster.pdf', 'signin.pdf', 'archive.json']) expect(await minutes(what), what).toBe(403);

      expect(await facilitator.send({ type: 'minutes.unpublish' })).toMatchObject({ ok: true });
      for (const what of ['minutes.pdf', 'minutes.json']) expect(await minutes(what), what).toBe(403);
      expect(await link()).toBe(403);
    } finally {
      facilitator.close();
    }
  });

  it('gives the staff the minutes as their document model (minutes.json) for the desk preview, made at the head', async () => {
    for (const token of [m.facilitatorToken, secretary]) {
      const res = await get('minutes.json', token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const doc = (await res.json()) as RecordDocument;
      expect(doc).toMatchObject({ kind: 'minutes', language: 'zh-CN', title: '会议纪要：滨河东里/189民商"联合会"' });
      const { head } = await verified();
      expect(doc.blocks.at(-1)).toMatchObject({ kind: 'verify', seq: head.seq, hash: head.hash, url: `${srv.server.publicUrl()}/verify/${m.meetingId}` });
    }
    expect((await get('minutes.json', board)).status).toBe(403);
    expect((await get('minutes.json')).status).toBe(401);
    expect((await get('minutes.json', m.facilitatorToken, 'AAAAAAAAAAAAAAAA')).status).toBe(404);
  });

  it('answers 404 for an unknown export, format or meeting, before anything else', async () => {
    for (const what of ['minutes.txt', 'minutes.PDF', 'charter.pdf', 'poster.md', 'archive.pdf', 'minutes.', 'minutes.pdf.pdf']) {
      const res = await get(what, m.facilitatorToken);
      expect(res.status, what).toBe(404);
      expect(await res.json(), what).toMatchObject({ error: { code: 'not_found' } });
    }
    const res = await get('minutes.pdf', m.facilitatorToken, 'AAAAAAAAAAAAAAAA');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('prints the poster and the sign-in sheets for the staff only', async () => {
    for (const what of ['poster', 'signin']) {
      for (const token of [m.facilitatorToken, secretary]) {
        const res = await get(`${what}.pdf`, token);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/pdf');
        expect(startsWith(await bytes(res), '%PDF-')).toBe(true);
      }
      expect((await get(`${what}.pdf`, participant)).status).toBe(403);
    }
  });

  it('gives the facilitator alone an archive of the whole log that verifies offline against its head', async () => {
    const res = await get('archive.json', m.facilitatorToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="archive-\d{4}-\d{2}-\d{2}\.json"; filename\*=UTF-8''/);
    const archive = (await res.json()) as ArchiveFile;
    expect(archive).toMatchObject({ format: 'yishi-archive', version: 1, meetingId: m.meetingId, documents: {} });
    expect(archive.head).toEqual((await verified()).head);
    expect(checkChain(archive.meetingId, archive.entries, archive.head)).toEqual({ ok: true, count: archive.head.seq, head: archive.head });
    // Altered on the way, the file no longer verifies and the entry is named.
    const tampered = structuredClone(archive);
    (tampered.entries[1] as { at: number }).at += 1;
    expect(checkChain(tampered.meetingId, tampered.entries, tampered.head)).toMatchObject({ ok: false, problem: { seq: 2, kind: 'altered' } });
    expect((await get('archive.json', secretary)).status).toBe(403);
  });

  it('hands out a 60-second download link that opens the file without a bearer, for that meeting, document and format only', async () => {
    const res = await linkFor({ what: 'minutes', format: 'docx' }, secretary);
    expect(res.status).toBe(201);
    const { url, expiresInMs } = (await res.json()) as ExportLinkResponse;
    expect(expiresInMs).toBe(DOWNLOAD_LINK_TTL_MS);
    expect(url).toMatch(/^\/api\/download\/[A-Za-z0-9_.-]+$/);
    expect(url).not.toContain(secretary);
    const file = await fetch(`${srv.url}${url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="minutes-.*\.docx"/);
    expect(startsWith(await bytes(file), 'PK')).toBe(true);

    // Changed in any part, it opens nothing.
    const link = url.slice('/api/download/'.length);
    const target = readDownloadLink(link)!;
    expect(target).toMatchObject({ meetingId: m.meetingId, what: 'minutes', format: 'docx' });
    const forged = Buffer.from(JSON.stringify({ v: 1, m: m.meetingId, w: 'archive', f: 'json', t: target.tokenId, e: target.expiresAt })).toString('base64url');
    for (const bad of [`${forged}.${target.mac}`, `${target.payload}.${'A'.repeat(43)}`, 'x', `${target.payload}`, `${link}x`]) {
      const r = await fetch(`${srv.url}/api/download/${bad}`);
      expect(r.status, bad).toBe(404);
      expect(await r.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('refuses a link the bearer may not have, and voids links when their token is revoked', async () => {
    expect((await linkFor({ what: 'archive', format: 'json' }, secretary)).status).toBe(403);
    expect((await linkFor({ what: 'minutes', format: 'pdf' }, participant)).status).toBe(403);
    for (const body of [{ what: 'minutes', format: 'json' }, { what: 'charter', format: 'pdf' }, { what: 'minutes' }, { what: 'minutes', format: 'pdf', extra: 1 }]) {
      const r = await linkFor(body, m.facilitatorToken);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const secretary2 = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    const { url } = (await (await linkFor({ what: 'poster', format: 'pdf' }, secretary2)).json()) as ExportLinkResponse;
    const list = (await (await fetch(`${srv.url}/api/meetings/${m.meetingId}/links`, { headers: auth(m.facilitatorToken) })).json()) as { links: { linkId: string; createdAt: number }[] };
    const newest = list.links.sort((a, b) => b.createdAt - a.createdAt)[0]!;
    expect((await fetch(`${srv.url}/api/meetings/${m.meetingId}/links/${newest.linkId}`, { method: 'DELETE', headers: auth(m.facilitatorToken) })).status).toBe(200);
    expect((await fetch(`${srv.url}${url}`)).status).toBe(404);
  });

  it('a link expires after its 60 seconds', () => {
    const token = { tokenHash: 'h'.repeat(64) };
    const link = { payload: 'p', mac: 'm', expiresAt: 1_000 + DOWNLOAD_LINK_TTL_MS };
    expect(downloadLinkValid(link, token, 1_000 + DOWNLOAD_LINK_TTL_MS)).toBe(false);
  });
});

describe('exports never send a broken or partial file', () => {
  it('a renderer that fails mid-way answers a typed 500 and no file headers', async () => {
    const real = defaultRenderers();
    const srv = await startWith('sqlite', {
      ...real,
      async minutes(entries, format, opts) {
        if (format === 'pdf') throw new Error('font missing');
        return real.minutes(entries, format, opts);
      }
    });
    try {
      const m = await createMeeting(srv.url);
      const res = await fetch(`${srv.url}/api/meetings/${m.meetingId}/export/minutes.pdf`, { headers: auth(m.facilitatorToken) });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-disposition')).toBeNull();
      expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
      expect((await fetch(`${srv.url}/api/meetings/${m.meetingId}/export/minutes.md`, { headers: auth(m.facilitatorToken) })).status).toBe(200);
    } finally {
      await srv.stop();
    }
  });
});

describe('export rights and names', () => {
  const state = (over: Partial<MeetingState> & { minutesPublished?: boolean } = {}) => ({ title: 't', language: 'zh-CN', createdAt: 0, ...over }) as unknown as MeetingState;
  it('lets a participant have the minutes once they are published, and nothing else', () => {
    const p = { role: 'participant', participantId: 'p1' } as const;
    expect(exportRefusal(p, 'minutes', state())).toMatchObject({ code: 'forbidden' });
    expect(exportRefusal(p, 'minutes', state({ minutesPublished: true }))).toBeNull();
    for (const what of ['archive', 'poster', 'signin'] as const) expect(exportRefusal(p, what, state({ minutesPublished: true }))).toMatchObject({ code: 'forbidden' });
    expect(exportRefusal({ role: 'secretary' }, 'archive', state())).toMatchObject({ code: 'forbidden' });
    expect(exportRefusal({ role: 'facilitator' }, 'archive', state())).toBeNull();
  });

  it('makes a title safe for a file name: no separators, quotes or control characters, capped', () => {
    expect(fileSafeTitle('../../etc/passwd')).toBe('etc passwd');
    expect(fileSafeTitle('a\\b"c\'d`e\u0000f\u202eg\nh')).toBe('a b c d e fg h');
    expect(fileSafeTitle('  ...议事会...  ')).toBe('议事会');
    expect([...fileSafeTitle('长'.repeat(120))]).toHaveLength(40);
    expect(fileSafeTitle('🌳'.repeat(50))).toBe('🌳'.repeat(40));
  });

  it("dates a file in the meeting's time zone", () => {
    const at = Date.UTC(2026, 0, 1, 17, 0); // 01:00 on 2 January in Shanghai
    expect(meetingDate(at, 'Asia/Shanghai')).toBe('2026-01-02');
    expect(meetingDate(at, 'Europe/London')).toBe('2026-01-01');
    expect(meetingDate(at, 'Not/AZone')).toBe('2026-01-01');
  });
});

