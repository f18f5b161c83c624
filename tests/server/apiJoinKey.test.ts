import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateMeetingResponse, JoinResponse } from '@yishi/protocol';
import { TestClient, connected } from '../helpers/clients.ts';
import { STORE_KINDS } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { startApiNodes, type ApiNodes } from './apiNodes.ts';

const newJoinKey = () => randomBytes(18).toString('base64url');
const phone = '198.51.100.20';

describe.each(STORE_KINDS)('idempotent join with a join key on %s', (kind) => {
  let api: ApiNodes;
  afterEach(async () => {
    await api?.stop();
  });

  const create = async () => (await api.post<CreateMeetingResponse>(0, '/api/meetings', { title: '189民商联合会' }, '192.0.2.9')).body;
  const joinAs = (i: number, joinCode: string, joinKey?: string, name = '王阿姨') =>
    api.post<JoinResponse & { error?: { code: string } }>(i, '/api/join', { joinCode, name, group: '居民', ...(joinKey ? { joinKey } : {}) }, phone);
  const participants = async (m: CreateMeetingResponse) => {
    const fac = await connected(api.urls[0]!, m.facilitatorToken);
    const list = [...fac.state!.participants.values()];
    fac.close();
    return list;
  };

  it('gives a retried join the same participant with a fresh token, and both tokens open it', async () => {
    api = await startApiNodes(kind);
    const m = await create();
    const key = newJoinKey();
    const first = await joinAs(0, m.joinCode, key);
    const retry = await joinAs(1, m.joinCode, key, '王阿姨（重试）');
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body.participantId).toBe(first.body.participantId);
    expect(retry.body.token).not.toBe(first.body.token);
    for (const token of [first.body.token, retry.body.token]) {
      const p = new TestClient(api.urls[1 % api.urls.length]!, token);
      let you: unknown = null;
      p.socket.on('snapshot', (msg: { you: unknown }) => (you = msg.you));
      await p.ready();
      expect(you).toMatchObject({ role: 'participant', participantId: first.body.participantId });
      p.close();
    }
    expect((await participants(m)).map((p) => p.name)).toEqual(['王阿姨']);
  });

  it('makes one participant of retries racing each other (across nodes on Redis)', async () => {
    api = await startApiNodes(kind);
    const m = await create();
    for (let round = 0; round < 5; round++) {
      const key = newJoinKey();
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => joinAs(i, m.joinCode, key, `张${round}`)));
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
      expect(new Set(answers.map((a) => a.body.participantId)).size).toBe(1);
      expect(new Set(answers.map((a) => a.body.token)).size).toBe(6);
    }
    expect((await participants(m)).map((p) => p.name).sort()).toEqual(['张0', '张1', '张2', '张3', '张4']);
  });

  it('keeps separate keys and keyless joins separate, as before', async () => {
    api = await startApiNodes(kind);
    const m = await create();
    const a = await joinAs(0, m.joinCode, newJoinKey(), '甲');
    const b = await joinAs(1, m.joinCode, newJoinKey(), '乙');
    const c = await joinAs(0, m.joinCode, undefined, '丙');
    const d = await joinAs(1, m.joinCode, undefined, '丙');
    expect(new Set([a, b, c, d].map((r) => r.body.participantId)).size).toBe(4);
    expect(await participants(m)).toHaveLength(4);
  });

  it('joins a key refused while joining was closed once joining opens, and lets a joined key back in after it closes', async () => {
    api = await startApiNodes(kind);
    const m = await create();
    const fac = await connected(api.urls[0]!, m.facilitatorToken);
    const joined = newJoinKey();
    const early = await joinAs(0, m.joinCode, joined, '早到');
    expect((await fac.send({ type: 'joining.close' })).ok).toBe(true);
    const late = newJoinKey();
    expect((await joinAs(1, m.joinCode, late, '晚到')).body).toMatchObject({ error: { code: 'closed' } });
    // Already in: the retry of a join that succeeded is not a new joiner.
    const back = await joinAs(1, m.joinCode, joined, '早到');
    expect(back.status).toBe(201);
    expect(back.body.participantId).toBe(early.body.participantId);
    expect((await fac.send({ type: 'joining.open' })).ok).toBe(true);
    const lateAgain = await joinAs(0, m.joinCode, late, '晚到');
    expect(lateAgain.status).toBe(201);
    await waitFor(() => fac.state!.participants.size === 2, { what: 'two participants' });
    fac.close();
  });

  it('does not let a removed participant back in with its key', async () => {
    api = await startApiNodes(kind);
    const m = await create();
    const key = newJoinKey();
    const first = await joinAs(0, m.joinCode, key);
    const fac = await connected(api.urls[0]!, m.facilitatorToken);
    expect((await fac.send({ type: 'participant.remove', participantId: first.body.participantId })).ok).toBe(true);
    fac.close();
    const retry = await joinAs(1, m.joinCode, key);
    expect(retry.status).toBe(403);
    expect(retry.body).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('stores the join key only as a hash', async () => {
    api = await startApiNodes(kind);
    const m = await create();
    const key = newJoinKey();
    expect((await joinAs(0, m.joinCode, key)).status).toBe(201);
    let stored = '';
    if (kind === 'redis') {
      const redis = new Redis(api.backend.env.REDIS_URL!);
      for (const k of await redis.keys('*')) {
        stored += k;
        const type = await redis.type(k);
        if (type === 'hash') stored += JSON.stringify(await redis.hgetall(k));
        else if (type === 'string') stored += await redis.get(k);
        else if (type === 'stream') stored += JSON.stringify(await redis.xrange(k, '-', '+'));
      }
      redis.disconnect();
      stored += (await Promise.all((await readdir(api.backend.redis!.dir, { recursive: true })).map((f) => readFile(path.join(api.backend.redis!.dir, f)).catch(() => '')))).join('');
    } else {
      const dir = api.backend.env.DATA_DIR!;
      stored = (await Promise.all((await readdir(dir)).map((f) => readFile(path.join(dir, f), 'latin1')))).join('');
    }
    expect(stored).toContain(m.meetingId);
    expect(stored).not.toContain(key);
  });
});
