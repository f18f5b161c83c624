import { createRequire } from 'node:module';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@yishi/store';
import { ROOT, STORE_KINDS, postJson, startBackend, startProcess, type Backend, type ServerProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

// The store's own SQLite driver, to list what the store itself has no query for.
const Database = createRequire(path.join(ROOT, 'packages/store/package.json'))('libsql') as new (file: string) => {
  prepare(sql: string): { all(): { id: string }[] };
  close(): void;
};

/** Every meeting id the store holds a record, a log head or a token for, straight from its data. */
async function storedIds(kind: string, backend: Backend): Promise<{ meetings: string[]; logs: string[]; tokens: string[] }> {
  if (kind === 'sqlite') {
    const db = new Database(path.join(backend.env.DATA_DIR!, 'yishi.sqlite'));
    try {
      const ids = (sql: string) => db.prepare(sql).all().map((r) => r.id);
      return { meetings: ids('SELECT meeting_id AS id FROM meetings'), logs: ids('SELECT DISTINCT meeting_id AS id FROM log'), tokens: ids('SELECT DISTINCT meeting_id AS id FROM tokens') };
    } finally {
      db.close();
    }
  }
  const redis = new Redis(backend.env.REDIS_URL!);
  try {
    // Keys of a meeting are `yishi:{<meetingId>}:<what>` (packages/store/src/redis.ts).
    const ids = async (what: string) => (await redis.keys(`yishi:{*}:${what}`)).map((key) => /^yishi:\{(.+)\}:/.exec(key)![1]!);
    return { meetings: await ids('meeting'), logs: await ids('head'), tokens: await ids('tokens') };
  } finally {
    redis.disconnect();
  }
}

describe.each(STORE_KINDS)('meeting creation killed mid-way on %s', (kind) => {
  let backend: Backend | null = null;
  let server: ServerProcess | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server?.exited;
    await store?.close();
    await backend?.dispose();
  });

  it('leaves whole meetings or none: every record has its log and both facilitator tokens, and nothing else is left', async () => {
    backend = await startBackend(kind);
    const srv = (server = await startProcess(backend.env));
    let created = 0;
    let stopped = false;
    // Twenty creators at once, until the process is killed under them.
    const creators = Array.from({ length: 20 }, async () => {
      while (!stopped) {
        const res = await postJson(`${srv.url}/api/meetings`, { title: '断电测试' }).catch(() => null);
        if (res?.status === 201) created++;
        else break;
      }
    });
    await waitFor(() => created >= 60, { what: '60 meetings created', timeoutMs: 30_000 });
    srv.child.kill('SIGKILL');
    await srv.exited;
    stopped = true;
    await Promise.all(creators);

    const ids = await storedIds(kind, backend);
    expect(ids.meetings.length).toBeGreaterThanOrEqual(created);
    // Nothing of a meeting without its record.
    expect(ids.logs.filter((id) => !ids.meetings.includes(id))).toEqual([]);
    expect(ids.tokens.filter((id) => !ids.meetings.includes(id))).toEqual([]);
    store = await openStore({ redisUrl: backend.env.REDIS_URL, dataDir: backend.env.DATA_DIR! });
    for (const meetingId of ids.meetings) {
      const log = await store.readLog(meetingId);
      expect(log[0]?.event.type, meetingId).toBe('meeting.created');
      expect(await store.verifyLog(meetingId)).toMatchObject({ ok: true });
      expect((await store.listTokens(meetingId)).map((t) => `${t.role}:${t.kind}`).sort()).toEqual(['facilitator:recovery', 'facilitator:session']);
    }
  });
});
