import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { SQLITE_FILE, type LogRow } from '../src/sqlite.ts';
import { openSqliteStoreInWorker } from '../src/sqliteWorker.ts';
import type { Store, StoreHooks } from '../src/port.ts';
import { registerStoreContract, tamperFrom, type StoreHarness } from './contract.ts';

/** The embedded store as the server runs it: in a worker thread (the contract holds there too). */
async function makeWorkerHarness(): Promise<StoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'yishi-store-worker-'));
  const hooks: StoreHooks = {};
  const opened: Store[] = [];
  const open = async () => {
    const store = await openSqliteStoreInWorker(dir, { hooks });
    opened.push(store);
    return store;
  };
  const withDb = <T>(fn: (db: InstanceType<typeof Database>) => T): T => {
    const db = new Database(join(dir, SQLITE_FILE));
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    store: await open(),
    reopen: open,
    hooks,
    tamper: tamperFrom(
      async (meetingId, seq, change) =>
        withDb((db) => {
          const row = db.prepare('SELECT * FROM log WHERE meeting_id = ? AND seq = ?').get(meetingId, seq) as LogRow;
          const next = change({
            seq: row.seq,
            at: row.at,
            actor: JSON.parse(row.actor),
            commandId: row.command_id,
            event: JSON.parse(row.event),
            prevHash: row.prev_hash,
            hash: row.hash
          });
          if (typeof next === 'string') db.prepare('UPDATE log SET event = ? WHERE meeting_id = ? AND seq = ?').run(next, meetingId, seq);
          else db.prepare('UPDATE log SET event = ?, hash = ? WHERE meeting_id = ? AND seq = ?').run(JSON.stringify(next.event), next.hash, meetingId, seq);
        }),
      async (meetingId, seq) => withDb((db) => void db.prepare('DELETE FROM log WHERE meeting_id = ? AND seq = ?').run(meetingId, seq))
    ),
    async rawDump() {
      const files = await readdir(dir);
      const contents = await Promise.all(files.map((f) => readFile(join(dir, f))));
      return contents.map((c) => c.toString('latin1')).join('\n');
    },
    async dispose() {
      for (const store of opened) await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
}

registerStoreContract('sqlite in a worker thread', makeWorkerHarness);
