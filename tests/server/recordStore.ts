import path from 'node:path';
import type { LogEntry } from '@yishi/protocol';
import { Database, MEETING_TABLES, Redis, SQLITE_FILE, redisKeys } from '@yishi/store/raw';
import type { InProcess } from '../helpers/servers.ts';

/**
 * Reaching around the server into its store, as someone with the SQLite file or the Redis server
 * would: to damage a stored entry, and to look for anything a deleted meeting left behind.
 */
export interface RawStore {
  /** Rewrites one stored entry (its JSON, as the backend holds it). */
  rewrite(meetingId: string, seq: number, change: (entry: LogEntry) => LogEntry): Promise<void>;
  remove(meetingId: string, seq: number): Promise<void>;
  /** Entries stored for the meeting, counted by the backend itself. */
  count(meetingId: string): Promise<number>;
  /** Every row (SQLite, by meeting_id in every table) or key (Redis, by SCAN: its name or a value) of the meeting. */
  leftovers(meetingId: string): Promise<string[]>;
  close(): Promise<void>;
}

export function rawStore(srv: InProcess): RawStore {
  const redisUrl = srv.backend.env.REDIS_URL;
  return redisUrl ? redisRaw(new Redis(redisUrl)) : sqliteRaw(path.join(srv.backend.env.DATA_DIR!, SQLITE_FILE));
}

function sqliteRaw(file: string): RawStore {
  const db = new Database(file);
  return {
    async rewrite(meetingId, seq, change) {
      const row = db.prepare('SELECT * FROM log WHERE meeting_id = ? AND seq = ?').get(meetingId, seq) as Record<string, unknown>;
      const entry: LogEntry = {
        seq: row.seq as number,
        at: row.at as number,
        actor: JSON.parse(row.actor as string),
        commandId: row.command_id as string | null,
        event: JSON.parse(row.event as string),
        prevHash: row.prev_hash as string,
        hash: row.hash as string
      };
      const next = change(entry);
      db.prepare('UPDATE log SET at = ?, actor = ?, event = ?, prev_hash = ?, hash = ? WHERE meeting_id = ? AND seq = ?').run(
        next.at,
        JSON.stringify(next.actor),
        JSON.stringify(next.event),
        next.prevHash,
        next.hash,
        meetingId,
        seq
      );
    },
    async remove(meetingId, seq) {
      db.prepare('DELETE FROM log WHERE meeting_id = ? AND seq = ?').run(meetingId, seq);
    },
    async count(meetingId) {
      return (db.prepare('SELECT count(*) AS n FROM log WHERE meeting_id = ?').get(meetingId) as { n: number }).n;
    },
    async leftovers(meetingId) {
      const found: string[] = [];
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
      if (tables.sort().join() !== [...MEETING_TABLES].sort().join()) found.push(`tables ${tables.join()} differ from ${MEETING_TABLES.join()}`);
      for (const table of tables) {
        const n = (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE meeting_id = ?`).get(meetingId) as { n: number }).n;
        if (n > 0) found.push(`${table}: ${n}`);
      }
      return found;
    },
    async close() {
      db.close();
    }
  };
}

function redisRaw(admin: InstanceType<typeof Redis>): RawStore {
  const keys = redisKeys();
  return {
    // A stream entry cannot be edited in place: the stream is written again with one entry changed.
    async rewrite(meetingId, seq, change) {
      const key = keys.log(meetingId);
      const rows = await admin.xrange(key, '-', '+');
      await admin.del(key);
      for (const [id, fields] of rows) {
        const json = fields[1] ?? '';
        await admin.xadd(key, id, 'entry', id === `${seq}-0` ? JSON.stringify(change(JSON.parse(json) as LogEntry)) : json);
      }
    },
    async remove(meetingId, seq) {
      await admin.xdel(keys.log(meetingId), `${seq}-0`);
    },
    async count(meetingId) {
      return admin.xlen(keys.log(meetingId));
    },
    async leftovers(meetingId) {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await admin.scan(cursor, 'MATCH', '*', 'COUNT', 1000);
        cursor = next;
        for (const key of batch) {
          if (key.includes(meetingId)) {
            found.push(key);
            continue;
          }
          const type = await admin.type(key);
          const values = type === 'string' ? [await admin.get(key)] : type === 'hash' ? Object.values(await admin.hgetall(key)) : [];
          if (values.some((v) => v?.includes(meetingId))) found.push(`${key} -> ${meetingId}`);
        }
      } while (cursor !== '0');
      return found;
    },
    async close() {
      await admin.quit();
    }
  };
}
