import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateMeetingResponse, JoinResponse, ProtocolError } from '@yishi/protocol';
import { createLogger, createYishiServer, loadConfig, type YishiServer } from '@yishi/realtime-server';
import { openStore, type Store } from '@yishi/store';
import { TestClient, connected, createMeeting } from '../helpers/clients.ts';
import { STORE_KINDS, postJson, startBackend, type Backend } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

/** Every store method that writes something a join may write. */
const WRITES = ['append', 'appendJoins', 'putToken', 'putCommandResult'] as const;

/**
 * The real server on a real store whose join writes can be held at the gate (as behind a slow disk)
 * or made to fail, and whose writes are counted.
 */
async function startGated(kind: (typeof STORE_KINDS)[number]) {
  const backend: Backend = await startBackend(kind);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...backend.env });
  const store: Store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
  const gate = { held: null as Promise<void> | null, fail: false, writes: 0 };
  for (const name of WRITES) {
    const original = (store[name] as (...args: unknown[]) => Promise<unknown>).bind(store);
    (store as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      gate.writes++;
      if (name === 'appendJoins' && gate.held) await gate.held;
      if (name === 'appendJoins' && gate.fail) throw new Error('disk full');
      return original(...args);
    };
  }
  const server: YishiServer = await createYishiServer({ config, store, log: createLogger('silent', 'test'), webHandlerPath: null });
  const url = `http://127.0.0.1:${(await server.listen()).port}`;
  // Joins that have reached the meeting's queue.
  let arrived = 0;
  const join = server.meetings.join.bind(server.meetings);
  server.meetings.join = (meetingId, request) => {
    arrived++;
    return join(meetingId, request);
  };
  return {
    url,
    store,
    gate,
    arrived: () => arrived,
    /** Holds every join write from now until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate.held = new Promise<void>((r) => (release = r));
      return () => {
        gate.held = null;
        release();
      };
    },
    async stop() {
      await server.close();
      await backend.dispose();
    }
  };
}

type Answer = { status: number; body: JoinResponse & { error?: ProtocolError } };

describe.each(STORE_KINDS)('joins committed together on %s', (kind) => {
  let srv: Awaited<ReturnType<typeof startGated>>;
  afterEach(async () => {
    await srv?.stop();
  });

  const joinAs = (m: CreateMeetingResponse, name: string, over: Record<string, unknown> = {}) =>
    postJson<Answer['body']>(`${srv.url}/api/join`, { joinCode: m.joinCode, name, group: '居民', ...over }) as Promise<Answer>;

  it('writes the joins that arrive while a write is under way in one write, and answers each on its own', async () => {
    srv = await startGated(kind);
    const m = await createMeeting(srv.url);
    const release = srv.hold();
    const first = joinAs(m, '第一位');
    await waitFor(() => srv.arrived() === 1, { what: 'the first join at the store' });
    const key = randomBytes(18).toString('base64url');
    const crowd = [
      ...Array.from({ length: 40 }, (_, i) => joinAs(m, `居民${i}`, { joinKey: randomBytes(18).toString('base64url') })),
      // Not a group of this meeting: refused on its own, the others go in.
      joinAs(m, '走错门', { group: '火星人' }),
      // One phone's join sent twice at once (its first response was lost): one participant, two tokens.
      joinAs(m, '重试', { joinKey: key }),
      joinAs(m, '重试', { joinKey: key })
    ];
    await waitFor(() => srv.arrived() === 1 + crowd.length, { what: 'every join waiting for the meeting' });
    const writesBefore = srv.gate.writes;
    release();
    const answers = await Promise.all([first, ...crowd]);

    // The first join's write, then one for all the others (without group commit: three writes per join).
    expect(srv.gate.writes - writesBefore).toBe(1);
    const wrong = answers[41]!;
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'invalid', field: 'group' });
    const [retryA, retryB] = [answers[42]!, answers[43]!];
    expect([retryA.status, retryB.status]).toEqual([201, 201]);
    expect(retryA.body.participantId).toBe(retryB.body.participantId);
    expect(retryA.body.token).not.toBe(retryB.body.token);

    const admitted = answers.filter((a) => a.status === 201);
    expect(admitted).toHaveLength(43);
    const fac = await connected(srv.url, m.facilitatorToken);
    const names = [...fac.state!.participants.values()].map((p) => p.name);
    expect(names).toHaveLength(42);
    expect(names.filter((n) => n === '重试')).toHaveLength(1);
    expect(names).not.toContain('走错门');
    fac.close();
    // Each token opens its own participant.
    for (const a of [answers[0]!, answers[7]!, retryA, retryB]) {
      const phone = new TestClient(srv.url, a.body.token);
      let you: unknown = null;
      phone.socket.on('snapshot', (msg: { you: unknown }) => (you = msg.you));
      await phone.ready();
      expect(you).toEqual({ role: 'participant', participantId: a.body.participantId });
      phone.close();
    }
  });

  it('lets a phone that has joined connect and get its snapshot while the next joins of its meeting are being written', async () => {
    srv = await startGated(kind);
    const m = await createMeeting(srv.url);
    const joined = await joinAs(m, '先到');
    expect(joined.status).toBe(201);
    const release = srv.hold();
    const waiting = joinAs(m, '后到');
    await waitFor(() => srv.arrived() === 2, { what: 'the next join at the store' });
    try {
      // Authentication and the snapshot read the meeting without queueing behind the held write.
      const phone = await connected(srv.url, joined.body.token);
      expect(phone.state!.participants.get(joined.body.participantId)?.name).toBe('先到');
      phone.close();
    } finally {
      release();
    }
    expect((await waiting).status).toBe(201);
  });

  it('answers no join of a failed write as joined: none is in the meeting and none of them has a token', async () => {
    srv = await startGated(kind);
    const m = await createMeeting(srv.url);
    const release = srv.hold();
    srv.gate.fail = true;
    const crowd = Array.from({ length: 10 }, (_, i) => joinAs(m, `居民${i}`, { joinKey: randomBytes(18).toString('base64url') }));
    await waitFor(() => srv.arrived() === crowd.length, { what: 'every join waiting for the meeting' });
    release();
    const answers = await Promise.all(crowd);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(500));
    expect(answers.every((a) => a.body.token === undefined)).toBe(true);
    srv.gate.fail = false;

    const fac = await connected(srv.url, m.facilitatorToken);
    expect(fac.state!.participants.size).toBe(0);
    fac.close();
    expect((await srv.store.listTokens(m.meetingId)).filter((t) => t.role === 'participant')).toEqual([]);
    // The server goes on: the next join goes in, with its token.
    const next = await joinAs(m, '下一位');
    expect(next.status).toBe(201);
    const phone = new TestClient(srv.url, next.body.token);
    await phone.ready();
    phone.close();
    expect((await srv.store.listTokens(m.meetingId)).filter((t) => t.role === 'participant').map((t) => t.participantId)).toEqual([next.body.participantId]);
  });
});
