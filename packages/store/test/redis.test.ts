import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '@yishi/protocol';
import { openRedisStore, redisKeys } from '../src/redis.ts';
import type { Store, StoreHooks } from '../src/port.ts';
import { registerStoreContract, tamperFrom, type StoreHarness } from './contract.ts';
import { startRedisServer, type RedisServerHandle } from './redisServer.ts';

let server: RedisServerHandle;
let admin: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
});
afterAll(async () => {
  await admin?.quit();
  await server?.stop();
});

/** Every file under `dir`, recursively (the AOF lives in `appendonlydir/`). */
async function readAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await readAll(path)));
    else out.push((await readFile(path)).toString('latin1'));
  }
  return out;
}

/** Each harness gets a fresh key prefix on this file's own server. */
async function makeRedisHarness(): Promise<StoreHarness> {
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  const keys = redisKeys(prefix);
  const hooks: StoreHooks = {};
  const opened: Store[] = [];
  const open = async () => {
    const store = await openRedisStore(server.url, { prefix, hooks });
    opened.push(store);
    return store;
  };

  return {
    store: await open(),
    reopen: open,
    hooks,
    tamper: tamperFrom(
      // Stream entries cannot be edited: rewrite the whole stream with one entry changed.
      async (meetingId, seq, change) => {
        const key = keys.log(meetingId);
        const rows = await admin.xrange(key, '-', '+');
        await admin.del(key);
        for (const [id, fields] of rows) {
          let json = fields[1] ?? '';
          if (id === `${seq}-0`) {
            const next = change(JSON.parse(json) as LogEntry);
            json = typeof next === 'string' ? next : JSON.stringify(next);
          }
          await admin.xadd(key, id, 'entry', json);
        }
      },
      async (meetingId, seq) => void (await admin.xdel(keys.log(meetingId), `${seq}-0`))
    ),
    async rawDump() {
      const parts: string[] = [];
      for (const key of await admin.keys(`${prefix}*`)) {
        parts.push(key);
        const type = await admin.type(key);
        if (type === 'string') parts.push((await admin.getBuffer(key))?.toString('latin1') ?? '');
        else if (type === 'hash') parts.push(...Object.entries(await admin.hgetall(key)).flat());
        else if (type === 'stream') parts.push(JSON.stringify(await admin.xrange(key, '-', '+')));
        else throw new Error(`rawDump: unexpected ${type} key ${key}`);
      }
      // And the append-only file itself, which records every write ever made.
      parts.push(...(await readAll(server.dir)));
      return parts.join('\n');
    },
    async leftovers(meetingId) {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const key of batch) {
          if (key.includes(meetingId)) {
            found.push(key);
            continue;
          }
          // Keys named by something else (token hash, join code) that point at the meeting.
          const type = await admin.type(key);
          const values = type === 'string' ? [await admin.get(key)] : type === 'hash' ? Object.values(await admin.hgetall(key)) : [];
          if (values.includes(meetingId)) found.push(`${key} -> ${meetingId}`);
        }
      } while (cursor !== '0');
      return found;
    },
    async dispose() {
      for (const store of opened) await store.close();
    }
  };
}

registerStoreContract('redis', makeRedisHarness);

describe('redis store: server restarts', () => {
  it('[S14] acknowledged writes survive a SIGKILL of redis-server, and the same store carries on after restart', async () => {
    const h = await makeRedisHarness();
    try {
      const m = `m-${randomBytes(4).toString('hex')}`;
      const first = await h.store.append(m, await h.store.head(m), [
        { at: 1, actor: { role: 'system' }, commandId: null, event: { type: 'joining.closed' } }
      ], 'cmd-before-crash');
      if (!first.ok) throw new Error('append refused');
      await h.store.appendDocUpdate(m, 'd', new Uint8Array([1, 2, 3]));

      await server.kill('SIGKILL');
      await server.restart();

      // ioredis reconnects on its own; scripts are loaded again on NOSCRIPT.
      expect(await h.store.head(m)).toEqual(first.head);
      expect(await h.store.getCommandResult(m, 'cmd-before-crash')).toEqual({ ok: true, seq: 1 });
      expect(await h.store.loadDocUpdates(m, 'd')).toEqual([new Uint8Array([1, 2, 3])]);
      const second = await h.store.append(m, first.head, [
        { at: 2, actor: { role: 'system' }, commandId: null, event: { type: 'joining.opened' } }
      ]);
      expect(second.ok).toBe(true);
      expect(await h.store.verifyLog(m)).toMatchObject({ ok: true, count: 2 });
    } finally {
      await h.dispose();
    }
  });

  it('a command whose reply never comes fails after the command timeout instead of hanging', async () => {
    const store = await openRedisStore(server.url, { prefix: `t${randomBytes(4).toString('hex')}:`, commandTimeoutMs: 300 });
    try {
      const m = `m-${randomBytes(4).toString('hex')}`;
      // A frozen redis-server keeps the connection open and never answers, as one restarted between
      // a command and its reply does.
      server.signal('SIGSTOP');
      try {
        await expect(store.head(m)).rejects.toThrow(/timed out/i);
      } finally {
        server.signal('SIGCONT');
      }
      expect(await store.head(m)).toMatchObject({ seq: 0 });
    } finally {
      await store.close();
    }
  });
});
