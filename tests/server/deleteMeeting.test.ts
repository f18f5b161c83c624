import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_REASONS, WS_CLOSE } from '@yishi/protocol';
import { TestClient, connected, createLink, createDocuments, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS, postJson, startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { rawStore, type RawStore } from './recordStore.ts';

describe.each(STORE_KINDS)('DELETE /api/meetings/<id> on %s', (kind) => {
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

  const del = (meetingId: string, token: string | null, body: unknown = {}) =>
    fetch(`${srv.url}/api/meetings/${meetingId}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body)
    });

  it('deletes the meeting with all its data after the facilitator types its join code; its people are disconnected with the reason', async () => {
    const m = await createMeeting(srv.url, { title: '滨河东里议事会' });
    const docIds = await createDocuments(srv.url, m, ['charter']);
    const kept = await createMeeting(srv.url, { title: '另一个会' });
    const phone = await join(srv.url, m.joinCode, '王阿姨');
    await join(srv.url, kept.joinCode, '李师傅');
    const secretary = await createLink(srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    const fac = await connected(srv.url, m.facilitatorToken);
    const wang = await connected(srv.url, phone.token);
    const other = await connected(srv.url, kept.facilitatorToken);
    const charter = yjsClient(srv.url, m.meetingId, docIds.charter, m.facilitatorToken);
    const closes: number[] = [];
    charter.provider.on('connection-close', (event: { code: number } | null) => void (event && closes.push(event.code)));
    await charter.synced();
    charter.doc.getText('t').insert(0, '第一条 本会名称');
    await waitFor(async () => (await raw.leftovers(m.meetingId)).some((l) => l.includes('doc')), { what: 'document stored' });

    // Refused: the wrong words, another role, no token, another meeting's facilitator. Nothing is deleted.
    for (const [token, body, status] of [
      [m.facilitatorToken, { confirm: '123' }, 400],
      [m.facilitatorToken, {}, 400],
      [secretary, { confirm: m.joinCode }, 403],
      [phone.token, { confirm: m.joinCode }, 403],
      [null, { confirm: m.joinCode }, 401],
      [kept.facilitatorToken, { confirm: m.joinCode }, 403]
    ] as const) {
      const res = await del(m.meetingId, token, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
    }
    expect((await fetch(`${srv.url}/api/meetings/${m.meetingId}/verify`)).status).toBe(200);

    const res = await del(m.meetingId, m.facilitatorToken, { confirm: ` ${m.joinCode} ` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });

    // Everyone of the meeting is told why and let go; the other meeting's people are not.
    for (const client of [fac, wang]) {
      await waitFor(() => client.closing.length > 0 && !client.socket.connected, { what: 'closing' });
      expect(client.closing[0]).toMatchObject({ reason: CLOSE_REASONS.deleted, error: { code: 'not_found' } });
    }
    await waitFor(() => closes.includes(WS_CLOSE.notFound), { what: 'yjs closed' });
    charter.provider.destroy();
    expect(other.socket.connected).toBe(true);
    expect(other.closing).toEqual([]);

    // Nothing of it is left in the store; nothing opens it any more.
    expect(await raw.leftovers(m.meetingId)).toEqual([]);
    expect((await fetch(`${srv.url}/api/meetings/${m.meetingId}/verify`)).status).toBe(404);
    expect((await fetch(`${srv.url}/api/meetings/${m.meetingId}/export/minutes.md`, { headers: { authorization: `Bearer ${m.facilitatorToken}` } })).status).toBe(404);
    expect((await fetch(`${srv.url}/api/join/${m.joinCode}`)).status).toBe(404);
    expect((await postJson(`${srv.url}/api/join`, { joinCode: m.joinCode, name: '迟到者', group: '居民' })).status).toBe(404);
    const again = new TestClient(srv.url, m.facilitatorToken);
    await waitFor(() => again.connectError, { what: 'refused' });
    expect(again.connectError?.data).toMatchObject({ code: 'unauthorized' });
    again.close();
    expect((await del(m.meetingId, m.facilitatorToken, { confirm: m.joinCode })).status).toBe(404);

    // The other meeting is whole.
    expect(await (await fetch(`${srv.url}/api/meetings/${kept.meetingId}/verify`)).json()).toMatchObject({ ok: true });
    for (const c of [fac, wang, other]) c.close();
  });

  it('accepts the title as confirmation too', async () => {
    const m = await createMeeting(srv.url, { title: '清源项目评审会' });
    const res = await del(m.meetingId, m.facilitatorToken, { confirm: '清源项目评审会' });
    expect(res.status).toBe(200);
    expect(await raw.leftovers(m.meetingId)).toEqual([]);
  });
});

describe('the record routes under fuzzing', () => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess('sqlite');
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('answer random ids, paths, methods and query strings with a 4xx, never a 500, and stay up', async () => {
    const m = await createMeeting(srv.url);
    const pick = <T>(xs: readonly T[]) => xs[randomBytes(1)[0]! % xs.length]!;
    const junk = () => pick(['', '%', '%FF', '..', '../..', '%2e%2e', 'a'.repeat(300), '会议', '\u0000', randomBytes(8).toString('base64url'), '.', '..%2F', '%E0%A4%A']);
    const ids = [m.meetingId, 'AAAAAAAAAAAAAAAA', 'x', junk()];
    const tails = ['/verify', '/export/minutes.pdf', '/export/links', '/export/archive.json', '', '/export/', '/export/minutes', `/export/${junk()}.${junk()}`, `/verify/${junk()}`];
    const queries = ['', '?seq=1&hash=' + 'a'.repeat(64), `?seq=${junk()}&hash=${junk()}`, `?${junk()}=${junk()}`, '?seq=1e400&hash=' + 'f'.repeat(64), '?seq=1&seq=2&hash=x'];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 150; i++) {
      const download = i % 5 === 0;
      const path = download ? `/api/download/${junk()}${pick(['', '.', '.' + 'A'.repeat(43)])}` : `/api/meetings/${pick(ids)}${pick(tails)}${pick(queries)}`;
      const method = pick(['GET', 'POST', 'DELETE', 'PUT']);
      const headers = pick<Record<string, string>>([{}, { authorization: `Bearer ${m.facilitatorToken}` }, { authorization: `Bearer ${junk()}` }, { 'content-type': 'application/json' }]);
      const body = method === 'GET' ? undefined : pick(['', '{', '{"confirm":""}', '{"what":"minutes","format":"md"}', JSON.stringify({ confirm: junk() })]);
      let status: number;
      try {
        status = (await fetch(`${srv.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })).status;
      } catch {
        continue; // a target fetch itself refuses to send (e.g. a NUL byte)
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status, `${method} ${path}`).toBeGreaterThanOrEqual(200);
      expect(status, `${method} ${path}`).toBeLessThan(500);
    }
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    // The meeting was never deleted by the fuzz: every DELETE needs its join code or title typed back.
    expect((await fetch(`${srv.url}/api/meetings/${m.meetingId}/verify`)).status).toBe(200);
  });
});
