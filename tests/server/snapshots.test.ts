import { afterEach, describe, expect, it } from 'vitest';
import { connected, createMeeting } from '../helpers/clients.ts';
import { STORE_KINDS, startBackend, startOn, type Backend, type InProcess } from '../helpers/servers.ts';
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
    expect(Object.values(again.state!.topics).map((t) => t.title).sort()).toEqual(titles.sort());
    again.close();
  });
});
