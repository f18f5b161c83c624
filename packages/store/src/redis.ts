import { Redis } from 'ioredis';
import * as Y from 'yjs';
import type { LogEntry, NewEntry } from '@yishi/protocol';
import { chainEntries, genesisHash } from './chain.ts';
import { redisRetryStrategy } from './redisRetry.ts';
import { Script } from './redisScript.ts';
import { succeeded } from './port.ts';
import type {
  AppendJoinsResult,
  AppendResult,
  CommandResult,
  CreateMeetingWithLogResult,
  Head,
  JoinKeyClaim,
  MeetingRecord,
  Store,
  StoreHooks,
  TokenRecord
} from './port.ts';
import { verifyEntries } from './verify.ts';

export interface RedisStoreOptions {
  /** Prefix of every key; tests use a fresh one per store. */
  prefix?: string;
  hooks?: StoreHooks;
  /** How long one command may wait for its reply before it fails (default 5 s). */
  commandTimeoutMs?: number;
}

/**
 * Key layout. Every key of one meeting carries the hash tag `{meetingId}` so a meeting lives in one
 * Cluster slot and its scripts stay single-slot. Join codes and tokens are looked up across meetings
 * and get their own keys.
 */
export function redisKeys(prefix = 'yishi:') {
  const m = (meetingId: string) => `${prefix}{${meetingId}}:`;
  return {
    meeting: (meetingId: string) => `${m(meetingId)}meeting`,
    tokens: (meetingId: string) => `${m(meetingId)}tokens`,
    head: (meetingId: string) => `${m(meetingId)}head`,
    /** Stream; entry id `<seq>-0`, one field `entry` holding the LogEntry JSON. Never trimmed. */
    log: (meetingId: string) => `${m(meetingId)}log`,
    snapshot: (meetingId: string) => `${m(meetingId)}snapshot`,
    results: (meetingId: string) => `${m(meetingId)}results`,
    /** Hash: hash of a phone's join key → the participant it joined as. */
    joinKeys: (meetingId: string) => `${m(meetingId)}joinkeys`,
    /** Stream of Yjs updates appended since the last compaction. */
    doc: (meetingId: string, docId: string) => `${m(meetingId)}doc:${docId}`,
    /** Hash: `update` = all compacted updates merged, `through` = id of the last stream entry folded in. */
    docBase: (meetingId: string, docId: string) => `${m(meetingId)}docbase:${docId}`,
    /** Set of the doc ids with at least one stored update (written with each append). */
    docIds: (meetingId: string) => `${m(meetingId)}docids`,
    /** Hash: `<docId>/<versionId>` → a named version's content, written with HSETNX only (S21). */
    docVersions: (meetingId: string) => `${m(meetingId)}docversions`,
    joinCode: (code: string) => `${prefix}code:{${code}}`,
    token: (tokenHash: string) => `${prefix}token:${tokenHash}`
  };
}


/**
 * The compare half of every append (KEYS[1] head, KEYS[2] log; ARGV[1..3] expected seq, expected hash,
 * genesis hash): answers {0, seq, hash} when the head moved, and refuses a log that does not end at its head.
 */
const HEAD_CHECK = `local cur = redis.call('HMGET', KEYS[1], 'seq', 'hash')
local seq, hash = cur[1] or '0', cur[2] or ARGV[3]
if seq ~= ARGV[1] or hash ~= ARGV[2] then return {0, seq, hash} end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
if (last and last[1] or '0-0') ~= seq .. '-0' then return redis.error_reply('yishi: log does not end at its head') end
`;

/**
 * Appends at the expected head or not at all. The chain hashes come from Node (Redis 7.0's Lua has no
 * sha256); the script only compares and writes, so the check and the write are one atomic step.
 * It checks everything before writing anything: Redis does not undo a script's writes on error.
 * KEYS: head, log, results. ARGV: expected seq, expected hash, genesis hash, new seq, new hash,
 * command key ('' for none), command result, then (stream id, entry json) pairs.
 */
