import type { Ack, ProtocolError } from '@yishi/protocol';
import type { ComparisonEntry, OutlineVersionComparison } from '@yishi/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { outlineOfDoc } from '../../realtime-server/src/yjs/outline.ts';
import { createDocument, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS } from '../helpers/servers.ts';
import { docServer } from '../helpers/docServer.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';

/**
 * Comparing versions of a document [D24] through the real server and store: named versions saved from
 * what real y-websocket editors wrote (the editor's fragment `default`, articles with stable ids), and
 * compared on the server for whoever may read the document.
 */

function versionIdOf(ack: Ack): string {
  const id = ack.ok ? ack.result?.versionId : undefined;
  if (typeof id !== 'string') throw new Error(`save refused: ${JSON.stringify(ack)}`);
  return id;
}

function block(name: string, attrs: Record<string, string | number>, text: string): Y.XmlElement {
  const el = new Y.XmlElement(name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v as string);
  el.insert(0, [new Y.XmlText(text)]);
  return el;
}
const chapter = (text: string) => block('heading', { level: 2 }, text);
const article = (id: string, text: string) => block('article', { id }, text);

/** The article whose stable id is `id`. */
function articleById(doc: Y.Doc, id: string): Y.XmlElement {
  const found = doc
    .getXmlFragment('default')
    .toArray()
    .find((n): n is Y.XmlElement => n instanceof Y.XmlElement && n.nodeName === 'article' && n.getAttribute('id') === id);
  if (!found) throw new Error(`no article ${id}`);
  return found;
}

/** An entry as one line: what changed, where, and the words with [-removed-] and {+added+}. */
function line(e: ComparisonEntry): string {
  if (e.type === 'unchanged') return `unchanged ${e.articles ? `${e.articles.first}-${e.articles.last}` : '-'} +${e.headings}h`;
  const words = e.words.map((w) => (w.op === 'same' ? w.text : w.op === 'del' ? `[-${w.text}-]` : `{+${w.text}+}`)).join('');
  return `${e.type} ${e.change} ${e.from?.label ?? '∅'}→${e.to?.label ?? '∅'}${words ? ` ${words}` : ''}`;
}

const CHARTER: [string, string][] = [
  ['a1', '本会名称为滨河东里商居联合会。'],
  ['a2', '本会是居民与商户自愿组成的议事组织。'],
  ['a3', '本会每季度召开一次全体会议，由理事会召集。'],
  ['a4', '本会接受街道办事处的指导。']
];

