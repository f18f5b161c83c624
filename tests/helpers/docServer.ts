import { openStore, type Store } from '@yishi/store';
import { afterAll, beforeAll } from 'vitest';
import { connected, type TestClient } from './clients.ts';
import { startInProcess, type InProcess, type StoreKind } from './servers.ts';
import { yjsClient } from './yjs.ts';

/**
 * A real server on `kind`'s store for one describe block, with the store as another instance reads
 * it (another node would), and the meeting sockets and y-websocket editors its tests open, all closed
 * after the block. `srv` and `store` are there once the block's tests run.
 */
export function docServer(kind: StoreKind) {
  const sockets: TestClient[] = [];
  const editors: ReturnType<typeof yjsClient>[] = [];
  const fx = {
    srv: undefined as unknown as InProcess,
    store: undefined as unknown as Store,
    /** A meeting socket with this token, closed after the block. */
    async socket(token: string): Promise<TestClient> {
      const c = await connected(fx.srv.url, token);
      sockets.push(c);
      return c;
    },
    /** A y-websocket editor of the document, synced, closed after the block. */
    async editor(meetingId: string, docId: string, token: string) {
      const e = yjsClient(fx.srv.url, meetingId, docId, token);
      editors.push(e);
      await e.synced();
      return e;
    }
  };
  beforeAll(async () => {
    fx.srv = await startInProcess(kind);
    fx.store = await openStore({ redisUrl: fx.srv.backend.env.REDIS_URL, dataDir: fx.srv.backend.env.DATA_DIR! });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const e of editors) e.provider.destroy();
    await fx.store?.close();
    await fx.srv?.stop();
  });
  return fx;
}