const APPEND = new Script(`
${HEAD_CHECK}for i = 8, #ARGV, 2 do redis.call('XADD', KEYS[2], ARGV[i], 'entry', ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'seq', ARGV[4], 'hash', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSETNX', KEYS[3], ARGV[6], ARGV[7]) end
return {1, ARGV[4], ARGV[5]}
`);

/**
 * A meeting with its first entries and tokens, in one script, so a crash or a refusal leaves none of
 * it. The join code's holder is compared against what Node read (its record is a declared key).
 * Unlike every other script this one spans slots (the code index and the token keys live apart from
 * the meeting): it needs one Redis, not a Cluster, which is what the adapter connects to.
 * KEYS: meeting, head, log, tokens index, code, holder's meeting (the new meeting's own key when
 * none), then one key per token. ARGV: expected holder ('' = none), status, join code, JSON payload
 * {meeting: [field, value…], head: [seq, hash] or [], entries: [[id, json]…], tokens: [{id, hash, fields}]}.
 * Answers 'ok', 'exists', 'taken' or 'moved' (the holder changed since Node read it: read again).
 */
const CREATE_MEETING = new Script(`
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 'exists' end
if ARGV[2] == 'live' then
  if (redis.call('GET', KEYS[5]) or '') ~= ARGV[1] then return 'moved' end
  if ARGV[1] ~= '' then
    local held = redis.call('HMGET', KEYS[6], 'status', 'joinCode')
    if held[1] == 'live' and held[2] == ARGV[3] then return 'taken' end
  end
end
local p = cjson.decode(ARGV[4])
redis.call('HSET', KEYS[1], unpack(p.meeting))
for _, e in ipairs(p.entries) do redis.call('XADD', KEYS[3], e[1], 'entry', e[2]) end
if #p.head == 2 then redis.call('HSET', KEYS[2], 'seq', p.head[1], 'hash', p.head[2]) end
for i, t in ipairs(p.tokens) do
  redis.call('DEL', KEYS[6 + i])
  redis.call('HSET', KEYS[6 + i], unpack(t.fields))
  redis.call('HSET', KEYS[4], t.id, t.hash)
end
if ARGV[2] == 'live' then redis.call('SET', KEYS[5], p.meeting[2]) end
return 'ok'
`);

/**
 * A group commit of joins: `APPEND`'s check, then no join key may be claimed already (else every
 * claimed one is answered with its participant and nothing is written), then the entries, the tokens
 * and the claims. Spans slots as CREATE_MEETING does (token keys live apart from the meeting).
 * KEYS: head, log, join keys, tokens index, then one key per token. ARGV: expected seq, expected hash,
 * genesis hash, new seq, new hash, JSON payload {entries: [[id, json]…], tokens: [{id, hash, fields}],
 * claims: [[keyHash, participantId]…]}.
 */
const APPEND_JOINS = new Script(`
${HEAD_CHECK}local p = cjson.decode(ARGV[6])
local taken = {}
for _, c in ipairs(p.claims) do
  local held = redis.call('HGET', KEYS[3], c[1])
  if held then taken[#taken + 1] = c[1]; taken[#taken + 1] = held end
end
if #taken > 0 then return {2, taken} end
for _, e in ipairs(p.entries) do redis.call('XADD', KEYS[2], e[1], 'entry', e[2]) end
if #p.entries > 0 then redis.call('HSET', KEYS[1], 'seq', ARGV[4], 'hash', ARGV[5]) end
for i, t in ipairs(p.tokens) do
  redis.call('DEL', KEYS[4 + i])
  redis.call('HSET', KEYS[4 + i], unpack(t.fields))
  redis.call('HSET', KEYS[4], t.id, t.hash)
end
for _, c in ipairs(p.claims) do redis.call('HSETNX', KEYS[3], c[1], c[2]) end
return {1, ARGV[4], ARGV[5]}
`);

