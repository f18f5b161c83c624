import { afterEach, describe, expect, it } from 'vitest';
import { connected, createMeeting } from '../helpers/clients.ts';
import { STORE_KINDS, startBackend, startOn, type Backend, type InProcess } from '../helpers/servers.ts';
import { readFile } from 'node:fs/promises';
import { STATE_FORMAT, replay, toStoredState, type LogEntry, type MeetingStateJSON } from '@yishi/domain';
import { openStore } from '@yishi/store';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function serverOn(backend: Backend): Promise<InProcess> {
  const srv = await startOn(backend, { COMMAND_RATE: '1000', COMMAND_BURST: '1000' });
  cleanups.push(() => srv.stop());
  return srv;
}

describe.each(STORE_KINDS)('snapshots on %s', (kind) => {
  it('writes a snapshot every 100 events and a restarted server serves snapshot + tail', async () => {
    const backend = await startBackend(kind);
    cleanups.push(() => backend.dispose());
    const first = await serverOn(backend);
    const m = await createMeeting(first.url);
    const fac = await connected(first.url, m.facilitatorToken);
    expect((await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).ok).toBe(true);
    const titles: string[] = [];
    for (let i = 0; i < 120; i++) {
      const title = `第${i}个议题`;
      const ack = await fac.send({ type: 'topic.postFor', title, convenerName: '居民代表' });
      expect(ack.ok).toBe(true);
      titles.push(title);
    }
    const finalSeq = fac.seq;
    fac.close();
    await first.stop();

    const store = await openStore({ redisUrl: backend.env.REDIS_URL, dataDir: backend.env.DATA_DIR! });
    const snapshot = await store.loadSnapshot(m.meetingId);
    expect(snapshot?.seq).toBeGreaterThanOrEqual(100);
    expect(snapshot!.seq).toBeLessThan(finalSeq);
    expect(await store.verifyLog(m.meetingId)).toMatchObject({ ok: true, count: finalSeq });
    await store.close();

    const second = await serverOn(backend);
    const again = await connected(second.url, m.facilitatorToken);
    expect(again.seq).toBe(finalSeq);
    expect([...again.state!.topics.values()].map((t) => t.title).sort()).toEqual(titles.sort());
    again.close();
  });
});

describe.each(STORE_KINDS)('snapshot formats on %s', (kind) => {
  /** A meeting with three topics, made through the server; returns its id, token and the head of its log. */
  async function meetingWithTopics(backend: Backend) {
    const srv = await serverOn(backend);
    const m = await createMeeting(srv.url);
    const fac = await connected(srv.url, m.facilitatorToken);
    expect((await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).ok).toBe(true);
    for (const title of ['一号议题', '二号议题', '三号议题']) expect((await fac.send({ type: 'topic.postFor', title, convenerName: '居民代表' })).ok).toBe(true);
    fac.close();
    await srv.stop();
    const store = await openStore({ redisUrl: backend.env.REDIS_URL, dataDir: backend.env.DATA_DIR! });
    const head = await store.head(m.meetingId);
    return { m, head, store };
  }

  /** Older formats, dressed as a given meeting at its head but with a title and topics its log never had: trusting one would show them. */
  const OLDER_FORMATS = [
    {
      name: 'format 1: the bare state, written before formats existed',
      async dress(meetingId: string, joinCode: string, seq: number): Promise<unknown> {
        const state = JSON.parse(await readFile(new URL('./fixtures/snapshot-format-1.json', import.meta.url), 'utf8')) as MeetingStateJSON;
        return { ...state, meetingId, joinCode, seq, title: '旧格式快照' };
      }
    },
    {
      name: 'format 2: plain records, written before views held head counts',
      async dress(meetingId: string, joinCode: string, seq: number): Promise<unknown> {
        const url = new URL('../../packages/domain/test/fixtures/snapshot-format-2.json', import.meta.url);
        const { stored } = JSON.parse(await readFile(url, 'utf8')) as { stored: { format: number; state: MeetingStateJSON } };
        expect(stored.format).toBe(2);
        return { format: stored.format, state: { ...stored.state, meetingId, joinCode, seq, title: '旧格式快照' } };
      }
    }
  ];

  it.each(OLDER_FORMATS)('ignores a snapshot in an older state format ($name) and rebuilds from the log', async ({ dress }) => {
    const backend = await startBackend(kind);
    cleanups.push(() => backend.dispose());
    const { m, head, store } = await meetingWithTopics(backend);
    expect(STATE_FORMAT).toBeGreaterThan(2);
    await store.saveSnapshot(m.meetingId, { ...head, state: await dress(m.meetingId, m.joinCode, head.seq) });
    await store.close();

    const srv = await serverOn(backend);
    const fac = await connected(srv.url, m.facilitatorToken);
    expect(fac.seq).toBe(head.seq);
    expect(fac.state!.title).toBe('滨河东里议事会');
    expect([...fac.state!.topics.values()].map((t) => t.title).sort()).toEqual(['一号议题', '三号议题', '二号议题']);
    fac.close();
  });

  it('uses a snapshot of the current state format', async () => {
    const backend = await startBackend(kind);
    cleanups.push(() => backend.dispose());
    const { m, head, store } = await meetingWithTopics(backend);
    const logState = replay((await store.readLog(m.meetingId)) as LogEntry[])!;
    expect(STATE_FORMAT).toBeGreaterThan(1);
    await store.saveSnapshot(m.meetingId, { ...head, state: toStoredState({ ...logState, title: '当前格式快照' }) });
    await store.close();

    const srv = await serverOn(backend);
    const fac = await connected(srv.url, m.facilitatorToken);
    expect(fac.state!.title).toBe('当前格式快照');
    fac.close();
  });
});
