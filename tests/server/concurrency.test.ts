import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@yishi/realtime-server';
import { openStore, type Store } from '@yishi/store';
import { MeetingService } from '../../realtime-server/src/meetings/meetingService.ts';
import { STORE_KINDS, startBackend } from '../helpers/servers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

const log = createLogger('silent', 'test');

/** Two nodes' command paths on one store, each with its own connection and its own cached state. */
async function twoNodes(kind: 'sqlite' | 'redis') {
  const backend = await startBackend(kind);
  cleanups.push(() => backend.dispose());
  const open = async () => {
    const store = await openStore({ redisUrl: backend.env.REDIS_URL, dataDir: backend.env.DATA_DIR! });
    cleanups.push(() => store.close());
    return store;
  };
  const storeA = await open();
  const storeB = await open();
  return { storeA, storeB, a: new MeetingService(storeA, log), b: new MeetingService(storeB, log) };
}

async function meetingIn(a: MeetingService): Promise<string> {
  const meetingId = `mtg-${Math.random().toString(36).slice(2, 10)}`;
  const created = await a.execute(
    meetingId,
    { type: 'meeting.create', meetingId, joinCode: '123456', title: '并发', groups: ['居民', '商户'], language: 'zh-CN', templateId: 'open-space' },
    { role: 'facilitator' },
    null
  );
  expect(created.ok).toBe(true);
  const { state } = await a.current(meetingId);
  expect((await a.execute(meetingId, { type: 'phase.advance', commandId: 'cmd-advance-1', fromPhaseId: state!.phaseId }, { role: 'facilitator' }, 'f:advance')).ok).toBe(true);
  return meetingId;
}

const post = (title: string, n: number) => ({ type: 'topic.postFor' as const, commandId: `cmd-${n}-${title.length}xx`, title, description: '', convenerName: '某人', convenerGroup: null });

describe.each(STORE_KINDS)('two nodes on one %s store', (kind) => {
  it('decides again on a stale log instead of surfacing a conflict', async () => {
    const { storeA, a, b } = await twoNodes(kind);
    const meetingId = await meetingIn(a);
    await b.current(meetingId);
    // Node B appends in the window between node A's decision and its append, every time.
    const append = storeA.append.bind(storeA);
    let interleaved = 0;
    (storeA as { append: Store['append'] }).append = async (...args) => {
      if (interleaved < 3) {
        interleaved++;
        expect((await b.execute(meetingId, post(`B${interleaved}`, 100 + interleaved), { role: 'facilitator' }, `f:b${interleaved}`)).ok).toBe(true);
      }
      return append(...args);
    };
    const result = await a.execute(meetingId, post('A 的议题', 1), { role: 'facilitator' }, 'f:a1');
    expect(result).toEqual({ ok: true, seq: 6, result: { topicId: expect.any(String) } });
    expect(a.staleRetries).toBe(3);
    const { state } = await a.current(meetingId);
    expect([...state!.topics.values()].map((t) => t.title).sort()).toEqual(['A 的议题', 'B1', 'B2', 'B3'].sort());
    expect(await storeA.verifyLog(meetingId)).toMatchObject({ ok: true, count: 6 });
  });

  it('runs one command id once even when two nodes receive it at the same time', async () => {
    const { storeA, a, b } = await twoNodes(kind);
    const meetingId = await meetingIn(a);
    const cmd = post('重复提交', 7);
    const [ra, rb] = await Promise.all([a.execute(meetingId, cmd, { role: 'facilitator' }, 'f:same'), b.execute(meetingId, cmd, { role: 'facilitator' }, 'f:same')]);
    expect(ra).toEqual(rb);
    expect(await storeA.readLog(meetingId)).toHaveLength(3);
  });

  it('acks 40 posts arriving at both nodes at once, in one order', async () => {
    const { storeA, a, b } = await twoNodes(kind);
    const meetingId = await meetingIn(a);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).execute(meetingId, post(`议题${i}`, i), { role: 'facilitator' }, `f:${i}`))
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const seqs = results.map((r) => (r as { seq: number }).seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
    expect(await storeA.verifyLog(meetingId)).toMatchObject({ ok: true, count: 42 });
  });
});
