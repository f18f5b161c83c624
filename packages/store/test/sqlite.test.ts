import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MEETING_TABLES, SQLITE_FILE, openSqliteStore, type LogRow } from '../src/sqlite.ts';
import type { Store, StoreHooks } from '../src/port.ts';
import { registerStoreContract, tamperFrom, type StoreHarness } from './contract.ts';

async function makeSqliteHarness(): Promise<StoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'yishi-store-'));
  const hooks: StoreHooks = {};
  const opened: Store[] = [];
  const open = async () => {
    const store = await openSqliteStore(dir, { hooks });
    opened.push(store);
    return store;
  };
  // Tampering goes around the store, through a connection of its own, as someone with the file would.
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
          if (typeof next === 'string') {
            db.prepare('UPDATE log SET event = ? WHERE meeting_id = ? AND seq = ?').run(next, meetingId, seq);
          } else {
            db.prepare('UPDATE log SET event = ?, hash = ? WHERE meeting_id = ? AND seq = ?').run(JSON.stringify(next.event), next.hash, meetingId, seq);
          }
        }),
      async (meetingId, seq) => withDb((db) => void db.prepare('DELETE FROM log WHERE meeting_id = ? AND seq = ?').run(meetingId, seq))
    ),
    async rawDump() {
      // The database, its WAL and shared-memory files: a secret in any page would show up here.
      const files = await readdir(dir);
      const contents = await Promise.all(files.map((f) => readFile(join(dir, f))));
      return contents.map((c) => c.toString('latin1')).join('\n');
    },
    async leftovers(meetingId) {
      return withDb((db) => {
        // Every table of the file, not only the ones the store names: a table added without deletion shows up here.
        const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
        const found: string[] = [];
        for (const table of tables) {
          const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
          if (!columns.includes('meeting_id')) {
            found.push(`table ${table} has no meeting_id column`);
            continue;
          }
          const n = (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE meeting_id = ?`).get(meetingId) as { n: number }).n;
          if (n > 0) found.push(`${table}: ${n} rows`);
        }
        expect(tables.sort()).toEqual([...MEETING_TABLES].sort());
        return found;
      });
    },
    async dispose() {
      for (const store of opened) await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
}

registerStoreContract('sqlite', makeSqliteHarness);

describe('sqlite: document updates and a killed process', () => {
  it('[S23] every document update whose append resolved is there after the process is killed with SIGKILL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yishi-store-kill-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'docWriter.ts'), dir, '200'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let said = 0;
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          const lines = d.toString().trim().split('\n');
          said = Number(lines.at(-1));
          // Killed the moment the 150th append resolved: appends after it may or may not be there.
          if (said >= 150) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.once('exit', () => reject(new Error(`writer exited after ${said} appends`)));
      });
      await exited;
      const store = await openSqliteStore(dir);
      try {
        const rows = await store.loadDocRows('m-kill', 'notes');
        expect(rows.length).toBeGreaterThanOrEqual(said);
        expect(rows.every((r) => r.checked)).toBe(true);
        const doc = new Y.Doc();
        for (const r of rows) Y.applyUpdate(doc, r.update);
        expect([...doc.getText('notes').toString()]).toHaveLength(rows.length);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite: a file from before the mark', () => {
  it('[S22] rows written before the checked column existed load unmarked; new groups carry the mark', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yishi-store-old-'));
    try {
      const old = new Database(join(dir, SQLITE_FILE));
      old.exec('CREATE TABLE doc_updates (id INTEGER PRIMARY KEY AUTOINCREMENT, meeting_id TEXT NOT NULL, doc_id TEXT NOT NULL, data BLOB NOT NULL)');
      old.prepare('INSERT INTO doc_updates (meeting_id, doc_id, data) VALUES (?, ?, ?)').run('m-old', 'notes', Buffer.from([1, 2, 3]));
      old.close();
      const store = await openSqliteStore(dir);
      try {
        await store.appendDocUpdates('m-old', 'notes', [Uint8Array.from([4, 5])], { checked: true });
        expect(await store.loadDocRows('m-old', 'notes')).toEqual([
          { update: Uint8Array.from([1, 2, 3]), checked: false },
          { update: Uint8Array.from([4, 5]), checked: true }
        ]);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
