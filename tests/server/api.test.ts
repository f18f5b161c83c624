import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type CreateLinkResponse, type LinkView, type RecoverResponse } from '@yishi/protocol';
import { TestClient, connected, createMeeting, join, refusedWith } from '../helpers/clients.ts';
import { STORE_KINDS, postJson, startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

const toFullWidth = (s: string) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');

describe.each(STORE_KINDS)('HTTP API on %s', (kind) => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess(kind, { JOIN_FAILURES_PER_MINUTE: '30' });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  const links = (meetingId: string, token: string, init: RequestInit = {}) =>
    fetch(`${srv.url}/api/meetings/${meetingId}/links`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(init.headers ?? {}) }
    });

  it('names the store in /healthz', async () => {
    const res = await fetch(`${srv.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, store: kind, protocol: PROTOCOL_VERSION });
  });

  it('creates a meeting with a six-digit code, a facilitator token and a recovery code', async () => {
    const m = await createMeeting(srv.url, { title: '189民商联合会', groups: ['居民', '商户'] });
    expect(m.joinCode).toMatch(/^\d{6}$/);
    expect(m.facilitatorToken.length).toBeGreaterThanOrEqual(40);
    expect(m.recoveryCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    const fac = await connected(srv.url, m.facilitatorToken);
    expect(fac.state).toMatchObject({ title: '189民商联合会', groups: ['居民', '商户'], joiningOpen: true });
    expect(fac.state!.phaseId).toBe(fac.state!.phases[0]!.id);
    fac.close();
  });

  it('defaults the stakeholder groups and refuses bad meeting input', async () => {
    const m = await createMeeting(srv.url, { title: '默认分组' });
    const fac = await connected(srv.url, m.facilitatorToken);
    expect(fac.state!.groups).toEqual(['居民', '商户', '居委会', '街道', '社会组织', '专家', '其他']);
    fac.close();
    for (const body of [{}, { title: '' }, { title: 'x', groups: [] }, { title: 'x', groups: ['a', 'a'] }, { title: 'x', language: 'fr' }, { title: 'x', extra: 1 }]) {
      const res = await postJson(`${srv.url}/api/meetings`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid' } });
    }
  });

  it('refuses bodies that are not JSON, the wrong type or too large', async () => {
    const notJson = await fetch(`${srv.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{title:' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'invalid' } });
    const form = await fetch(`${srv.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=x' });
    expect(form.status).toBe(400);
    const big = await postJson(`${srv.url}/api/meetings`, { title: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { code: 'too_large' } });
  });

  it('joins with a code typed in full-width digits and spaces', async () => {
    const m = await createMeeting(srv.url);
    const typed = `${toFullWidth(m.joinCode.slice(0, 3))}\u3000${toFullWidth(m.joinCode.slice(3))} `;
    const res = await postJson<{ participantId: string; token: string; meetingId: string }>(`${srv.url}/api/join`, { joinCode: typed, name: '  张阿姨 ', group: '居民' });
    expect(res.status).toBe(201);
    expect(res.body.meetingId).toBe(m.meetingId);
    const phone = await connected(srv.url, res.body.token);
    expect(phone.state!.participants.get(res.body.participantId)).toMatchObject({ name: '张阿姨', group: '居民' });
    phone.close();
  });

  it('tells the join page the meeting title and groups for a code', async () => {
    const m = await createMeeting(srv.url, { title: '清源项目评审会', groups: ['专家', '居民代表'], language: 'en' });
    const res = await fetch(`${srv.url}/api/join/${encodeURIComponent(toFullWidth(m.joinCode))}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ meetingId: m.meetingId, title: '清源项目评审会', groups: ['专家', '居民代表'], language: 'en', joiningOpen: true, ended: false });
    const missing = await fetch(`${srv.url}/api/join/${m.joinCode === '000000' ? '000001' : '000000'}`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${srv.url}/api/join/12ab`)).status).toBe(400);
  });

  it('answers a join code with bad percent-encoding with 400 invalid, not 500', async () => {
    for (const code of ['%E0%A4%A', '%', '%FF', '%zz', '12%']) {
      const res = await fetch(`${srv.url}/api/join/${code}`);
      expect(res.status, code).toBe(400);
      expect(await res.json(), code).toMatchObject({ error: { code: 'invalid' } });
    }
  });

  it('refuses joins with bad input, a closed meeting or an ended meeting', async () => {
    const m = await createMeeting(srv.url);
    for (const body of [
      { joinCode: m.joinCode, name: '', group: '居民' },
      { joinCode: m.joinCode, name: '名'.repeat(41), group: '居民' },
      { joinCode: m.joinCode, name: 'a\u202eb', group: '居民' },
      { joinCode: '12345', name: 'x', group: '居民' },
      { joinCode: m.joinCode, name: 'x' }
    ]) {
      const res = await postJson(`${srv.url}/api/join`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid' } });
    }
    const wrongGroup = await postJson(`${srv.url}/api/join`, { joinCode: m.joinCode, name: 'x', group: '火星人' });
    expect(wrongGroup.body).toMatchObject({ error: { code: 'invalid', field: 'group' } });

    const fac = await connected(srv.url, m.facilitatorToken);
    expect((await fac.send({ type: 'joining.close' })).ok).toBe(true);
    const closed = await postJson(`${srv.url}/api/join`, { joinCode: m.joinCode, name: 'x', group: '居民' });
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ error: { code: 'closed', reason: 'joining_closed' } });
    expect(await (await fetch(`${srv.url}/api/join/${m.joinCode}`)).json()).toMatchObject({ joiningOpen: false, ended: false });
    expect((await fac.send({ type: 'joining.open' })).ok).toBe(true);
    await join(srv.url, m.joinCode, '又开了');
    expect((await fac.send({ type: 'meeting.end' })).ok).toBe(true);
    const ended = await waitFor(async () => {
      const r = await postJson(`${srv.url}/api/join`, { joinCode: m.joinCode, name: 'x', group: '居民' });
      return r.status === 409 ? r : null;
    });
    expect(ended.body).toMatchObject({ error: { code: 'closed', reason: 'meeting_ended' } });
    expect(await (await fetch(`${srv.url}/api/join/${m.joinCode}`)).json()).toMatchObject({ joiningOpen: false, ended: true });
    fac.close();
  });

  it('throttles failed join codes per client address, with Retry-After', async () => {
    const limited = await startInProcess(kind, { JOIN_FAILURES_PER_MINUTE: '5', TRUST_PROXY: '1' });
    try {
      const m = await createMeeting(limited.url);
      const attempt = (code: string, from: string) => postJson(`${limited.url}/api/join`, { joinCode: code, name: 'x', group: '居民' }, { 'x-forwarded-for': from });
      const missing = m.joinCode === '000000' ? '000001' : '000000';
      for (let i = 0; i < 5; i++) expect((await attempt(missing, '10.0.0.7')).status).toBe(404);
      const throttled = await attempt(missing, '10.0.0.7');
      expect(throttled.status).toBe(429);
      expect(throttled.body).toMatchObject({ error: { code: 'rate_limited' } });
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      // Even the right code waits, from that address; another address behind the proxy does not.
      expect((await attempt(m.joinCode, '10.0.0.7')).status).toBe(429);
      expect((await attempt(m.joinCode, '10.0.0.8')).status).toBe(201);
    } finally {
      await limited.stop();
    }
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says so', async () => {
    const limited = await startInProcess(kind, { JOIN_FAILURES_PER_MINUTE: '3' });
    try {
      for (let i = 0; i < 3; i++) await postJson(`${limited.url}/api/join`, { joinCode: '999999', name: 'x', group: '居民' }, { 'x-forwarded-for': `10.1.0.${i}` });
      const res = await postJson(`${limited.url}/api/join`, { joinCode: '999999', name: 'x', group: '居民' }, { 'x-forwarded-for': '10.9.9.9' });
      expect(res.status).toBe(429);
    } finally {
      await limited.stop();
    }
  });

  it('lets the facilitator create, list and revoke board and secretary links', async () => {
    const m = await createMeeting(srv.url);
    const res = await links(m.meetingId, m.facilitatorToken, { method: 'POST', body: JSON.stringify({ role: 'board', label: '大屏' }) });
    expect(res.status).toBe(201);
    const board = (await res.json()) as CreateLinkResponse;
    expect(board.url).toMatch(new RegExp(`/m/${m.meetingId}/board#token=`));
    expect(board.url.split('#')[0]).not.toContain(board.token);
    const sec = (await (await links(m.meetingId, m.facilitatorToken, { method: 'POST', body: JSON.stringify({ role: 'secretary' }) })).json()) as CreateLinkResponse;
    const listed = (await (await links(m.meetingId, m.facilitatorToken)).json()) as { links: LinkView[] };
    expect(listed.links.map((l) => l.role).sort()).toEqual(['board', 'secretary']);
    expect(JSON.stringify(listed)).not.toContain(board.token);

    // Reusable until revoked: two screens can open the same board link.
    const b1 = await connected(srv.url, board.token);
    const b2 = await connected(srv.url, board.token);
    const secretary = await connected(srv.url, sec.token);
    expect(secretary.state).not.toBeNull();
    b1.socket.io.reconnection(false);
    const del = await fetch(`${srv.url}/api/meetings/${m.meetingId}/links/${board.linkId}`, { method: 'DELETE', headers: { authorization: `Bearer ${m.facilitatorToken}` } });
    expect(del.status).toBe(200);
    await waitFor(() => b1.closing.find((c) => c.reason === 'token_revoked'), { what: 'revocation notice' });
    expect(await refusedWith(new TestClient(srv.url, board.token))).toMatchObject({ code: 'unauthorized' });
    b2.close();
    secretary.close();
  });

  it('lets only the facilitator of that meeting manage links', async () => {
    const m = await createMeeting(srv.url);
    const other = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    for (const [token, code] of [
      [p.token, 'forbidden'],
      [other.facilitatorToken, 'forbidden'],
      ['y'.repeat(43), 'unauthorized']
    ] as const) {
      const res = await links(m.meetingId, token, { method: 'POST', body: JSON.stringify({ role: 'board' }) });
      expect(await res.json()).toMatchObject({ error: { code } });
    }
  });

  it('lets the facilitator back in with the recovery code, and only with it', async () => {
    const m = await createMeeting(srv.url);
    const typed = m.recoveryCode.toLowerCase().replace(/-/g, ' ');
    const ok = await postJson<RecoverResponse>(`${srv.url}/api/recover`, { joinCode: m.joinCode, recoveryCode: typed });
    expect(ok.status).toBe(200);
    expect(ok.body.meetingId).toBe(m.meetingId);
    const fac = await connected(srv.url, ok.body.facilitatorToken);
    expect((await fac.send({ type: 'joining.close' })).ok).toBe(true);
    fac.close();
    const bad = await postJson(`${srv.url}/api/recover`, { joinCode: m.joinCode, recoveryCode: 'AAAA-BBBB-CCCC-DDDD' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: { code: 'unauthorized' } });
  });
});
