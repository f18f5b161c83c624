import { afterEach, describe, expect, it } from 'vitest';
import type { CreateMeetingResponse, JoinResponse, RecoverResponse } from '@yishi/protocol';
import { connected } from '../helpers/clients.ts';
import { STORE_KINDS } from '../helpers/servers.ts';
import { startApiNodes, type ApiNodes } from './apiNodes.ts';

type Answer = { status: number; body: { error?: { code: string; message: string } }; headers: Headers };

describe.each(STORE_KINDS)('join-code guard and meeting creation limit on %s', (kind) => {
  let api: ApiNodes;
  afterEach(async () => {
    await api?.stop();
  });

  const create = async (from: string, i = 0) => {
    const res = await api.post<CreateMeetingResponse>(i, '/api/meetings', { title: '滨河东里议事会' }, from);
    expect(res.status).toBe(201);
    return res.body;
  };
  /** A code that is not live: the live ones are few and known here. */
  const deadCodes = (live: string[], n: number) => {
    const out: string[] = [];
    for (let c = 100_000; out.length < n; c += 7_919) if (!live.includes(String(c % 1_000_000).padStart(6, '0'))) out.push(String(c % 1_000_000).padStart(6, '0'));
    return out;
  };

  it('lets a hall of 100 phones behind one address in, with 40 typos among them (JOIN_FAILURES_PER_MINUTE 30)', async () => {
    api = await startApiNodes(kind);
    const hall = '198.51.100.10';
    const m = await create('192.0.2.1');
    const typos = deadCodes([m.joinCode], 40);
    const answers: Answer[] = [];
    let request = 0;
    // Phones arrive in waves of ten at once; four in each wave first mistype the code, as people do.
    for (let wave = 0; wave < 10; wave++) {
      const phones = Array.from({ length: 10 }, async (_, p) => {
        const n = wave * 10 + p;
        if (p < 4) answers.push(await api.get(request++, `/api/join/${typos[wave * 4 + p]!}`, hall));
        answers.push(await api.get(request++, `/api/join/${m.joinCode}`, hall));
        const joined = await api.post<JoinResponse & Answer['body']>(request++, '/api/join', { joinCode: m.joinCode, name: `居民${n}`, group: '居民' }, hall);
        answers.push(joined);
        return joined;
      });
      for (const joined of await Promise.all(phones)) expect(joined.status).toBe(201);
    }
    expect(answers.filter((a) => a.status === 429)).toEqual([]);
    expect(answers.filter((a) => a.status === 404)).toHaveLength(40);
    // The facilitator gets back in from the same address with the recovery code.
    const recovered = await api.post<RecoverResponse>(request++, '/api/recover', { joinCode: m.joinCode, recoveryCode: m.recoveryCode }, hall);
    expect(recovered.status).toBe(200);
    const fac = await connected(api.urls[0]!, recovered.body.facilitatorToken);
    expect(fac.state!.participants.size).toBe(100);
    fac.close();
  });

  it('holds an address walking the codes to JOIN_FAILURES_PER_MINUTE, and then answers a live code exactly as a dead one', async () => {
    // 6 a minute, so one attempt per 10 s past them: far more than this quick walk takes, however loaded the machine.
    api = await startApiNodes(kind, { JOIN_FAILURES_PER_MINUTE: '6' });
    const m = await create('192.0.2.2');
    const walker = '203.0.113.66';
    const answers: Answer[] = [];
    for (const [i, code] of deadCodes([m.joinCode], 60).entries()) answers.push(await api.post(i, '/api/join', { joinCode: code, name: '试码', group: '居民' }, walker));
    // Six tries, then one per 60 s / 6 = 10 s: in this quick walk no more get through, on either node.
    expect(answers.filter((a) => a.status === 404)).toHaveLength(6);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(54);
    for (const r of refused) {
      expect(r.body.error?.code).toBe('rate_limited');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    }
    // The live code gets the same refusal as a dead one: the walker learns nothing from it.
    for (const path of [`/api/join/${m.joinCode}`, '/api/join']) {
      const live: Answer = path === '/api/join' ? await api.post(1, path, { joinCode: m.joinCode, name: '试码', group: '居民' }, walker) : await api.get(0, path, walker);
      expect(live.status).toBe(429);
      expect(live.body.error).toMatchObject({ code: 'rate_limited', message: refused[0]!.body.error!.message });
    }
    // Another address is not slowed.
    expect((await api.get(1, `/api/join/${m.joinCode}`, '203.0.113.67')).status).toBe(200);
  });

  it('counts a burst of guesses sent at once: at most the allowance and the burst headroom get through', async () => {
    api = await startApiNodes(kind, { JOIN_FAILURES_PER_MINUTE: '10' });
    const m = await create('192.0.2.3');
    const burst = await Promise.all(deadCodes([m.joinCode], 100).map((code, i) => api.get(i, `/api/join/${code}`, '203.0.113.70')));
    const through = burst.filter((a) => a.status === 404).length;
    // Allowance 10, headroom for 10 attempts in flight, and the one paced turn (one per 6 s): never
    // more than 21, and at least the 10.
    expect(through).toBeGreaterThanOrEqual(10);
    expect(through).toBeLessThanOrEqual(21);
    expect(burst.filter((a) => a.status !== 404 && a.status !== 429)).toEqual([]);
  });

  it('counts wrong recovery codes per meeting, whichever addresses they come from', async () => {
    api = await startApiNodes(kind);
    const m = await create('192.0.2.4');
    const other = await create('192.0.2.4');
    for (let i = 0; i < 10; i++) {
      const wrong = await api.post(i, '/api/recover', { joinCode: m.joinCode, recoveryCode: 'AAAA-BBBB-CCCC-DDDD' }, `198.18.0.${i}`);
      expect(wrong.status).toBe(401);
    }
    // Ten wrong codes for this meeting: the next try from a fresh address waits, the right code too.
    const held = await api.post(10, '/api/recover', { joinCode: m.joinCode, recoveryCode: m.recoveryCode }, '198.18.1.1');
    expect(held.status).toBe(429);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another meeting's facilitator, from one of those addresses, is not affected.
    expect((await api.post(11, '/api/recover', { joinCode: other.joinCode, recoveryCode: other.recoveryCode }, '198.18.0.1')).status).toBe(200);
  });

  it('limits meetings created per address (MEETINGS_PER_HOUR), counted across nodes; bad requests do not count', async () => {
    api = await startApiNodes(kind, { MEETINGS_PER_HOUR: '3' });
    const from = '203.0.113.90';
    expect((await api.post(0, '/api/meetings', { title: '' }, from)).status).toBe(400);
    for (let i = 0; i < 3; i++) await create(from, i);
    for (let i = 3; i < 5; i++) {
      const refused = await api.post(i, '/api/meetings', { title: '又一个会' }, from);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: { code: 'rate_limited' } });
      // The hour's oldest creation leaves the window in about an hour.
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3_500);
    }
    await create('203.0.113.91');
  });
});