describe.each(STORE_KINDS)('comparing versions on %s', (kind) => {
  const fx = docServer(kind);
  const { socket, editor } = fx;
  /** The server holds this text (labels and article text as a fresh reader reads them). */
  async function serverHas(meetingId: string, docId: string, token: string, lines: string[]): Promise<void> {
    await waitFor(async () => {
      const r = yjsClient(fx.srv.url, meetingId, docId, token);
      try {
        await r.synced();
        const read = outlineOfDoc(r.doc).blocks.map((b) => ('label' in b ? `${b.label} ` : '') + b.runs.map((x) => x.text).join(''));
        return JSON.stringify(read) === JSON.stringify(lines);
      } finally {
        r.provider.destroy();
      }
    }, { what: 'server holds the text' });
  }
  const compareUrl = (meetingId: string, docId: string, query: string) => `${fx.srv.url}/api/meetings/${meetingId}/documents/${docId}/compare?${query}`;
  const get = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  async function compared(meetingId: string, docId: string, from: string, to: string, token: string): Promise<OutlineVersionComparison> {
    const res = await get(compareUrl(meetingId, docId, `from=${from}&to=${to}`), token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return (await res.json()) as OutlineVersionComparison;
  }
  async function refused(url: string, token: string | undefined, status: number): Promise<ProtocolError> {
    const res = await get(url, token);
    expect(res.status).toBe(status);
    return ((await res.json()) as { error: ProtocolError }).error;
  }

  /** A charter (one chapter, four articles) with its first version saved as 章程 v1. */
  async function charterWithV1() {
    const m = await createMeeting(fx.srv.url);
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'charter', '章程');
    const ed = await editor(m.meetingId, docId, m.facilitatorToken);
    ed.doc.getXmlFragment('default').insert(0, [chapter('总则'), ...CHARTER.map(([id, text]) => article(id, text))]);
    await serverHas(m.meetingId, docId, m.facilitatorToken, ['第一章 总则', ...CHARTER.map(([, text], k) => `第${'一二三四'[k]}条 ${text}`)]);
    const fac = await socket(m.facilitatorToken);
    const v1 = versionIdOf(await fac.send({ type: 'document.version.save', docId, name: '章程 v1' }));
    return { m, docId, ed, fac, v1 };
  }

  it('[D24] an article inserted above 第三条 and 第三条 changed: v1 against the current text and against v2 show the new 第三条 added and the old one changed, words marked, now 第四条', async () => {
    const { m, docId, ed, fac, v1 } = await charterWithV1();
    ed.doc.transact(() => {
      ed.doc.getXmlFragment('default').insert(3, [article('n1', '本会坚持公开、公平、公正的原则。')]);
      const text = articleById(ed.doc, 'a3').firstChild as Y.XmlText;
      text.delete(3, 2); // 每季度 → 每月
      text.insert(3, '月');
      const council = text.toString().indexOf('理事会') + 2; // 理事会 → 理事长
      text.delete(council, 1);
      text.insert(council, '长');
    });
    await serverHas(m.meetingId, docId, m.facilitatorToken, [
      '第一章 总则',
      '第一条 本会名称为滨河东里商居联合会。',
      '第二条 本会是居民与商户自愿组成的议事组织。',
      '第三条 本会坚持公开、公平、公正的原则。',
      '第四条 本会每月召开一次全体会议，由理事长召集。',
      '第五条 本会接受街道办事处的指导。'
    ]);
    const expected = [
      'unchanged 1-2 +1h',
      'article added ∅→第三条 {+本会坚持公开、公平、公正的原则。+}',
      'article changed 第三条→第四条 本会[-每季度-]{+每月+}召开一次全体会议，由理事[-会-]{+长+}召集。',
      'article renumbered 第四条→第五条'
    ];
    const live = await compared(m.meetingId, docId, v1, 'current', m.facilitatorToken);
    expect(live.entries.map(line)).toEqual(expected);
    expect(live).toMatchObject({ docId, from: { kind: 'version', versionId: v1, name: '章程 v1' }, to: { kind: 'current' }, summary: { added: 1, removed: 0, changed: 1, renumbered: 2, headings: 0 }, coarse: false });
    expect(live.entries[2]).toMatchObject({ id: 'a3' });

    const v2 = versionIdOf(await fac.send({ type: 'document.version.save', docId, name: '章程 v2' }));
    const saved = await compared(m.meetingId, docId, v1, v2, m.facilitatorToken);
    expect(saved.entries.map(line)).toEqual(expected);
    expect(saved.to).toMatchObject({ kind: 'version', versionId: v2, name: '章程 v2' });
    // Backwards, the new article is the one removed; a version with itself shows nothing changed.
    expect((await compared(m.meetingId, docId, v2, v1, m.facilitatorToken)).entries.map(line)).toEqual([
      'unchanged 1-2 +1h',
      'article removed 第三条→∅ [-本会坚持公开、公平、公正的原则。-]',
      'article changed 第四条→第三条 本会[-每月-]{+每季度+}召开一次全体会议，由理事[-长-]{+会+}召集。',
      'article renumbered 第五条→第四条'
    ]);
    expect((await compared(m.meetingId, docId, v2, 'current', m.facilitatorToken)).entries.map(line)).toEqual(['unchanged 1-5 +1h']);
  });

  it('[D24][D21] whoever may read the document compares; a removed participant and another meeting get 403, no token 401', async () => {
    const { m, docId, fac, v1 } = await charterWithV1();
    const reader = await join(fx.srv.url, m.joinCode, '王阿姨');
    const gone = await join(fx.srv.url, m.joinCode, '赵先生');
    const readonlyDoc = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'notes', '笔记', 'readonly');
    const notesV = versionIdOf(await fac.send({ type: 'document.version.save', docId: readonlyDoc, name: '空笔记' }));
    expect((await compared(m.meetingId, docId, v1, 'current', reader.token)).entries.map(line)).toEqual(['unchanged 1-4 +1h']);
    expect((await compared(m.meetingId, readonlyDoc, notesV, 'current', reader.token)).entries).toEqual([]);
    expect(await fac.send({ type: 'participant.remove', participantId: gone.participantId })).toMatchObject({ ok: true });
    const url = compareUrl(m.meetingId, docId, `from=${v1}&to=current`);
    expect((await refused(url, gone.token, 403)).code).toBe('forbidden');
    const other = await createMeeting(fx.srv.url);
    expect((await refused(url, other.facilitatorToken, 403)).code).toBe('forbidden');
    expect((await refused(url, undefined, 401)).code).toBe('unauthorized');
  });

  it('[D24] comparisons are limited per token (60 a minute): the next is 429 with retry-after, another person is not held up', async () => {
    const { m, docId, v1 } = await charterWithV1();
    const reader = await join(fx.srv.url, m.joinCode, '王阿姨');
    const url = compareUrl(m.meetingId, docId, `from=${v1}&to=current`);
    for (let k = 0; k < 60; k++) expect((await get(url, m.facilitatorToken)).status).toBe(200);
    const limited = await get(url, m.facilitatorToken);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: ProtocolError }).error.code).toBe('rate_limited');
    expect((await get(url, reader.token)).status).toBe(200);
  });

  it('[D24] bad input is a typed 4xx and changes nothing: versions of two different documents, an unknown version or document, malformed ids and queries', async () => {
    const { m, docId, fac, v1 } = await charterWithV1();
    const otherDoc = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'notes', '笔记');
    const otherV = versionIdOf(await fac.send({ type: 'document.version.save', docId: otherDoc, name: '笔记 v1' }));
    const logBefore = (await fx.store.readLog(m.meetingId)).length;
    const t = m.facilitatorToken;

    expect(await refused(compareUrl(m.meetingId, docId, `from=${v1}&to=${otherV}`), t, 400)).toMatchObject({ code: 'invalid', field: 'to', message: expect.stringMatching(/two different documents/) });
    expect(await refused(compareUrl(m.meetingId, otherDoc, `from=${v1}&to=current`), t, 400)).toMatchObject({ code: 'invalid', field: 'from' });
    expect(await refused(compareUrl(m.meetingId, docId, `from=nosuchversion&to=current`), t, 404)).toMatchObject({ code: 'not_found', field: 'from' });
    expect(await refused(compareUrl(m.meetingId, docId, `from=${v1}&to=nosuchversion`), t, 404)).toMatchObject({ code: 'not_found', field: 'to' });
    expect(await refused(compareUrl(m.meetingId, 'nosuchdoc0', `from=${v1}&to=current`), t, 404)).toMatchObject({ code: 'not_found' });
    for (const query of ['', `from=${v1}`, `to=current`, `from=a%20b&to=current`, `from=${v1}&to=x`, `from=${v1}&to=current&extra=1`, `from=${v1}&from=${v1}&to=current`, `from=${'x'.repeat(65)}&to=current`]) {
      expect(await refused(compareUrl(m.meetingId, docId, query), t, 400), query).toMatchObject({ code: 'invalid' });
    }
    expect(await refused(compareUrl(m.meetingId, 'a%2Fb', `from=${v1}&to=current`), t, 400)).toMatchObject({ code: 'invalid' });
    expect(await refused(`${fx.srv.url}/api/meetings/${m.meetingId}/documents/${docId}/compare?from=%E0%A4%A&to=current`, t, 400)).toMatchObject({ code: 'invalid' });
    // Any query at all: a typed 4xx, never a crash.
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), async (a, b) => {
        const res = await get(compareUrl(m.meetingId, docId, `from=${encodeURIComponent(a)}&to=${encodeURIComponent(b)}`), t);
        const body = (await res.json()) as { error?: ProtocolError };
        if (res.status === 200) expect([a, b].every((x) => x === 'current' || x === v1)).toBe(true);
        else {
          expect([400, 404]).toContain(res.status);
          expect(body.error?.code).toMatch(/^(invalid|not_found)$/);
        }
      }),
      { numRuns: 60 }
    );
    expect((await fx.store.readLog(m.meetingId)).length).toBe(logBefore);
    // The server is still there and still answers.
    expect((await compared(m.meetingId, docId, v1, v1, t)).entries.map(line)).toEqual(['unchanged 1-4 +1h']);
  });
});