/** Put-if-absent, answering with whatever is stored. KEYS: hash. ARGV: field, value. */
const PUT_IF_ABSENT = new Script(`
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[1], ARGV[1])
`);

/** Sets fields of an existing record; never creates a partial one. KEYS: hash. ARGV: mode, field, value. */
const UPDATE_HASH = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'nx' then redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) else redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
return 1
`);

/** Keeps the newest snapshot by seq. KEYS: snapshot. ARGV: seq, hash, state json. */
const SAVE_SNAPSHOT = new Script(`
local cur = redis.call('HGET', KEYS[1], 'seq')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'hash', ARGV[2], 'state', ARGV[3])
return 1
`);

/**
 * Folds the stream entries up to ARGV[2] into the base. `through` only moves forward, so if it is not
 * what the compaction read, another compaction already folded these updates: change nothing.
 * Entries appended meanwhile have larger ids and survive the trim (MINID drops ids below ARGV[3]).
 * KEYS: base, doc stream. ARGV: expected through ('' = none), new through, first id to keep, merged,
 * whether the merged update is checked ('1' or '0', S22).
 */
const COMMIT_COMPACTION = new Script(`
if (redis.call('HGET', KEYS[1], 'through') or '') ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'update', ARGV[4], 'through', ARGV[2], 'checked', ARGV[5])
redis.call('XTRIM', KEYS[2], 'MINID', ARGV[3])
return redis.call('XLEN', KEYS[2])
`);

/**
 * Deletes a meeting and everything of it in one step, so a command or a join racing the deletion
 * lands wholly before it (and is deleted) or after it. The keys of the meeting's documents and tokens
 * are only known from its indexes, so the script builds them from the prefix: like CREATE_MEETING it
 * needs one Redis, not a Cluster. The join code's index is dropped only while it still names this
 * meeting (a later meeting may have taken the code over).
 * KEYS: meeting, tokens index, doc ids, then the meeting's fixed keys. ARGV: key prefix of the meeting
 * (`<prefix>{<id>}:`), token key prefix, join code key prefix, meeting id.
 * Answers the number of keys deleted.
 */
const DELETE_MEETING = new Script(`
local n = 0
local code = redis.call('HGET', KEYS[1], 'joinCode')
if code then
  local codeKey = ARGV[3] .. '{' .. code .. '}'
  if redis.call('GET', codeKey) == ARGV[4] then n = n + redis.call('DEL', codeKey) end
end
for _, tokenHash in ipairs(redis.call('HVALS', KEYS[2])) do
  local key = ARGV[2] .. tokenHash
  if redis.call('HGET', key, 'meetingId') == ARGV[4] then n = n + redis.call('DEL', key) end
