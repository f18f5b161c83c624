import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResponse } from '@yishi/protocol';
import { entryHash } from '@yishi/store/raw';
import { createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';
import { rawStore, type RawStore } from './recordStore.ts';

const NAMES = ['王阿姨', '李师傅', '张老板', '赵大姐', '陈先生'];

describe.each(STORE_KINDS)('GET /api/meetings/<id>/verify on %s', (kind) => {
  let srv: InProcess;
  let raw: RawStore;
  beforeAll(async () => {
    srv = await startInProcess(kind);
    raw = rawStore(srv);
  });
  afterAll(async () => {
    await raw?.close();
    await srv?.stop();
  });

  const verify = async (meetingId: string, query = '') => {
    const res = await fetch(`${srv.url}/api/meetings/${meetingId}/verify${query}`);
    return { status: res.status, body: (await res.json()) as VerifyResponse & { error?: { code: string } } };
  };

  /** A meeting whose log holds its creation and one join per name. */
  async function meetingWithJoins(names = NAMES) {
    const m = await createMeeting(srv.url, { title: '滨河东里议事会' });
    for (const name of names) await join(srv.url, m.joinCode, name);
    return m;
  }

  it('confirms a clean log with its count and head, and says nothing of its content', async () => {
    const m = await meetingWithJoins();
    const { status, body } = await verify(m.meetingId);
    expect(status).toBe(200);
    const stored = await raw.count(m.meetingId);
    expect(stored).toBeGreaterThanOrEqual(NAMES.length + 1);
    expect(body).toEqual({ meetingId: m.meetingId, ok: true, count: stored, head: { seq: stored, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const text = JSON.stringify(body);
    for (const word of [...NAMES, '滨河东里', '居民', m.joinCode]) expect(text).not.toContain(word);
  });

  it('confirms a mid-meeting copy after more entries were appended, and denies a wrong hash or an entry not in the chain', async () => {
    const m = await meetingWithJoins(NAMES.slice(0, 2));
    const printed = (await verify(m.meetingId)).body.head;
    for (const name of NAMES.slice(2)) await join(srv.url, m.joinCode, name);
    const later = (await verify(m.meetingId)).body;
    expect(later.head.seq).toBe(printed.seq + 3);

    const copy = await verify(m.meetingId, `?seq=${printed.seq}&hash=${printed.hash}`);
    expect(copy.body).toMatchObject({ ok: true, entry: { seq: printed.seq, matches: true } });
    // As typed from paper: upper case, spaces.
    const typed = await verify(m.meetingId, `?seq=${printed.seq}&hash=${encodeURIComponent(`${printed.hash.slice(0, 32).toUpperCase()} ${printed.hash.slice(32)}`)}`);
    expect(typed.body.entry).toEqual({ seq: printed.seq, matches: true });

    const wrong = await verify(m.meetingId, `?seq=${printed.seq}&hash=${later.head.hash}`);
    expect(wrong.body.entry).toEqual({ seq: printed.seq, matches: false });
    const beyond = await verify(m.meetingId, `?seq=${later.head.seq + 1}&hash=${later.head.hash}`);
    expect(beyond.body.entry).toEqual({ seq: later.head.seq + 1, matches: false });
  });

  it('names an entry whose content was altered in the store', async () => {
    const m = await meetingWithJoins();
    await raw.rewrite(m.meetingId, 3, (e) => ({ ...e, event: { ...e.event, name: '冒名者' } }));
    const { body } = await verify(m.meetingId);
    expect(body).toMatchObject({ ok: false, count: 2, problem: { seq: 3, kind: 'altered' } });
  });

  it('names an entry deleted from the store as missing', async () => {
    const m = await meetingWithJoins();
    await raw.remove(m.meetingId, 4);
    const { body } = await verify(m.meetingId);
    expect(body).toMatchObject({ ok: false, count: 3, problem: { seq: 4, kind: 'missing' } });
  });

  it('names an entry re-linked in the store (another prevHash, its hash recomputed)', async () => {
    const m = await meetingWithJoins();
    await raw.rewrite(m.meetingId, 5, (e) => {
      const prevHash = randomBytes(32).toString('hex');
      return { ...e, prevHash, hash: entryHash(prevHash, e) };
    });
    const { body } = await verify(m.meetingId);
    expect(body).toMatchObject({ ok: false, count: 4, problem: { seq: 5, kind: 're-linked' } });
  });

  it('does not confirm a printed reference past the first broken entry', async () => {
    const m = await meetingWithJoins();
    const head = (await verify(m.meetingId)).body.head;
    await raw.rewrite(m.meetingId, 2, (e) => ({ ...e, at: e.at + 1 }));
    const { body } = await verify(m.meetingId, `?seq=${head.seq}&hash=${head.hash}`);
    expect(body).toMatchObject({ ok: false, problem: { seq: 2, kind: 'altered' }, entry: { seq: head.seq, matches: false } });
  });

  it('answers 404 for an unknown meeting and 400 for a malformed reference', async () => {
    const unknown = await verify(`nope${randomBytes(6).toString('hex')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'not_found' } });
    const m = await meetingWithJoins([]);
    for (const q of ['?seq=1', '?hash=abc', '?seq=x&hash=' + 'a'.repeat(64), '?seq=1&hash=zz', '?seq=-1&hash=' + 'a'.repeat(64), '?other=1']) {
      const r = await verify(m.meetingId, q);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toMatchObject({ error: { code: 'invalid' } });
    }
  });
});
