import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import * as Y from 'yjs';
import type { CommandValue, LogEntry, NewEntry } from '@yishi/protocol';
import { chainEntries, genesisHash } from './chain.ts';
import type {
  AppendJoinsResult,
  AppendResult,
  CommandResult,
  CreateMeetingWithLogResult,
  DocCompaction,
  Head,
  JoinKeyClaim,
  MeetingRecord,
  Snapshot,
  Store,
  StoreHooks,
  TokenRecord
} from './port.ts';
import { verifyEntries } from './verify.ts';
import { succeeded } from './port.ts';

export interface SqliteStoreOptions {
  hooks?: StoreHooks;
}

export const SQLITE_FILE = 'yishi.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meetings (
  meeting_id TEXT PRIMARY KEY,
  join_code  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('live', 'ended'))
);
-- A join code is unique among live meetings only: once a meeting ends its code may be handed out again.
CREATE UNIQUE INDEX IF NOT EXISTS meetings_live_join_code ON meetings (join_code) WHERE status = 'live';
CREATE INDEX IF NOT EXISTS meetings_join_code ON meetings (join_code, created_at);

-- Only the sha256 of a token's secret is kept; the secret itself never reaches the store.
CREATE TABLE IF NOT EXISTS tokens (
  token_hash     TEXT PRIMARY KEY,
  token_id       TEXT NOT NULL,
  meeting_id     TEXT NOT NULL,
  role           TEXT NOT NULL,
  participant_id TEXT,
  kind           TEXT NOT NULL,
  label          TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  revoked_at     INTEGER,
  expires_at     INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_by_meeting ON tokens (meeting_id, token_id);

-- The head is kept apart from the log so that cutting entries off the end shows up in verification.
CREATE TABLE IF NOT EXISTS heads (
  meeting_id TEXT PRIMARY KEY,
  seq        INTEGER NOT NULL,
  hash       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
  meeting_id TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  command_id TEXT,
  event      TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL,
  PRIMARY KEY (meeting_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS snapshots (
  meeting_id TEXT PRIMARY KEY,
  seq        INTEGER NOT NULL,
  hash       TEXT NOT NULL,
  state      TEXT NOT NULL
);
-- A phone's join key (its hash: the key is a credential) → the participant it joined as.
CREATE TABLE IF NOT EXISTS join_keys (
  meeting_id     TEXT NOT NULL,
  key_hash       TEXT NOT NULL,
  participant_id TEXT NOT NULL,
  PRIMARY KEY (meeting_id, key_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS command_results (
  meeting_id  TEXT NOT NULL,
  command_key TEXT NOT NULL,
  result      TEXT NOT NULL,
  PRIMARY KEY (meeting_id, command_key)
) WITHOUT ROWID;

-- AUTOINCREMENT: ids are never reused, so an update appended after a compaction read its rows always
-- sorts after them (compaction relies on that).
CREATE TABLE IF NOT EXISTS doc_updates (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  meeting_id TEXT NOT NULL,
  doc_id     TEXT NOT NULL,
  data       BLOB NOT NULL,
  -- 1: the server checked the update before writing it, or it merges only such updates (S22).
  checked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS doc_updates_by_doc ON doc_updates (meeting_id, doc_id, id);

-- Named versions: written once (INSERT OR IGNORE), never updated (S21).
CREATE TABLE IF NOT EXISTS doc_versions (
  meeting_id TEXT NOT NULL,
  doc_id     TEXT NOT NULL,
  version_id TEXT NOT NULL,
  data       BLOB NOT NULL,
  PRIMARY KEY (meeting_id, doc_id, version_id)
) WITHOUT ROWID;
`;

/** Every table keyed by meeting; a table added to SCHEMA belongs here too, or deletion leaves it behind (S19). */
export const MEETING_TABLES = ['meetings', 'tokens', 'heads', 'log', 'snapshots', 'join_keys', 'command_results', 'doc_updates', 'doc_versions'] as const;

interface MeetingRow {
  meeting_id: string;
  join_code: string;
  created_at: number;
  status: MeetingRecord['status'];
}
interface TokenRow {
  token_hash: string;
  token_id: string;
  meeting_id: string;
  role: TokenRecord['role'];
  participant_id: string | null;
  kind: TokenRecord['kind'];
  label: string;
  created_at: number;
  revoked_at: number | null;
  expires_at: number | null;
}
/** A `log` table row as stored (exported for the tests that tamper with one). */
export interface LogRow {
  seq: number;
  at: number;
  actor: string;
  command_id: string | null;
  event: string;
  prev_hash: string;
  hash: string;
}
interface UpdateRow {
  id: number;
  data: Uint8Array | ArrayBuffer;
  checked: number;
}

const toMeeting = (r: MeetingRow): MeetingRecord => ({
  meetingId: r.meeting_id,
  joinCode: r.join_code,
  createdAt: r.created_at,
  status: r.status
});

const toToken = (r: TokenRow): TokenRecord => ({
  tokenId: r.token_id,
  tokenHash: r.token_hash,
  meetingId: r.meeting_id,
  role: r.role,
  participantId: r.participant_id,
  kind: r.kind,
  label: r.label,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  expiresAt: r.expires_at
});

const toEntry = (r: LogRow): LogEntry => ({
  seq: r.seq,
  at: r.at,
  actor: JSON.parse(r.actor) as LogEntry['actor'],
  commandId: r.command_id,
  event: JSON.parse(r.event) as LogEntry['event'],
  prevHash: r.prev_hash,
  hash: r.hash
});

/** libsql hands BLOBs back as Buffer or ArrayBuffer depending on version; callers get plain bytes. */
const toBytes = (v: Uint8Array | ArrayBuffer): Uint8Array =>
  v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));

/**
 * The embedded store: one SQLite file, WAL, `synchronous=FULL` so a committed append survives power
 * loss. Every write is one `BEGIN IMMEDIATE` transaction, which takes the write lock up front: two
 * processes (or two instances in one process) on the same file serialise instead of both reading the
 * same head and both appending.
 */
export async function openSqliteStore(dataDir: string, opts: SqliteStoreOptions = {}): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, SQLITE_FILE));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec(SCHEMA);
  // A file made before S22 has no `checked` column: its rows read as unchecked.
  if (!(db.prepare('PRAGMA table_info(doc_updates)').all() as { name: string }[]).some((c) => c.name === 'checked')) {
    db.exec('ALTER TABLE doc_updates ADD COLUMN checked INTEGER NOT NULL DEFAULT 0');
  }
  const hooks = opts.hooks ?? {};

  const q = {
    meeting: db.prepare('SELECT * FROM meetings WHERE meeting_id = ?'),
    liveByCode: db.prepare("SELECT * FROM meetings WHERE join_code = ? AND status = 'live'"),
    // Live first; otherwise the newest ended meeting, so a late joiner learns the meeting is over.
    byCode: db.prepare("SELECT * FROM meetings WHERE join_code = ? ORDER BY status = 'live' DESC, created_at DESC LIMIT 1"),
    insertMeeting: db.prepare('INSERT INTO meetings (meeting_id, join_code, created_at, status) VALUES (?, ?, ?, ?)'),
    setStatus: db.prepare('UPDATE meetings SET status = ? WHERE meeting_id = ?'),

    putToken: db.prepare(`INSERT INTO tokens (token_hash, token_id, meeting_id, role, participant_id, kind, label, created_at, revoked_at, expires_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (token_hash) DO UPDATE SET token_id = excluded.token_id, meeting_id = excluded.meeting_id, role = excluded.role,
        participant_id = excluded.participant_id, kind = excluded.kind, label = excluded.label,
        created_at = excluded.created_at, revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`),
    token: db.prepare('SELECT * FROM tokens WHERE token_hash = ?'),
    tokens: db.prepare('SELECT * FROM tokens WHERE meeting_id = ? ORDER BY created_at, token_id'),
    tokenById: db.prepare('SELECT revoked_at FROM tokens WHERE meeting_id = ? AND token_id = ?'),
    tokenRecordById: db.prepare('SELECT * FROM tokens WHERE meeting_id = ? AND token_id = ?'),
    // The first revocation time is kept: revoking twice is harmless.
    revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE meeting_id = ? AND token_id = ? AND revoked_at IS NULL'),

    head: db.prepare('SELECT seq, hash FROM heads WHERE meeting_id = ?'),
    setHead: db.prepare(
      'INSERT INTO heads (meeting_id, seq, hash) VALUES (?, ?, ?) ON CONFLICT (meeting_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash'
    ),
    insertEntry: db.prepare(
      'INSERT INTO log (meeting_id, seq, at, actor, command_id, event, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
    ),
    readLog: db.prepare('SELECT * FROM log WHERE meeting_id = ? AND seq >= ? ORDER BY seq'),

    // An older snapshot saved late (another node, a slow write) never replaces a newer one.
    saveSnapshot: db.prepare(`INSERT INTO snapshots (meeting_id, seq, hash, state) VALUES (?, ?, ?, ?)
      ON CONFLICT (meeting_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, state = excluded.state
      WHERE excluded.seq >= snapshots.seq`),
    snapshot: db.prepare('SELECT seq, hash, state FROM snapshots WHERE meeting_id = ?'),

    result: db.prepare('SELECT result FROM command_results WHERE meeting_id = ? AND command_key = ?'),
    putResult: db.prepare('INSERT OR IGNORE INTO command_results (meeting_id, command_key, result) VALUES (?, ?, ?)'),

    putJoinKey: db.prepare('INSERT OR IGNORE INTO join_keys (meeting_id, key_hash, participant_id) VALUES (?, ?, ?)'),
    joinKey: db.prepare('SELECT participant_id FROM join_keys WHERE meeting_id = ? AND key_hash = ?'),

    addUpdate: db.prepare('INSERT INTO doc_updates (meeting_id, doc_id, data, checked) VALUES (?, ?, ?, ?)'),
    updates: db.prepare('SELECT id, data, checked FROM doc_updates WHERE meeting_id = ? AND doc_id = ? ORDER BY id'),
    docIds: db.prepare('SELECT DISTINCT doc_id FROM doc_updates WHERE meeting_id = ? ORDER BY doc_id'),
    countUpTo: db.prepare('SELECT count(*) AS n FROM doc_updates WHERE meeting_id = ? AND doc_id = ? AND id <= ?'),
    countAfter: db.prepare('SELECT count(*) AS n FROM doc_updates WHERE meeting_id = ? AND doc_id = ? AND id > ?'),
    deleteUpTo: db.prepare('DELETE FROM doc_updates WHERE meeting_id = ? AND doc_id = ? AND id <= ?'),
    putUpdateAt: db.prepare('INSERT INTO doc_updates (id, meeting_id, doc_id, data, checked) VALUES (?, ?, ?, ?, ?)'),
    putVersion: db.prepare('INSERT OR IGNORE INTO doc_versions (meeting_id, doc_id, version_id, data) VALUES (?, ?, ?, ?)'),
    version: db.prepare('SELECT data FROM doc_versions WHERE meeting_id = ? AND doc_id = ? AND version_id = ?'),

    // Every table that holds rows of a meeting, for deleteMeeting (S19).
    deleteRows: MEETING_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE meeting_id = ?`))
  };

  const readHead = (meetingId: string): Head => {
    const row = q.head.get(meetingId) as Head | undefined;
    return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: genesisHash(meetingId) };
  };
  const count = (stmt: typeof q.countUpTo, ...args: unknown[]) => (stmt.get(...args) as { n: number }).n;

  const insertToken = (t: TokenRecord) =>
    q.putToken.run(t.tokenHash, t.tokenId, t.meetingId, t.role, t.participantId, t.kind, t.label, t.createdAt, t.revokedAt, t.expiresAt);

  const insertEntries = (meetingId: string, chained: LogEntry[]) => {
    for (const e of chained) {
      q.insertEntry.run(meetingId, e.seq, e.at, JSON.stringify(e.actor), e.commandId, JSON.stringify(e.event), e.prevHash, e.hash);
    }
  };

  const createMeeting = db.transaction((m: MeetingRecord, entries: NewEntry[], tokens: TokenRecord[]): CreateMeetingWithLogResult => {
    // A log without a record (nothing makes one, but a log is never rewritten from the genesis) counts as existing.
    const genesis = readHead(m.meetingId);
    if (q.meeting.get(m.meetingId) || genesis.seq !== 0) return { ok: false, reason: 'exists' } as const;
    if (m.status === 'live' && q.liveByCode.get(m.joinCode)) return { ok: false, reason: 'join_code_taken' } as const;
    q.insertMeeting.run(m.meetingId, m.joinCode, m.createdAt, m.status);
    const chained = chainEntries(genesis, entries);
    insertEntries(m.meetingId, chained);
    const last = chained.at(-1);
    const head = last ? { seq: last.seq, hash: last.hash } : genesis;
    if (last) q.setHead.run(m.meetingId, head.seq, head.hash);
    for (const t of tokens) insertToken(t);
    return { ok: true, entries: chained, head };
  });

  const append = db.transaction((meetingId: string, expected: Head, entries: NewEntry[], commandKey?: string, result?: CommandValue): AppendResult => {
    const head = readHead(meetingId);
    if (head.seq !== expected.seq || head.hash !== expected.hash) return { ok: false, reason: 'stale', head };
    const chained = chainEntries(head, entries);
    insertEntries(meetingId, chained);
    const last = chained.at(-1);
    const next = last ? { seq: last.seq, hash: last.hash } : head;
    q.setHead.run(meetingId, next.seq, next.hash);
    if (commandKey !== undefined) q.putResult.run(meetingId, commandKey, JSON.stringify(succeeded(next.seq, result)));
    return { ok: true, entries: chained, head: next };
  });

  const appendJoins = db.transaction((meetingId: string, expected: Head, entries: NewEntry[], tokens: TokenRecord[], claims: JoinKeyClaim[]): AppendJoinsResult => {
    const head = readHead(meetingId);
    if (head.seq !== expected.seq || head.hash !== expected.hash) return { ok: false, reason: 'stale', head };
    const taken: JoinKeyClaim[] = [];
    for (const c of claims) {
      const row = q.joinKey.get(meetingId, c.keyHash) as { participant_id: string } | undefined;
      if (row) taken.push({ keyHash: c.keyHash, participantId: row.participant_id });
    }
    if (taken.length > 0) return { ok: false, reason: 'claimed', claims: taken };
    const chained = chainEntries(head, entries);
    insertEntries(meetingId, chained);
    const last = chained.at(-1);
    const next = last ? { seq: last.seq, hash: last.hash } : head;
    if (last) q.setHead.run(meetingId, next.seq, next.hash);
    for (const t of tokens) insertToken(t);
    // A key named twice in one write is one claim: the first participant is kept, as put-if-absent keeps it.
    for (const c of claims) q.putJoinKey.run(meetingId, c.keyHash, c.participantId);
    return { ok: true, entries: chained, head: next };
  });

  // A deferred transaction is a read snapshot: head and rows come from the same moment.
  const readForVerify = db.transaction((meetingId: string) => ({
    head: readHead(meetingId),
    rows: q.readLog.all(meetingId, 0) as LogRow[]
  }));

  const putCommandResult = db.transaction((meetingId: string, commandKey: string, result: CommandResult): CommandResult => {
    q.putResult.run(meetingId, commandKey, JSON.stringify(result));
    return JSON.parse((q.result.get(meetingId, commandKey) as { result: string }).result) as CommandResult;
  });

  /**
   * Replaces rows up to `lastId` with the merged update, placed at `lastId` so it still sorts before
   * rows appended meanwhile. If the rows up to `lastId` are no longer the `n` that were merged,
   * another compaction won and already holds these updates: leave everything as it is.
   */
  const commitCompaction = db.transaction((meetingId: string, docId: string, n: number, lastId: number, merged: Uint8Array, checked: boolean): DocCompaction => {
    if (count(q.countUpTo, meetingId, docId, lastId) !== n) return { merged: 0, kept: 0 };
    q.deleteUpTo.run(meetingId, docId, lastId);
    q.putUpdateAt.run(lastId, meetingId, docId, Buffer.from(merged), checked ? 1 : 0);
    return { merged: n, kept: count(q.countAfter, meetingId, docId, lastId) };
  });

  const appendDocUpdates = db.transaction((meetingId: string, docId: string, updates: Uint8Array[], checked: boolean) => {
    for (const u of updates) q.addUpdate.run(meetingId, docId, Buffer.from(u), checked ? 1 : 0);
  });

  /**
   * [S23] A document update is committed with `synchronous = NORMAL`: in the WAL, so it survives the
   * process being killed, without waiting for the disk on the event loop (an fsync there took 4 ms at
   * the median and 29 ms at p99 on the bench machine, and stopped every connection meanwhile). The WAL
   * is fsynced right after, in libuv's thread pool (fsync of the file flushes what any connection wrote
   * to it), and again while more were committed during a sync. The meeting log stays FULL.
   */
  const walPath = join(dataDir, `${SQLITE_FILE}-wal`);
  let walFd: number | null = null;
  /** Doc commits since the last fsync began; the fsyncs under way, if any. */
  let unsynced = 0;
  let syncing: Promise<void> | null = null;
  const syncWal = (): Promise<void> => {
    if (syncing || unsynced === 0) return syncing ?? Promise.resolve();
    syncing = (async () => {
      while (unsynced > 0) {
        unsynced = 0;
        // A failed open or fsync is left to SQLite's own sync, at the next checkpoint or FULL commit.
        try {
          walFd ??= openSync(walPath, 'r+');
        } catch {
          break;
        }
        const fd = walFd;
        await new Promise<void>((resolve) => fsync(fd, () => resolve()));
      }
      syncing = null;
    })();
    return syncing;
  };
  const commitDocUpdates = (meetingId: string, docId: string, updates: Uint8Array[], checked: boolean) => {
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      appendDocUpdates.immediate(meetingId, docId, updates, checked);
    } finally {
      db.exec('PRAGMA synchronous = FULL');
    }
    unsynced++;
    void syncWal();
  };

  const deleteMeeting = db.transaction((meetingId: string): boolean => {
    let changes = 0;
    for (const stmt of q.deleteRows) changes += stmt.run(meetingId).changes;
    return changes > 0;
  });

  return {
    kind: 'sqlite',

    async createMeeting(m) {
      const created = createMeeting.immediate(m, [], []);
      return created.ok ? { ok: true } : created;
    },
    async createMeetingWithLog(m, entries, tokens) {
      return createMeeting.immediate(m, entries, tokens);
    },
    async getMeeting(meetingId) {
      const row = q.meeting.get(meetingId) as MeetingRow | undefined;
      return row ? toMeeting(row) : null;
    },
    async findMeetingByJoinCode(joinCode) {
      const row = q.byCode.get(joinCode) as MeetingRow | undefined;
      return row ? toMeeting(row) : null;
    },
    async setMeetingStatus(meetingId, status) {
      q.setStatus.run(status, meetingId);
    },

    async putToken(t) {
      insertToken(t);
    },
    async appendJoins(meetingId, expected, entries, tokens, claims) {
      return appendJoins.immediate(meetingId, expected, entries, tokens, claims);
    },
    async findToken(tokenHash) {
      const row = q.token.get(tokenHash) as TokenRow | undefined;
      return row ? toToken(row) : null;
    },
    async listTokens(meetingId) {
      return (q.tokens.all(meetingId) as TokenRow[]).map(toToken);
    },
    async getToken(meetingId, tokenId) {
      const row = q.tokenRecordById.get(meetingId, tokenId) as TokenRow | undefined;
      return row ? toToken(row) : null;
    },
    async revokeToken(meetingId, tokenId, at) {
      q.revoke.run(at, meetingId, tokenId);
      return q.tokenById.get(meetingId, tokenId) !== undefined;
    },

    async head(meetingId) {
      return readHead(meetingId);
    },
    async append(meetingId, expected, entries, commandKey, result) {
      return append.immediate(meetingId, expected, entries, commandKey, result);
    },
    async readLog(meetingId, fromSeq = 1) {
      return (q.readLog.all(meetingId, fromSeq) as LogRow[]).map(toEntry);
    },
    async verifyLog(meetingId) {
      const { head, rows } = readForVerify(meetingId);
      const raw = rows.map((r) => ({ seq: r.seq, decode: () => toEntry(r) }));
      return verifyEntries(meetingId, raw, head);
    },

    async saveSnapshot(meetingId, s) {
      q.saveSnapshot.run(meetingId, s.seq, s.hash, JSON.stringify(s.state));
    },
    async loadSnapshot(meetingId) {
      const row = q.snapshot.get(meetingId) as { seq: number; hash: string; state: string } | undefined;
      return row ? ({ seq: row.seq, hash: row.hash, state: JSON.parse(row.state) } satisfies Snapshot) : null;
    },

    async getCommandResult(meetingId, commandKey) {
      const row = q.result.get(meetingId, commandKey) as { result: string } | undefined;
      return row ? (JSON.parse(row.result) as CommandResult) : null;
    },
    async putCommandResult(meetingId, commandKey, result) {
      return putCommandResult.immediate(meetingId, commandKey, result);
    },

    async appendDocUpdate(meetingId, docId, update) {
      q.addUpdate.run(meetingId, docId, Buffer.from(update), 0);
    },
    async appendDocUpdates(meetingId, docId, updates, opts) {
      if (updates.length > 0) commitDocUpdates(meetingId, docId, updates, opts?.checked === true);
    },
    async syncDocs() {
      while (unsynced > 0 || syncing) await syncWal();
    },
    async loadDocUpdates(meetingId, docId) {
      return (q.updates.all(meetingId, docId) as UpdateRow[]).map((r) => toBytes(r.data));
    },
    async loadDocRows(meetingId, docId) {
      return (q.updates.all(meetingId, docId) as UpdateRow[]).map((r) => ({ update: toBytes(r.data), checked: r.checked === 1 }));
    },
    async listDocs(meetingId) {
      return (q.docIds.all(meetingId) as { doc_id: string }[]).map((r) => r.doc_id);
    },
    async compactDoc(meetingId, docId) {
      const rows = q.updates.all(meetingId, docId) as UpdateRow[];
      const last = rows.at(-1);
      if (!last || rows.length < 2) return { merged: 0, kept: 0 };
      const merged = Y.mergeUpdates(rows.map((r) => toBytes(r.data)));
      await hooks.beforeCompactCommit?.(meetingId, docId);
      // What merges only checked updates is checked (Yjs's own merge of them); one unchecked part, and it is not.
      return commitCompaction.immediate(meetingId, docId, rows.length, last.id, merged, rows.every((r) => r.checked === 1));
    },

    async putDocVersion(meetingId, docId, versionId, content) {
      return q.putVersion.run(meetingId, docId, versionId, Buffer.from(content)).changes > 0;
    },
    async getDocVersion(meetingId, docId, versionId) {
      const row = q.version.get(meetingId, docId, versionId) as { data: Uint8Array | ArrayBuffer } | undefined;
      return row ? toBytes(row.data) : null;
    },

    async deleteMeeting(meetingId) {
      // Deleted pages are overwritten with zeros and the WAL folded back and truncated, so the names
      // of a deleted meeting do not linger in free pages of the file (README, "Data kept").
      db.exec('PRAGMA secure_delete = ON');
      try {
        return deleteMeeting.immediate(meetingId);
      } finally {
        db.exec('PRAGMA secure_delete = OFF');
        try {
          db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        } catch {
          // Busy readers (another process on the file): the next checkpoint folds it back.
        }
      }
    },

    async close() {
      while (unsynced > 0 || syncing) await syncWal();
      if (walFd !== null) closeSync(walFd);
      walFd = null;
      if (db.open) db.close();
    }
  };
}