end
for _, docId in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  n = n + redis.call('DEL', ARGV[1] .. 'doc:' .. docId, ARGV[1] .. 'docbase:' .. docId)
end
for i = 1, #KEYS do n = n + redis.call('DEL', KEYS[i]) end
return n
`);

type Fields = Record<string, string>;

const toMeeting = (h: Fields): MeetingRecord | null =>
  h.meetingId === undefined
    ? null
    : { meetingId: h.meetingId, joinCode: h.joinCode ?? '', createdAt: Number(h.createdAt), status: h.status === 'ended' ? 'ended' : 'live' };

const tokenFields = (t: TokenRecord): string[] => {
  const f = ['tokenId', t.tokenId, 'tokenHash', t.tokenHash, 'meetingId', t.meetingId, 'role', t.role, 'kind', t.kind];
  f.push('label', t.label, 'createdAt', String(t.createdAt));
  // null is stored as an absent field, so revocation can be a plain HSETNX.
  if (t.participantId !== null) f.push('participantId', t.participantId);
  if (t.revokedAt !== null) f.push('revokedAt', String(t.revokedAt));
  if (t.expiresAt !== null) f.push('expiresAt', String(t.expiresAt));
  return f;
};

const toToken = (h: Fields): TokenRecord | null =>
  h.tokenHash === undefined
    ? null
    : {
        tokenId: h.tokenId ?? '',
        tokenHash: h.tokenHash,
        meetingId: h.meetingId ?? '',
        role: h.role as TokenRecord['role'],
        participantId: h.participantId ?? null,
        kind: h.kind as TokenRecord['kind'],
        label: h.label ?? '',
        createdAt: Number(h.createdAt),
        revokedAt: h.revokedAt === undefined ? null : Number(h.revokedAt),
        expiresAt: h.expiresAt === undefined ? null : Number(h.expiresAt)
      };

/** `<seq>-0` stream ids keep the seq readable in the stream itself. */
const seqOfId = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** The id just after `ms-n`, as XTRIM MINID wants an inclusive lower bound of what to keep. */
const nextStreamId = (id: string): string => {
  const [ms, n] = id.split('-');
  return `${ms}-${BigInt(n ?? '0') + 1n}`;
};

/** MULTI replies, failing on the first command that failed. */
async function execAll(tx: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const replies = await tx.exec();
  if (!replies) throw new Error('redis transaction aborted');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

type StreamEntry<T> = [id: T, fields: T[]];

/**
 * The Redis store. Each meeting's log is a stream appended by one Lua script that compares the
 * expected seq and head hash; with AOF `appendfsync always` a reply means the write is on disk.
 */
export async function openRedisStore(url: string, opts: RedisStoreOptions = {}): Promise<Store> {
  const k = redisKeys(opts.prefix);
  const hooks = opts.hooks ?? {};
  const redis = new Redis(url, {
    // ioredis reconnects on its own; a command waits through a few reconnect attempts (about a second)
    // and then fails, so a caller sees an error instead of hanging while Redis is away.
    maxRetriesPerRequest: 5,
    // A write whose reply was lost must not be silently sent again: the caller gets an error and the
    // command result (written atomically with the append) tells it whether the write landed.
    autoResendUnfulfilledCommands: false,
    // ...and such a command would otherwise wait for its reply forever (a Redis restarted within a few
    // milliseconds never answers it), holding up every later command of its meeting on this node.
    commandTimeout: opts.commandTimeoutMs ?? 5_000,
    retryStrategy: redisRetryStrategy
  });
  // Connection errors are retried by ioredis and surface as failed commands; log nothing unhandled.
  redis.on('error', () => undefined);
  await redis.ping();
  let closed = false;

  const readHead = async (meetingId: string): Promise<Head> => {
    const [seq, hash] = await redis.hmget(k.head(meetingId), 'seq', 'hash');
    return seq != null && hash != null ? { seq: Number(seq), hash } : { seq: 0, hash: genesisHash(meetingId) };
  };

  /** The base and the stream in one MULTI: a compaction in between could otherwise hide updates. */
  async function readDoc(meetingId: string, docId: string) {
    const [baseReply, rows] = await execAll(
      redis
        .multi()
        .hmgetBuffer(k.docBase(meetingId, docId), 'update', 'through', 'checked')
        .xrangeBuffer(k.doc(meetingId, docId), '-', '+')
    );
    const [base, through, baseChecked] = baseReply as (Buffer | null)[];
    return {
      base: base ? { update: new Uint8Array(base), checked: baseChecked?.toString() === '1' } : null,
      through: through?.toString() ?? '',
      // An entry is `u <update>`, and `c 1` after it when its writer checked it (S22).
      entries: (rows as StreamEntry<Buffer>[]).map(([id, fields]) => ({
        id: id.toString(),
        update: new Uint8Array(fields[1] ?? []),
        checked: fields[2]?.toString() === 'c' && fields[3]?.toString() === '1'
      }))
    };
  }

  const getMeeting = async (meetingId: string) => toMeeting(await redis.hgetall(k.meeting(meetingId)));

  /**
   * Writes the meeting with its entries and tokens in one script. The code index moves only from
   * nobody or from a meeting that has ended, compared against the holder read just before; losing
   * that race means looking again.
   */
  const createMeeting = async (m: MeetingRecord, entries: NewEntry[], tokens: TokenRecord[]): Promise<CreateMeetingWithLogResult> => {
    const genesis = { seq: 0, hash: genesisHash(m.meetingId) };
    const chained = chainEntries(genesis, entries);
    const last = chained.at(-1);
    const payload = JSON.stringify({
      meeting: ['meetingId', m.meetingId, 'joinCode', m.joinCode, 'createdAt', String(m.createdAt), 'status', m.status],
      head: last ? [String(last.seq), last.hash] : [],
      entries: chained.map((e) => [`${e.seq}-0`, JSON.stringify(e)]),
      tokens: tokens.map((t) => ({ id: t.tokenId, hash: t.tokenHash, fields: tokenFields(t) }))
    });
    const codeKey = k.joinCode(m.joinCode);
    for (let attempt = 0; attempt < 5; attempt++) {
      const holder = m.status === 'live' ? await redis.get(codeKey) : null;
      const keys = [k.meeting(m.meetingId), k.head(m.meetingId), k.log(m.meetingId), k.tokens(m.meetingId), codeKey, k.meeting(holder ?? m.meetingId)];
      for (const t of tokens) keys.push(k.token(t.tokenHash));
      const outcome = await CREATE_MEETING.run(redis, keys, [holder ?? '', m.status, m.joinCode, payload]);
      if (outcome === 'ok') return { ok: true, entries: chained, head: last ? { seq: last.seq, hash: last.hash } : genesis };
      if (outcome === 'exists') return { ok: false, reason: 'exists' };
      if (outcome === 'taken') return { ok: false, reason: 'join_code_taken' };
    }
    return { ok: false, reason: 'join_code_taken' };
  };

  return {
    kind: 'redis',

    async createMeeting(m) {
      const created = await createMeeting(m, [], []);
      return created.ok ? { ok: true } : created;
    },
    createMeetingWithLog: createMeeting,
    getMeeting,
    async findMeetingByJoinCode(joinCode) {
      const holder = await redis.get(k.joinCode(joinCode));
      const meeting = holder === null ? null : await getMeeting(holder);
      return meeting?.joinCode === joinCode ? meeting : null;
    },
    async setMeetingStatus(meetingId, status) {
      // An ended meeting keeps its code in the index until a new meeting takes the code over.
      await UPDATE_HASH.run(redis, [k.meeting(meetingId)], ['set', 'status', status]);
    },

    async putToken(t) {
      const key = k.token(t.tokenHash);
      // One transaction: a token is never stored without its place in the meeting's index (which
      // listing and revoking go through), nor listed without the token.
      await execAll(redis.multi().del(key).hset(key, ...tokenFields(t)).hset(k.tokens(t.meetingId), t.tokenId, t.tokenHash));
    },
    async appendJoins(meetingId, expected, entries, tokens, claims) {
      const chained = chainEntries(expected, entries);
      const last = chained.at(-1) ?? expected;
      const payload = JSON.stringify({
        entries: chained.map((e) => [`${e.seq}-0`, JSON.stringify(e)]),
        tokens: tokens.map((t) => ({ id: t.tokenId, hash: t.tokenHash, fields: tokenFields(t) })),
        claims: claims.map((c) => [c.keyHash, c.participantId])
      });
      const keys = [k.head(meetingId), k.log(meetingId), k.joinKeys(meetingId), k.tokens(meetingId), ...tokens.map((t) => k.token(t.tokenHash))];
      const reply = (await APPEND_JOINS.run(redis, keys, [String(expected.seq), expected.hash, genesisHash(meetingId), String(last.seq), last.hash, payload])) as [number, ...unknown[]];
      if (reply[0] === 2) {
        const taken = reply[1] as string[];
        const claimed: JoinKeyClaim[] = [];
        for (let i = 0; i < taken.length; i += 2) claimed.push({ keyHash: taken[i]!, participantId: taken[i + 1]! });
        return { ok: false, reason: 'claimed', claims: claimed } satisfies AppendJoinsResult;
      }
      const head = { seq: Number(reply[1]), hash: String(reply[2]) };
      return reply[0] === 1 ? { ok: true, entries: chained, head } : { ok: false, reason: 'stale', head };
    },
    async findToken(tokenHash) {
      return toToken(await redis.hgetall(k.token(tokenHash)));
    },
    async listTokens(meetingId) {
      const hashes = Object.values(await redis.hgetall(k.tokens(meetingId)));
      const tokens = await Promise.all(hashes.map(async (h) => toToken(await redis.hgetall(k.token(h)))));
      return tokens
        .filter((t): t is TokenRecord => t !== null && t.meetingId === meetingId)
        .sort((a, b) => a.createdAt - b.createdAt || (a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0));
    },
    async getToken(meetingId, tokenId) {
      const tokenHash = await redis.hget(k.tokens(meetingId), tokenId);
      const token = tokenHash === null ? null : toToken(await redis.hgetall(k.token(tokenHash)));
      return token?.meetingId === meetingId && token.tokenId === tokenId ? token : null;
    },
    async revokeToken(meetingId, tokenId, at) {
      const tokenHash = await redis.hget(k.tokens(meetingId), tokenId);
      if (tokenHash === null) return false;
      // HSETNX keeps the first revocation time: revoking twice is harmless.
      return (await UPDATE_HASH.run(redis, [k.token(tokenHash)], ['nx', 'revokedAt', String(at)])) === 1;
    },

    head: readHead,
    async append(meetingId, expected, entries, commandKey, value) {
      const chained = chainEntries(expected, entries);
      const last = chained.at(-1) ?? expected;
      const result: CommandResult = succeeded(last.seq, value);
      const args: string[] = [String(expected.seq), expected.hash, genesisHash(meetingId), String(last.seq), last.hash];
      args.push(commandKey ?? '', JSON.stringify(result));
      for (const e of chained) args.push(`${e.seq}-0`, JSON.stringify(e));
      const keys = [k.head(meetingId), k.log(meetingId), k.results(meetingId)];
      const [ok, seq, hash] = (await APPEND.run(redis, keys, args)) as [number, string, string];
      const head = { seq: Number(seq), hash };
      return ok === 1 ? { ok: true, entries: chained, head } : ({ ok: false, reason: 'stale', head } satisfies AppendResult);
    },
    async readLog(meetingId, fromSeq = 1) {
      const start = fromSeq > 0 ? `${fromSeq}-0` : '-';
      const rows = await redis.xrange(k.log(meetingId), start, '+');
      return rows.map(([, fields]) => JSON.parse(fields[1] ?? 'null') as LogEntry);
    },
    async verifyLog(meetingId) {
      // One MULTI so the head and the entries are read at the same moment.
      const [head, rows] = await execAll(redis.multi().hmget(k.head(meetingId), 'seq', 'hash').xrange(k.log(meetingId), '-', '+'));
      const [seq, hash] = head as (string | null)[];
      const storedHead = seq != null && hash != null ? { seq: Number(seq), hash } : { seq: 0, hash: genesisHash(meetingId) };
      const raw = (rows as StreamEntry<string>[]).map(([id, fields]) => ({
        seq: seqOfId(id),
        decode: () => JSON.parse(fields[fields.indexOf('entry') + 1] ?? '') as unknown
      }));
      return verifyEntries(meetingId, raw, storedHead);
    },

    async saveSnapshot(meetingId, s) {
      await SAVE_SNAPSHOT.run(redis, [k.snapshot(meetingId)], [String(s.seq), s.hash, JSON.stringify(s.state)]);
    },
    async loadSnapshot(meetingId) {
      const [seq, hash, state] = await redis.hmget(k.snapshot(meetingId), 'seq', 'hash', 'state');
      return seq != null && hash != null && state != null ? { seq: Number(seq), hash, state: JSON.parse(state) as unknown } : null;
    },

    async getCommandResult(meetingId, commandKey) {
      const stored = await redis.hget(k.results(meetingId), commandKey);
      return stored === null ? null : (JSON.parse(stored) as CommandResult);
    },
    async putCommandResult(meetingId, commandKey, result) {
      const stored = await PUT_IF_ABSENT.run(redis, [k.results(meetingId)], [commandKey, JSON.stringify(result)]);
      return JSON.parse(String(stored)) as CommandResult;
    },

    async appendDocUpdate(meetingId, docId, update) {
      await execAll(redis.multi().xadd(k.doc(meetingId, docId), '*', 'u', Buffer.from(update)).sadd(k.docIds(meetingId), docId));
    },
    async appendDocUpdates(meetingId, docId, updates, opts) {
      if (updates.length === 0) return;
      const key = k.doc(meetingId, docId);
      const multi = redis.multi();
      for (const u of updates) {
        if (opts?.checked) multi.xadd(key, '*', 'u', Buffer.from(u), 'c', '1');
        else multi.xadd(key, '*', 'u', Buffer.from(u));
      }
      await execAll(multi.sadd(k.docIds(meetingId), docId));
    },
    async syncDocs() {
      // Each append was acknowledged after Redis's own fsync (appendfsync always).
    },
    async listDocs(meetingId) {
      return (await redis.smembers(k.docIds(meetingId))).sort();
    },
    async loadDocUpdates(meetingId, docId) {
      const { base, entries } = await readDoc(meetingId, docId);
      return [...(base ? [base.update] : []), ...entries.map((e) => e.update)];
    },
    async loadDocRows(meetingId, docId) {
      const { base, entries } = await readDoc(meetingId, docId);
      return [...(base ? [base] : []), ...entries.map(({ update, checked }) => ({ update, checked }))];
    },
    async compactDoc(meetingId, docId) {
      const { base, through, entries } = await readDoc(meetingId, docId);
      const rows = [...(base ? [base] : []), ...entries];
      const parts = rows.map((r) => r.update);
      const last = entries.at(-1);
      if (!last || parts.length < 2) return { merged: 0, kept: 0 };
      const merged = Y.mergeUpdates(parts);
      await hooks.beforeCompactCommit?.(meetingId, docId);
      const kept = (await COMMIT_COMPACTION.run(
        redis,
        [k.docBase(meetingId, docId), k.doc(meetingId, docId)],
        // What merges only checked updates is checked; one unchecked part, and it is not (S22).
        [through, last.id, nextStreamId(last.id), Buffer.from(merged), rows.every((r) => r.checked) ? '1' : '0']
      )) as number;
      return kept < 0 ? { merged: 0, kept: 0 } : { merged: parts.length, kept };
    },

    async putDocVersion(meetingId, docId, versionId, content) {
      return (await redis.hsetnx(k.docVersions(meetingId), `${docId}/${versionId}`, Buffer.from(content))) === 1;
    },
    async getDocVersion(meetingId, docId, versionId) {
      const stored = await redis.hgetBuffer(k.docVersions(meetingId), `${docId}/${versionId}`);
      return stored === null ? null : new Uint8Array(stored);
    },

    async deleteMeeting(meetingId) {
      const prefix = opts.prefix ?? 'yishi:';
      const keys = [
        k.meeting(meetingId),
        k.tokens(meetingId),
        k.docIds(meetingId),
        k.head(meetingId),
        k.log(meetingId),
        k.snapshot(meetingId),
        k.results(meetingId),
        k.joinKeys(meetingId),
        k.docVersions(meetingId)
      ];
      const deleted = (await DELETE_MEETING.run(redis, keys, [`${prefix}{${meetingId}}:`, `${prefix}token:`, `${prefix}code:`, meetingId])) as number;
      return deleted > 0;
    },

    async close() {
      if (closed) return;
      closed = true;
      await redis.quit();
    }
  };
}
