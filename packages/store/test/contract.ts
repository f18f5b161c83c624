import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { LogEntry as LogEntryOf, NewEntry as NewEntryOf } from '@yishi/protocol';
import { entryHash, genesisHash, hashToken } from '../src/chain.ts';
import type { Head, MeetingRecord, Store, StoreHooks, TokenRecord } from '../src/port.ts';

/** The store keeps events as opaque JSON; these two shapes stand in for a domain's events in the contract. */
type TestEvent = { type: 'participant.joined'; participantId: string; name: string; group: string } | { type: 'joining.closed' };
type LogEntry = LogEntryOf<TestEvent>;
type NewEntry = NewEntryOf<TestEvent>;

/** Backend-specific ways to damage a stored log, as an attacker or a bad disk would. */
export interface Tamper {
  /** Changes an entry's event but leaves its stored hash: the entry no longer matches its hash. */
  alter(meetingId: string, seq: number): Promise<void>;
  /** Deletes one entry. */
  remove(meetingId: string, seq: number): Promise<void>;
  /** Changes an entry's event and recomputes its hash: only the next entry's link gives it away. */
  forge(meetingId: string, seq: number): Promise<void>;
  /** Overwrites an entry's stored JSON with bytes that do not parse. */
  corrupt(meetingId: string, seq: number): Promise<void>;
}

export interface StoreHarness {
  store: Store;
  /** A second, independent store on the same data: another node, or the same node after a restart. */
  reopen(): Promise<Store>;
  /** Hooks every store of this harness was opened with; tests set and clear them. */
  hooks: StoreHooks;
  tamper: Tamper;
  /** Everything the backend holds (files, keys, values) as text, to search for what must not be there. */
  rawDump(): Promise<string>;
  /**
   * What the backend still holds of a meeting, found by looking (every table by meeting_id; every
   * Redis key by SCAN, whether its name or one of its values names the meeting): one line per find.
   */
  leftovers(meetingId: string): Promise<string[]>;
  /** Closes every store the harness opened and removes its data. */
  dispose(): Promise<void>;
}

/**
 * Rewrites one stored entry: `change` returns a replacement entry, or a string to store verbatim in
 * place of the entry's JSON (the event column in SQLite).
 */
export type RewriteEntry = (meetingId: string, seq: number, change: (entry: LogEntryOf) => LogEntryOf | string) => Promise<void>;

/** Builds the tamper operations from a backend's two primitives. */
export function tamperFrom(rewrite: RewriteEntry, remove: Tamper['remove']): Tamper {
  const other: TestEvent = { type: 'joining.closed' };
  return {
    alter: (meetingId, seq) => rewrite(meetingId, seq, (e) => ({ ...e, event: other })),
    remove,
    forge: (meetingId, seq) => rewrite(meetingId, seq, (e) => ({ ...e, event: other, hash: entryHash(e.prevHash, { ...e, event: other }) })),
    corrupt: (meetingId, seq) => rewrite(meetingId, seq, () => '{"type":"participant.joined","na')
  };
}

const id = (tag: string) => `${tag}-${randomBytes(6).toString('hex')}`;

const meeting = (joinCode: string, over: Partial<MeetingRecord> = {}): MeetingRecord => ({
  meetingId: id('m'),
  joinCode,
  createdAt: 1_700_000_000_000,
  status: 'live',
  ...over
});

const joined = (name: string, at = 1_700_000_000_000): NewEntry => ({
  at,
  actor: { role: 'system' },
  commandId: null,
  event: { type: 'participant.joined', participantId: id('p'), name, group: 'g1' }
});

/** Appends entries one command at a time, the way the server does. */
async function appendAll(store: Store, meetingId: string, names: string[]): Promise<Head> {
  let head = await store.head(meetingId);
  for (const name of names) {
    const r = await store.append(meetingId, head, [joined(name)]);
    if (!r.ok) throw new Error('unexpected stale append');
    head = r.head;
  }
  return head;
}

/** A tiny reducer for S7; the store itself knows no domain. */
type Roster = { names: string[]; closed: boolean };
const emptyRoster: Roster = { names: [], closed: false };
const fold = (state: Roster, entries: LogEntryOf[]): Roster =>
  (entries as LogEntry[]).reduce<Roster>((s, { event }) => {
    if (event.type === 'participant.joined') return { ...s, names: [...s.names, event.name] };
    if (event.type === 'joining.closed') return { ...s, closed: true };
    return s;
  }, state);

export function registerStoreContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('[S1] a meeting is created, found by id and by join code; a live code is not handed out twice', async () => {
      const a = meeting('ABC123');
      expect(await store.createMeeting(a)).toEqual({ ok: true });
      expect(await store.getMeeting(a.meetingId)).toEqual(a);
      expect(await store.findMeetingByJoinCode('ABC123')).toEqual(a);
      expect(await store.findMeetingByJoinCode('NOPE99')).toBeNull();
      expect(await store.getMeeting('m-unknown')).toBeNull();

      expect(await store.createMeeting(meeting('ABC123'))).toEqual({ ok: false, reason: 'join_code_taken' });
      expect(await store.createMeeting({ ...a, joinCode: 'OTHER1' })).toEqual({ ok: false, reason: 'exists' });
      expect(await store.findMeetingByJoinCode('ABC123')).toEqual(a);
    });

    it('[S1] the code of an ended meeting can be taken over by a new meeting', async () => {
      const a = meeting('CODE42');
      await store.createMeeting(a);
      await store.setMeetingStatus(a.meetingId, 'ended');
      expect(await store.findMeetingByJoinCode('CODE42')).toEqual({ ...a, status: 'ended' });

      const b = meeting('CODE42', { createdAt: a.createdAt + 1 });
      expect(await store.createMeeting(b)).toEqual({ ok: true });
      expect(await store.findMeetingByJoinCode('CODE42')).toEqual(b);
      expect(await store.getMeeting(a.meetingId)).toEqual({ ...a, status: 'ended' });
      expect(await store.createMeeting(meeting('CODE42'))).toEqual({ ok: false, reason: 'join_code_taken' });
    });

    it('[S1] two stores creating live meetings with one code at once: exactly one gets it', async () => {
      const other = await h.reopen();
      for (const code of ['RACE01', 'RACE02', 'RACE03', 'RACE04', 'RACE05']) {
        const a = meeting(code);
        const b = meeting(code);
        const results = await Promise.all([store.createMeeting(a), other.createMeeting(b)]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'join_code_taken' }]);
        const winner = results[0]?.ok ? a : b;
        expect(await store.findMeetingByJoinCode(code)).toEqual(winner);
        expect(await store.getMeeting(winner === a ? b.meetingId : a.meetingId)).toBeNull();
      }
    });

    const tokenOf = (meetingId: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
      tokenId: id('t'),
      tokenHash: hashToken(id('s')),
      meetingId,
      role: 'facilitator',
      participantId: null,
      kind: 'session',
      label: '',
      createdAt: 1_700_000_000_000,
      revokedAt: null,
      expiresAt: 1_700_000_000_000 + 86_400_000,
      ...over
    });

    it('[S15] a meeting is created with its first entries and tokens in one write, chained from the genesis head', async () => {
      const m = meeting('OPEN01');
      const tokens = [tokenOf(m.meetingId), tokenOf(m.meetingId, { kind: 'recovery', expiresAt: null, createdAt: 1_700_000_000_001 })];
      const created = await store.createMeetingWithLog(m, [joined('a'), joined('b')], tokens);
      if (!created.ok) throw new Error(`refused: ${created.reason}`);
      expect(created.entries.map((e) => e.seq)).toEqual([1, 2]);
      expect(created.entries[0]!.prevHash).toBe(genesisHash(m.meetingId));
      expect(created.head).toEqual({ seq: 2, hash: created.entries[1]!.hash });
      expect(await store.getMeeting(m.meetingId)).toEqual(m);
      expect(await store.findMeetingByJoinCode('OPEN01')).toEqual(m);
      expect(await store.readLog(m.meetingId)).toEqual(created.entries);
      expect(await store.head(m.meetingId)).toEqual(created.head);
      expect(await store.verifyLog(m.meetingId)).toEqual({ ok: true, count: 2, head: created.head });
      for (const t of tokens) expect(await store.findToken(t.tokenHash)).toEqual(t);
      expect(await store.listTokens(m.meetingId)).toEqual(tokens);
      // [S3] the log carries on from there.
      const next = await store.append(m.meetingId, created.head, [joined('c')]);
      expect(next.ok && next.entries[0]!.seq).toBe(3);
    });

    it('[S15] a create refused for a taken join code or an existing id writes nothing: no record, no entry, no token', async () => {
      const first = meeting('OPEN02');
      expect((await store.createMeetingWithLog(first, [joined('a')], [tokenOf(first.meetingId)])).ok).toBe(true);
      const before = await store.readLog(first.meetingId);

      const late = meeting('OPEN02');
      const lateToken = tokenOf(late.meetingId);
      expect(await store.createMeetingWithLog(late, [joined('b')], [lateToken])).toEqual({ ok: false, reason: 'join_code_taken' });
      expect(await store.getMeeting(late.meetingId)).toBeNull();
      expect(await store.readLog(late.meetingId)).toEqual([]);
      expect(await store.head(late.meetingId)).toEqual({ seq: 0, hash: genesisHash(late.meetingId) });
      expect(await store.findToken(lateToken.tokenHash)).toBeNull();
      expect(await store.listTokens(late.meetingId)).toEqual([]);
      expect(await store.findMeetingByJoinCode('OPEN02')).toEqual(first);

      const again = tokenOf(first.meetingId);
      expect(await store.createMeetingWithLog({ ...first, joinCode: 'OPEN03' }, [joined('c')], [again])).toEqual({ ok: false, reason: 'exists' });
      expect(await store.readLog(first.meetingId)).toEqual(before);
      expect(await store.findToken(again.tokenHash)).toBeNull();
      expect(await store.findMeetingByJoinCode('OPEN03')).toBeNull();
    });

    it('[S15] two stores creating with one code at once: the loser wrote no entry and no token', async () => {
      const other = await h.reopen();
      for (const code of ['OPRC01', 'OPRC02', 'OPRC03', 'OPRC04', 'OPRC05']) {
        const a = meeting(code);
        const b = meeting(code);
        const [ta, tb] = [tokenOf(a.meetingId), tokenOf(b.meetingId)];
        const results = await Promise.all([store.createMeetingWithLog(a, [joined('a')], [ta]), other.createMeetingWithLog(b, [joined('b')], [tb])]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const [loser, loserToken] = results[0]!.ok ? [b, tb] : [a, ta];
        expect(await store.getMeeting(loser.meetingId)).toBeNull();
        expect(await store.readLog(loser.meetingId)).toEqual([]);
        expect(await store.findToken(loserToken.tokenHash)).toBeNull();
      }
    });

    /**
     * Who a join key belongs to, asked through `appendJoins` itself: a claim of the key together with a
     * fresh one at the current head is refused as `claimed` and names the key's participant (writing
     * nothing), or, when the key is free, is accepted (and the probe's claim then stands).
     */
    const ownerOf = async (s: Store, meetingId: string, keyHash: string, probe = 'p-probe'): Promise<string> => {
      const r = await s.appendJoins(meetingId, await s.head(meetingId), [], [], [{ keyHash, participantId: probe }]);
      if (r.ok) return probe;
      if (r.reason !== 'claimed') throw new Error(`probe refused: ${r.reason}`);
      return r.claims.find((c) => c.keyHash === keyHash)!.participantId;
    };

    it('[S16] a join key is claimed once per meeting: the first participant claimed for it stays, also when two stores claim at once', async () => {
      const m = id('m');
      const key = hashToken(id('k'));
      expect(await ownerOf(store, m, key, 'p-first')).toBe('p-first');
      expect(await ownerOf(store, m, key, 'p-second')).toBe('p-first');
      // Another meeting, another key: independent.
      expect(await ownerOf(store, id('m'), key, 'p-other')).toBe('p-other');
      expect(await ownerOf(store, m, hashToken(id('k')), 'p-third')).toBe('p-third');

      const other = await h.reopen();
      for (let round = 0; round < 5; round++) {
        const raced = hashToken(id('k'));
        const answers = await Promise.all([0, 1, 2, 3].map((i) => ownerOf(i % 2 ? other : store, m, raced, `p-${round}-${i}`)));
        expect(new Set(answers).size).toBe(1);
      }
    });

    const participantToken = (meetingId: string, participantId: string) => tokenOf(meetingId, { role: 'participant', participantId, createdAt: 1_700_000_000_000 + Math.floor(Math.random() * 1000) });

    it('[S18] appendJoins writes entries, tokens and join-key claims in one write, chained from the head', async () => {
      const m = meeting('JOIN01');
      const created = await store.createMeetingWithLog(m, [joined('host')], []);
      if (!created.ok) throw new Error('refused');
      const [ka, kb] = [hashToken(id('k')), hashToken(id('k'))];
      const tokens = [participantToken(m.meetingId, 'p-a'), participantToken(m.meetingId, 'p-b'), participantToken(m.meetingId, 'p-old')];
      const r = await store.appendJoins(m.meetingId, created.head, [joined('a'), joined('b')], tokens, [
        { keyHash: ka, participantId: 'p-a' },
        { keyHash: kb, participantId: 'p-b' }
      ]);
      if (!r.ok) throw new Error(`refused: ${r.reason}`);
      expect(r.entries.map((e) => e.seq)).toEqual([2, 3]);
      expect(r.entries[0]!.prevHash).toBe(created.head.hash);
      expect(r.head).toEqual({ seq: 3, hash: r.entries[1]!.hash });
      expect(await store.head(m.meetingId)).toEqual(r.head);
      expect(await store.verifyLog(m.meetingId)).toEqual({ ok: true, count: 3, head: r.head });
      for (const t of tokens) expect(await store.findToken(t.tokenHash)).toEqual(t);
      expect((await store.listTokens(m.meetingId)).map((t) => t.tokenId).sort()).toEqual(tokens.map((t) => t.tokenId).sort());
      // [S16] the claims stand.
      expect(await ownerOf(store, m.meetingId, ka, 'p-late')).toBe('p-a');
      expect(await ownerOf(store, m.meetingId, kb, 'p-late')).toBe('p-b');

      // Tokens alone (a retried join whose participant is in already): the head stays.
      const again = participantToken(m.meetingId, 'p-a');
      const tokenOnly = await store.appendJoins(m.meetingId, r.head, [], [again], []);
      expect(tokenOnly).toEqual({ ok: true, entries: [], head: r.head });
      expect(await store.findToken(again.tokenHash)).toEqual(again);
      expect(await store.head(m.meetingId)).toEqual(r.head);
    });

    it('[S18] appendJoins refused for a stale head or a key claimed already writes nothing, and names the claimed keys', async () => {
      const m = id('m');
      const taken = hashToken(id('k'));
      expect(await ownerOf(store, m, taken, 'p-first')).toBe('p-first');
      const head = await appendAll(store, m, ['a']);
      const fresh = hashToken(id('k'));
      const token = participantToken(m, 'p-new');
      const nothingWritten = async () => {
        expect(await store.head(m)).toEqual(head);
        expect((await store.readLog(m)).map((e) => e.seq)).toEqual([1]);
        expect(await store.findToken(token.tokenHash)).toBeNull();
        expect(await store.listTokens(m)).toEqual([]);
        expect(await ownerOf(store, m, fresh)).toBe('p-probe');
      };

      const stale = await store.appendJoins(m, { seq: 0, hash: genesisHash(m) }, [joined('b')], [token], [{ keyHash: hashToken(id('k')), participantId: 'p-new' }]);
      expect(stale).toEqual({ ok: false, reason: 'stale', head });
      const wrongHash = await store.appendJoins(m, { seq: head.seq, hash: genesisHash(m) }, [joined('b')], [token], []);
      expect(wrongHash).toEqual({ ok: false, reason: 'stale', head });

      const claimed = await store.appendJoins(m, head, [joined('b'), joined('c')], [token], [
        { keyHash: hashToken(id('k')), participantId: 'p-new' },
        { keyHash: taken, participantId: 'p-second' }
      ]);
      expect(claimed).toEqual({ ok: false, reason: 'claimed', claims: [{ keyHash: taken, participantId: 'p-first' }] });
      await nothingWritten();
    });

    it('[S18] two stores committing joins with one key at one head: exactly one wins, the other learns the winner', async () => {
      const m = id('m');
      const other = await h.reopen();
      for (let round = 0; round < 5; round++) {
        const head = await store.head(m);
        const key = hashToken(id('k'));
        const [ta, tb] = [participantToken(m, `a${round}`), participantToken(m, `b${round}`)];
        const [ra, rb] = await Promise.all([
          store.appendJoins(m, head, [joined(`a${round}`)], [ta], [{ keyHash: key, participantId: `a${round}` }]),
          other.appendJoins(m, head, [joined(`b${round}`)], [tb], [{ keyHash: key, participantId: `b${round}` }])
        ]);
        expect([ra, rb].filter((r) => r.ok)).toHaveLength(1);
        const [won, lost, winner, loserToken] = ra.ok ? [ra, rb, `a${round}`, tb] : [rb, ra, `b${round}`, ta];
        expect(lost).toEqual({ ok: false, reason: 'stale', head: won.ok && won.head });
        expect(await store.findToken(loserToken.tokenHash)).toBeNull();
        // Decided again at the new head, the loser is told whose key it is.
        const retried = await (ra.ok ? other : store).appendJoins(m, await store.head(m), [joined('x')], [loserToken], [{ keyHash: key, participantId: 'x' }]);
        expect(retried).toEqual({ ok: false, reason: 'claimed', claims: [{ keyHash: key, participantId: winner }] });
      }
      expect(await store.verifyLog(m)).toMatchObject({ ok: true, count: 5 });
    });

    it('[S19] deleteMeeting removes the meeting and all it holds, frees its join code and leaves other meetings alone', async () => {
      const ydocUpdate = (text: string) => {
        const doc = new Y.Doc();
        doc.getText('t').insert(0, text);
        return Y.encodeStateAsUpdate(doc);
      };
      /** A meeting with something in every place a meeting keeps data. */
      const populate = async (code: string) => {
        const m = meeting(code);
        const tokens = [tokenOf(m.meetingId), tokenOf(m.meetingId, { kind: 'recovery', expiresAt: null })];
        const created = await store.createMeetingWithLog(m, [joined('主持人')], tokens);
        if (!created.ok) throw new Error(`refused: ${created.reason}`);
        const joinedHead = await store.appendJoins(m.meetingId, created.head, [joined('王阿姨')], [participantToken(m.meetingId, 'p-wang')], [
          { keyHash: hashToken(id('k')), participantId: 'p-wang' }
        ]);
        if (!joinedHead.ok) throw new Error('join refused');
        const appended = await store.append(m.meetingId, joinedHead.head, [joined('李师傅')], 'cmd-1', { topicId: 't1' });
        if (!appended.ok) throw new Error('append refused');
        await store.putCommandResult(m.meetingId, 'cmd-2', { ok: false, error: { code: 'invalid', message: 'no' } });
        await store.saveSnapshot(m.meetingId, { ...appended.head, state: { names: ['王阿姨'] } });
        await store.putToken(tokenOf(m.meetingId, { kind: 'link', role: 'secretary', expiresAt: null }));
        for (const docId of ['charter', 'notes']) for (const b of [1, 2, 3]) await store.appendDocUpdate(m.meetingId, docId, ydocUpdate(`${docId}-${b}`));
        await store.compactDoc(m.meetingId, 'charter');
        await store.putDocVersion(m.meetingId, 'charter', 'v-1', ydocUpdate('章程 v1'));
        return { m, tokens: await store.listTokens(m.meetingId), head: appended.head };
      };
      const gone = await populate('DEL001');
      const kept = await populate('DEL002');
      expect(await h.leftovers(gone.m.meetingId)).not.toEqual([]);

      expect(await store.deleteMeeting(gone.m.meetingId)).toBe(true);
      expect(await h.leftovers(gone.m.meetingId)).toEqual([]);
      const g = gone.m.meetingId;
      expect(await store.getMeeting(g)).toBeNull();
      expect(await store.findMeetingByJoinCode('DEL001')).toBeNull();
      expect(await store.readLog(g)).toEqual([]);
      expect(await store.head(g)).toEqual({ seq: 0, hash: genesisHash(g) });
      expect(await store.loadSnapshot(g)).toBeNull();
      expect(await store.getCommandResult(g, 'cmd-1')).toBeNull();
      expect(await store.listDocs(g)).toEqual([]);
      expect(await store.loadDocUpdates(g, 'notes')).toEqual([]);
      expect(await store.getDocVersion(g, 'charter', 'v-1')).toBeNull();
      expect(await store.listTokens(g)).toEqual([]);
      for (const t of gone.tokens) {
        expect(await store.findToken(t.tokenHash)).toBeNull();
        expect(await store.getToken(g, t.tokenId)).toBeNull();
      }
      // Deleting again finds nothing.
      expect(await store.deleteMeeting(g)).toBe(false);

      // The other meeting is whole.
      const k = kept.m.meetingId;
      expect(await store.verifyLog(k)).toEqual({ ok: true, count: 3, head: kept.head });
      expect(await store.findMeetingByJoinCode('DEL002')).toEqual(kept.m);
      for (const t of kept.tokens) {
        expect(await store.findToken(t.tokenHash)).toEqual(t);
        expect(await store.getToken(k, t.tokenId)).toEqual(t);
        expect(await store.getToken(g, t.tokenId)).toBeNull();
      }
      expect(await store.listDocs(k)).toEqual(['charter', 'notes']);
      expect(await store.getDocVersion(k, 'charter', 'v-1')).not.toBeNull();
      expect(await store.getCommandResult(k, 'cmd-1')).toEqual({ ok: true, seq: 3, result: { topicId: 't1' } });
      expect(await h.leftovers(k)).not.toEqual([]);

      // [S1] the join code is free again.
      const next = meeting('DEL001');
      expect(await store.createMeeting(next)).toEqual({ ok: true });
      expect(await store.findMeetingByJoinCode('DEL001')).toEqual(next);
    });

    it('[S19] deleting an ended meeting whose code a later meeting took over leaves the later meeting its code', async () => {
      const first = meeting('DEL003');
      await store.createMeeting(first);
      await store.setMeetingStatus(first.meetingId, 'ended');
      const later = meeting('DEL003', { createdAt: first.createdAt + 1 });
      expect(await store.createMeeting(later)).toEqual({ ok: true });
      expect(await store.deleteMeeting(first.meetingId)).toBe(true);
      expect(await h.leftovers(first.meetingId)).toEqual([]);
      expect(await store.findMeetingByJoinCode('DEL003')).toEqual(later);
    });

    it('[S2] tokens are stored and found by the hash of their secret only; the secret is stored nowhere', async () => {
      const m = meeting('TOK001');
      await store.createMeeting(m);
      const secret = `secret-${randomBytes(16).toString('hex')}`;
      const token: TokenRecord = {
        tokenId: id('t'),
        tokenHash: hashToken(secret),
        meetingId: m.meetingId,
        role: 'participant',
        participantId: id('p'),
        kind: 'session',
        label: 'Ada',
        createdAt: 1_700_000_000_001,
        revokedAt: null,
        expiresAt: 1_700_000_000_001 + 14 * 86_400_000
      };
      await store.putToken(token);

      expect(await store.findToken(hashToken(secret))).toEqual(token);
      expect(await store.findToken(secret)).toBeNull();
      expect(await store.findToken(hashToken(`${secret}x`))).toBeNull();
      expect(await store.listTokens(m.meetingId)).toEqual([token]);

      const dump = await h.rawDump();
      expect(dump).toContain(token.tokenHash);
      expect(dump).not.toContain(secret);
    });

    it('[S2] a revoked token stays findable with its first revocation time', async () => {
      const m = meeting('TOK002');
      await store.createMeeting(m);
      const link: TokenRecord = {
        tokenId: id('t'),
        tokenHash: hashToken(id('s')),
        meetingId: m.meetingId,
        role: 'board',
        participantId: null,
        kind: 'link',
        label: 'Board',
        createdAt: 1_700_000_000_000,
        revokedAt: null,
        expiresAt: null
      };
      const other = { ...link, tokenId: id('t'), tokenHash: hashToken(id('s')), label: 'Secretary', role: 'secretary' as const, createdAt: link.createdAt + 1 };
      await store.putToken(link);
      await store.putToken(other);

      expect(await store.revokeToken(m.meetingId, link.tokenId, 5)).toBe(true);
      expect(await store.revokeToken(m.meetingId, link.tokenId, 9)).toBe(true);
      expect(await store.revokeToken(m.meetingId, 'no-such-token', 9)).toBe(false);
      expect(await store.revokeToken('m-other', link.tokenId, 9)).toBe(false);

      expect(await store.findToken(link.tokenHash)).toEqual({ ...link, revokedAt: 5 });
      expect(await store.findToken(other.tokenHash)).toEqual(other);
      expect(await store.listTokens(m.meetingId)).toEqual([{ ...link, revokedAt: 5 }, other]);
    });

    it('[S3] append at the expected head numbers entries from head+1 and chains their hashes', async () => {
      const m = id('m');
      const genesis = { seq: 0, hash: genesisHash(m) };
      expect(await store.head(m)).toEqual(genesis);

      const r = await store.append(m, genesis, [joined('Ada'), joined('Grace')]);
      if (!r.ok) throw new Error('append refused');
      expect(r.entries.map((e) => e.seq)).toEqual([1, 2]);
      expect(r.entries[0]?.prevHash).toBe(genesis.hash);
      expect(r.entries[1]?.prevHash).toBe(r.entries[0]?.hash);
      expect(r.head).toEqual({ seq: 2, hash: r.entries[1]?.hash });
      expect(await store.head(m)).toEqual(r.head);
      expect(await store.readLog(m)).toEqual(r.entries);
    });

    it('[S4] append with a stale seq is refused and writes nothing', async () => {
      const m = id('m');
      const genesis = await store.head(m);
      const head = await appendAll(store, m, ['Ada', 'Grace']);
      const before = await store.readLog(m);

      const r = await store.append(m, genesis, [joined('Mallory')], 'cmd-stale-seq');
      expect(r).toEqual({ ok: false, reason: 'stale', head });
      const ahead = await store.append(m, { seq: head.seq + 1, hash: head.hash }, [joined('Mallory')]);
      expect(ahead).toEqual({ ok: false, reason: 'stale', head });

      expect(await store.readLog(m)).toEqual(before);
      expect(await store.head(m)).toEqual(head);
      expect(await store.getCommandResult(m, 'cmd-stale-seq')).toBeNull();
    });

    it('[S5] append at the right seq but a stale head hash is refused and writes nothing', async () => {
      const m = id('m');
      const head = await appendAll(store, m, ['Ada']);
      const before = await store.readLog(m);

      const wrongHash = { seq: head.seq, hash: genesisHash(m) };
      const r = await store.append(m, wrongHash, [joined('Mallory')], 'cmd-stale-hash');
      expect(r).toEqual({ ok: false, reason: 'stale', head });

      expect(await store.readLog(m)).toEqual(before);
      expect(await store.head(m)).toEqual(head);
      expect(await store.getCommandResult(m, 'cmd-stale-hash')).toBeNull();
    });

    it('[S6] readLog returns the entries from a seq on, in order', async () => {
      const m = id('m');
      await appendAll(store, m, ['a', 'b', 'c', 'd', 'e']);
      const all = await store.readLog(m);
      expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.readLog(m, 1)).toEqual(all);
      expect(await store.readLog(m, 3)).toEqual(all.slice(2));
      expect(await store.readLog(m, 6)).toEqual([]);
      expect(await store.readLog(id('m'))).toEqual([]);
    });

    it('[S7] the latest snapshot plus the log after it replays to the same state as the full log', async () => {
      const m = id('m');
      await appendAll(store, m, ['a', 'b', 'c']);
      const atThree = await store.head(m);
      await store.saveSnapshot(m, { ...atThree, state: fold(emptyRoster, await store.readLog(m)) });
      const r = await store.append(m, atThree, [joined('d'), { ...joined('x'), event: { type: 'joining.closed' } }]);
      if (!r.ok) throw new Error('append refused');

      const snap = await store.loadSnapshot(m);
      expect(snap).toEqual({ ...atThree, state: { names: ['a', 'b', 'c'], closed: false } });
      const fromSnapshot = fold(snap!.state as Roster, await store.readLog(m, snap!.seq + 1));
      expect(fromSnapshot).toEqual(fold(emptyRoster, await store.readLog(m)));
      expect(fromSnapshot).toEqual({ names: ['a', 'b', 'c', 'd'], closed: true });

      // A newer snapshot replaces it; an older one saved late does not.
      await store.saveSnapshot(m, { ...r.head, state: fromSnapshot });
      await store.saveSnapshot(m, { ...atThree, state: { names: ['stale'], closed: false } });
      expect(await store.loadSnapshot(m)).toEqual({ ...r.head, state: fromSnapshot });
      expect(await store.loadSnapshot(id('m'))).toBeNull();
    });

    it('[S8] the stored hash chain verifies from the genesis hash to the head', async () => {
      const m = id('m');
      expect(await store.verifyLog(m)).toEqual({ ok: true, count: 0, head: { seq: 0, hash: genesisHash(m) } });
      const head = await appendAll(store, m, ['a', 'b', 'c', 'd']);
      expect(await store.verifyLog(m)).toEqual({ ok: true, count: 4, head });
    });

    it('[S9] an altered entry is detected and named by its seq', async () => {
      const m = id('m');
      await appendAll(store, m, ['a', 'b', 'c', 'd']);
      await h.tamper.alter(m, 3);
      expect(await store.verifyLog(m)).toMatchObject({ ok: false, seq: 3, problem: 'altered' });
    });

    it('[S9] a forged entry with a recomputed hash breaks the link of the next entry', async () => {
      const m = id('m');
      await appendAll(store, m, ['a', 'b', 'c', 'd']);
      await h.tamper.forge(m, 2);
      expect(await store.verifyLog(m)).toMatchObject({ ok: false, seq: 3, problem: 'broken_link' });
    });

    it('[S9] a forged last entry is caught against the stored head', async () => {
      const m = id('m');
      await appendAll(store, m, ['a', 'b', 'c']);
      await h.tamper.forge(m, 3);
      expect(await store.verifyLog(m)).toMatchObject({ ok: false, seq: 3, problem: 'altered' });
    });

    it('[S9] an entry whose stored JSON is corrupt is named unreadable', async () => {
      const m = id('m');
      await appendAll(store, m, ['a', 'b', 'c']);
      await h.tamper.corrupt(m, 2);
      expect(await store.verifyLog(m)).toMatchObject({ ok: false, seq: 2, problem: 'unreadable' });
    });

    it('[S10] a removed entry is detected as a gap at its seq', async () => {
      const m = id('m');
      await appendAll(store, m, ['a', 'b', 'c', 'd']);
      await h.tamper.remove(m, 2);
      expect(await store.verifyLog(m)).toMatchObject({ ok: false, seq: 2, problem: 'gap' });
    });

    it('[S10] removing the first or the last entry is a gap too', async () => {
      const first = id('m');
      await appendAll(store, first, ['a', 'b']);
      await h.tamper.remove(first, 1);
      expect(await store.verifyLog(first)).toMatchObject({ ok: false, seq: 1, problem: 'gap' });

      const last = id('m');
      await appendAll(store, last, ['a', 'b', 'c']);
      await h.tamper.remove(last, 3);
      expect(await store.verifyLog(last)).toMatchObject({ ok: false, seq: 3, problem: 'gap' });
    });

    describe('[S11] Yjs updates', () => {
      /** A doc that records every update it produces, as a client would send them. */
      function editor() {
        const doc = new Y.Doc();
        const updates: Uint8Array[] = [];
        doc.on('update', (u: Uint8Array) => updates.push(u));
        return { doc, text: doc.getText('notes'), updates };
      }
      const replay = (updates: Uint8Array[]) => {
        const doc = new Y.Doc();
        for (const u of updates) Y.applyUpdate(doc, u);
        return doc;
      };

      it('[S11] updates are stored in order and load back byte for byte', async () => {
        const m = id('m');
        const e = editor();
        e.text.insert(0, 'hello');
        e.text.insert(5, ' world');
        e.text.delete(0, 1);
        for (const u of e.updates) await store.appendDocUpdate(m, 'notes', u);

        expect(await store.loadDocUpdates(m, 'notes')).toEqual(e.updates);
        expect(await store.loadDocUpdates(m, 'other')).toEqual([]);
        expect(replay(await store.loadDocUpdates(m, 'notes')).getText('notes').toString()).toBe('ello world');
      });

      it('[S11] compaction merges the updates into one with the same document state', async () => {
        const m = id('m');
        const e = editor();
        for (const word of ['one ', 'two ', 'three ']) e.text.insert(e.text.length, word);
        e.text.delete(0, 4);
        for (const u of e.updates) await store.appendDocUpdate(m, 'notes', u);

        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 4, kept: 0 });
        const loaded = await store.loadDocUpdates(m, 'notes');
        expect(loaded).toHaveLength(1);
        const doc = replay(loaded);
        expect(doc.getText('notes').toString()).toBe('two three ');
        expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(e.doc));
        expect(Y.encodeStateAsUpdate(doc)).toEqual(Y.encodeStateAsUpdate(e.doc));
        // Nothing left to fold.
        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 0, kept: 0 });
      });

      it('[S11] an update appended while compaction runs is kept', async () => {
        const m = id('m');
        const e = editor();
        e.text.insert(0, 'before');
        e.text.insert(6, ' compaction');
        for (const u of e.updates) await store.appendDocUpdate(m, 'notes', u);

        // Another node appends after compaction has read and merged, before it writes.
        const other = await h.reopen();
        h.hooks.beforeCompactCommit = async () => {
          h.hooks.beforeCompactCommit = undefined;
          e.text.insert(e.text.length, ' and during');
          await other.appendDocUpdate(m, 'notes', e.updates.at(-1)!);
        };
        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 2, kept: 1 });
        expect(h.hooks.beforeCompactCommit).toBeUndefined();

        const loaded = await store.loadDocUpdates(m, 'notes');
        expect(loaded).toHaveLength(2);
        expect(loaded[1]).toEqual(e.updates.at(-1));
        expect(replay(loaded).getText('notes').toString()).toBe('before compaction and during');
        expect(Y.encodeStateAsUpdate(replay(loaded))).toEqual(Y.encodeStateAsUpdate(e.doc));

        // The next compaction folds the kept update in as well.
        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 2, kept: 0 });
        expect(replay(await store.loadDocUpdates(m, 'notes')).getText('notes').toString()).toBe('before compaction and during');
      });

      it('[S11] of two overlapping compactions the later one stands down and nothing is lost', async () => {
        const m = id('m');
        const e = editor();
        for (const c of 'abcd') e.text.insert(e.text.length, c);
        for (const u of e.updates) await store.appendDocUpdate(m, 'notes', u);

        const other = await h.reopen();
        let inner: unknown;
        h.hooks.beforeCompactCommit = async () => {
          h.hooks.beforeCompactCommit = undefined;
          e.text.insert(e.text.length, 'e');
          await other.appendDocUpdate(m, 'notes', e.updates.at(-1)!);
          inner = await other.compactDoc(m, 'notes');
        };
        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 0, kept: 0 });
        expect(inner).toEqual({ merged: 5, kept: 0 });
        expect(replay(await store.loadDocUpdates(m, 'notes')).getText('notes').toString()).toBe('abcde');
      });
    });

    describe('[S20] group commit of Yjs updates', () => {
      function editor() {
        const doc = new Y.Doc();
        const updates: Uint8Array[] = [];
        doc.on('update', (u: Uint8Array) => updates.push(u));
        return { doc, text: doc.getText('notes'), updates };
      }
      const replay = (updates: Uint8Array[]) => {
        const doc = new Y.Doc();
        for (const u of updates) Y.applyUpdate(doc, u);
        return doc;
      };

      it('[S20] a group of updates is stored after the ones before it, in order, byte for byte; an empty group writes nothing', async () => {
        const m = id('m');
        const e = editor();
        for (const c of '第一条章程') e.text.insert(e.text.length, c);
        await store.appendDocUpdate(m, 'notes', e.updates[0]!);
        await store.appendDocUpdates(m, 'notes', e.updates.slice(1, 4));
        await store.appendDocUpdates(m, 'notes', []);
        await store.appendDocUpdates(m, 'notes', e.updates.slice(4));
        expect(await store.loadDocUpdates(m, 'notes')).toEqual(e.updates);
        expect(replay(await store.loadDocUpdates(m, 'notes')).getText('notes').toString()).toBe('第一条章程');
        await store.appendDocUpdates(m, 'empty', []);
        expect(await store.listDocs(m)).toEqual(['notes']);
        expect(await (await h.reopen()).loadDocUpdates(m, 'notes')).toEqual(e.updates);
      });

      it('[S20] a group appended while compaction runs is kept whole, after the merged update', async () => {
        const m = id('m');
        const e = editor();
        for (const c of 'abc') e.text.insert(e.text.length, c);
        await store.appendDocUpdates(m, 'notes', e.updates);
        const other = await h.reopen();
        h.hooks.beforeCompactCommit = async () => {
          h.hooks.beforeCompactCommit = undefined;
          for (const c of 'def') e.text.insert(e.text.length, c);
          await other.appendDocUpdates(m, 'notes', e.updates.slice(3));
        };
        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 3, kept: 3 });
        const loaded = await store.loadDocUpdates(m, 'notes');
        expect(loaded.slice(1)).toEqual(e.updates.slice(3));
        expect(Y.encodeStateAsUpdate(replay(loaded))).toEqual(Y.encodeStateAsUpdate(e.doc));
      });

      it('[S20] groups from two stores racing repeated compactions: every update is kept and the document loads equal', async () => {
        const m = id('m');
        const e = editor();
        const other = await h.reopen();
        const writers = [store, other];
        const writes: Promise<void>[] = [];
        const compactions: Promise<unknown>[] = [];
        for (let round = 0; round < 40; round++) {
          const from = e.updates.length;
          for (let i = 0; i < 5; i++) e.text.insert(e.text.length, String.fromCharCode(0x4e00 + round * 5 + i));
          // One writer per round: a document's order is kept by the node that holds it.
          writes.push(writes.at(-1)?.then(() => writers[round % 2]!.appendDocUpdates(m, 'notes', e.updates.slice(from))) ?? writers[0]!.appendDocUpdates(m, 'notes', e.updates.slice(from)));
          if (round % 7 === 3) compactions.push(writers[(round + 1) % 2]!.compactDoc(m, 'notes'));
        }
        await Promise.all([...writes, ...compactions]);
        const doc = replay(await store.loadDocUpdates(m, 'notes'));
        expect(doc.getText('notes').toString()).toBe(e.text.toString());
        expect(Y.encodeStateAsUpdate(doc)).toEqual(Y.encodeStateAsUpdate(e.doc));
        await store.compactDoc(m, 'notes');
        expect(await store.loadDocUpdates(m, 'notes')).toHaveLength(1);
        expect(replay(await store.loadDocUpdates(m, 'notes')).getText('notes').toString()).toBe(e.text.toString());
      });
    });

    describe('[S22] checked updates', () => {
      function editor() {
        const doc = new Y.Doc();
        const updates: Uint8Array[] = [];
        doc.on('update', (u: Uint8Array) => updates.push(u));
        return { doc, text: doc.getText('notes'), updates };
      }
      const marks = async (s: Store, m: string) => (await s.loadDocRows(m, 'notes')).map((r) => r.checked);

      it('[S22] a group appended as checked loads with the mark, byte for byte and in order among unmarked ones, also after reopen', async () => {
        const m = id('m');
        const e = editor();
        for (const c of '第一条章程') e.text.insert(e.text.length, c);
        await store.appendDocUpdate(m, 'notes', e.updates[0]!);
        await store.appendDocUpdates(m, 'notes', e.updates.slice(1, 3), { checked: true });
        await store.appendDocUpdates(m, 'notes', e.updates.slice(3));
        const rows = await store.loadDocRows(m, 'notes');
        expect(rows.map((r) => r.update)).toEqual(e.updates);
        expect(rows.map((r) => r.checked)).toEqual([false, true, true, false, false]);
        expect(await store.loadDocUpdates(m, 'notes')).toEqual(e.updates);
        expect(await marks(await h.reopen(), m)).toEqual([false, true, true, false, false]);
      });

      it('[S22] compaction keeps the mark only when every update it merges had it; a group appended meanwhile keeps its own', async () => {
        const m = id('m');
        const e = editor();
        for (const c of 'abc') e.text.insert(e.text.length, c);
        await store.appendDocUpdates(m, 'notes', e.updates, { checked: true });
        const other = await h.reopen();
        h.hooks.beforeCompactCommit = async () => {
          h.hooks.beforeCompactCommit = undefined;
          e.text.insert(e.text.length, 'd');
          await other.appendDocUpdates(m, 'notes', e.updates.slice(3), { checked: false });
          e.text.insert(e.text.length, 'e');
          await other.appendDocUpdates(m, 'notes', e.updates.slice(4), { checked: true });
        };
        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 3, kept: 2 });
        expect(await marks(store, m)).toEqual([true, false, true]);
        // The next compaction merges an unmarked update: its product is unmarked.
        expect(await store.compactDoc(m, 'notes')).toEqual({ merged: 3, kept: 0 });
        const rows = await store.loadDocRows(m, 'notes');
        expect(rows.map((r) => r.checked)).toEqual([false]);
        const doc = new Y.Doc();
        Y.applyUpdate(doc, rows[0]!.update);
        expect(doc.getText('notes').toString()).toBe('abcde');
        // Checked all along: the product is checked.
        const m2 = id('m');
        const e2 = editor();
        for (const c of 'xyz') e2.text.insert(e2.text.length, c);
        for (const u of e2.updates) await store.appendDocUpdates(m2, 'notes', [u], { checked: true });
        await store.compactDoc(m2, 'notes');
        expect(await marks(store, m2)).toEqual([true]);
      });
    });

    it('[S23] syncDocs resolves once what was appended is on disk, and appends after it are kept by a reopened store', async () => {
      const m = id('m');
      const e = { doc: new Y.Doc(), updates: [] as Uint8Array[] };
      e.doc.on('update', (u: Uint8Array) => e.updates.push(u));
      for (let i = 0; i < 20; i++) {
        e.doc.getText('notes').insert(0, String(i));
        await store.appendDocUpdates(m, 'notes', e.updates.slice(-1), { checked: true });
      }
      await store.syncDocs();
      await store.syncDocs();
      expect(await (await h.reopen()).loadDocUpdates(m, 'notes')).toEqual(e.updates);
    });

    it('[S21] a named version is stored once, byte for byte, and never overwritten; it survives reopening and is found only under its own ids', async () => {
      const m = id('m');
      const other = id('m');
      const v1 = Uint8Array.from([1, 0, 255, 7, 0, 42]);
      const v2 = Uint8Array.from([9, 9, 9]);
      expect(await store.getDocVersion(m, 'charter', 'v-a')).toBeNull();
      expect(await store.putDocVersion(m, 'charter', 'v-a', v1)).toBe(true);
      // A second put under the same ids — with other bytes, or the same — writes nothing.
      expect(await store.putDocVersion(m, 'charter', 'v-a', v2)).toBe(false);
      expect(await store.putDocVersion(m, 'charter', 'v-a', v1)).toBe(false);
      expect(await store.getDocVersion(m, 'charter', 'v-a')).toEqual(v1);
      // Another version, document or meeting is another key.
      expect(await store.putDocVersion(m, 'charter', 'v-b', v2)).toBe(true);
      expect(await store.putDocVersion(m, 'notes', 'v-a', v2)).toBe(true);
      expect(await store.getDocVersion(other, 'charter', 'v-a')).toBeNull();
      // Empty content is content too.
      expect(await store.putDocVersion(m, 'charter', 'v-empty', new Uint8Array())).toBe(true);
      expect(await store.getDocVersion(m, 'charter', 'v-empty')).toEqual(new Uint8Array());
      // Not a document update: versions do not list a document (S17) nor load as its updates (S11).
      expect(await store.listDocs(m)).toEqual([]);
      const reopened = await h.reopen();
      expect(await reopened.getDocVersion(m, 'charter', 'v-a')).toEqual(v1);
      expect(await reopened.getDocVersion(m, 'charter', 'v-b')).toEqual(v2);
      expect(await reopened.getDocVersion(m, 'notes', 'v-a')).toEqual(v2);
    });

    it('[S21] two stores putting one version at once: exactly one stores it, and both then read the winner', async () => {
      const m = id('m');
      const second = await h.reopen();
      const a = Uint8Array.from([1, 1, 1]);
      const b = Uint8Array.from([2, 2, 2]);
      const [ra, rb] = await Promise.all([store.putDocVersion(m, 'charter', 'v-race', a), second.putDocVersion(m, 'charter', 'v-race', b)]);
      expect([ra, rb].filter(Boolean)).toHaveLength(1);
      const winner = ra ? a : b;
      expect(await store.getDocVersion(m, 'charter', 'v-race')).toEqual(winner);
      expect(await second.getDocVersion(m, 'charter', 'v-race')).toEqual(winner);
    });

    it('[S17] listDocs names each document of a meeting with a stored update, once, sorted', async () => {
      const m = id('m');
      const other = id('m');
      expect(await store.listDocs(m)).toEqual([]);
      const doc = new Y.Doc();
      const updates: Uint8Array[] = [];
      doc.on('update', (u: Uint8Array) => updates.push(u));
      doc.getText('t').insert(0, 'a');
      doc.getText('t').insert(1, 'b');
      for (const docId of ['zeta', 'alpha', 'zeta', 'mid']) for (const u of updates) await store.appendDocUpdate(m, docId, u);
      await store.appendDocUpdate(other, 'elsewhere', updates[0]!);
      expect(await store.listDocs(m)).toEqual(['alpha', 'mid', 'zeta']);
      await store.compactDoc(m, 'zeta');
      const reopened = await h.reopen();
      expect(await reopened.listDocs(m)).toEqual(['alpha', 'mid', 'zeta']);
      expect(await reopened.listDocs(other)).toEqual(['elsewhere']);
    });

    it('[S12] command results are put-if-absent: the first stored result wins, success or error', async () => {
      const m = id('m');
      const error = { ok: false as const, error: { code: 'not_allowed', message: 'no', field: 'title' } };
      expect(await store.getCommandResult(m, 'k1')).toBeNull();
      expect(await store.putCommandResult(m, 'k1', error)).toEqual(error);
      expect(await store.putCommandResult(m, 'k1', { ok: true, seq: 7 })).toEqual(error);
      expect(await store.getCommandResult(m, 'k1')).toEqual(error);

      expect(await store.putCommandResult(m, 'k2', { ok: true, seq: 3 })).toEqual({ ok: true, seq: 3 });
      expect(await store.putCommandResult(m, 'k2', error)).toEqual({ ok: true, seq: 3 });
      expect(await store.getCommandResult(id('m'), 'k2')).toBeNull();
    });

    it('[S12] an append with a command key records its success in the same write', async () => {
      const m = id('m');
      const r = await store.append(m, await store.head(m), [joined('a'), joined('b')], 'cmd-1');
      expect(r.ok).toBe(true);
      expect(await store.getCommandResult(m, 'cmd-1')).toEqual({ ok: true, seq: 2 });
      // The recorded result is final: a later put does not change it.
      expect(await store.putCommandResult(m, 'cmd-1', { ok: false, error: { code: 'x', message: 'x' } })).toEqual({ ok: true, seq: 2 });
    });

    it('[S12] an append with a command key and a result records the result with its seq, and a retry reads it back', async () => {
      const m = id('m');
      const result = { topicId: 'topic0001', counted: true, late: null };
      const r = await store.append(m, await store.head(m), [joined('a')], 'cmd-r', result);
      expect(r.ok).toBe(true);
      expect(await store.getCommandResult(m, 'cmd-r')).toEqual({ ok: true, seq: 1, result });
      // A stale append of the same command (a retry decided on an old head) writes neither its events nor its result.
      const stale = await store.append(m, { seq: 0, hash: genesisHash(m) }, [joined('b')], 'cmd-r', { topicId: 'other' });
      expect(stale.ok).toBe(false);
      expect(await store.putCommandResult(m, 'cmd-r', { ok: true, seq: 9, result: { topicId: 'other' } })).toEqual({ ok: true, seq: 1, result });
      expect(await (await h.reopen()).getCommandResult(m, 'cmd-r')).toEqual({ ok: true, seq: 1, result });
    });

    it('[S13] two stores appending at the same head: exactly one wins, the other is told the new head', async () => {
      const m = id('m');
      const a = store;
      const b = await h.reopen();
      for (let round = 0; round < 10; round++) {
        const head = await a.head(m);
        const [ra, rb] = await Promise.all([a.append(m, head, [joined(`a${round}`)]), b.append(m, head, [joined(`b${round}`)])]);
        const winners = [ra, rb].filter((r) => r.ok);
        expect(winners).toHaveLength(1);
        const [won, lost] = ra.ok ? [ra, rb] : [rb, ra];
        expect(lost).toEqual({ ok: false, reason: 'stale', head: won.head });
      }
      const log = await a.readLog(m);
      expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await b.verifyLog(m)).toMatchObject({ ok: true, count: 10 });
    });

    it('[S14] everything written is there after close and reopen', async () => {
      const m = meeting('DUR001');
      await store.createMeeting(m);
      const token: TokenRecord = {
        tokenId: id('t'),
        tokenHash: hashToken(id('s')),
        meetingId: m.meetingId,
        role: 'facilitator',
        participantId: null,
        kind: 'recovery',
        label: 'paper code',
        createdAt: 1,
        revokedAt: null,
        expiresAt: null
      };
      await store.putToken(token);
      const head = await appendAll(store, m.meetingId, ['a', 'b', 'c']);
      const log = await store.readLog(m.meetingId);
      await store.saveSnapshot(m.meetingId, { ...head, state: { n: 3 } });
      await store.putCommandResult(m.meetingId, 'k', { ok: true, seq: 3 });
      const e = new Y.Doc();
      const updates: Uint8Array[] = [];
      e.on('update', (u: Uint8Array) => updates.push(u));
      e.getText('t').insert(0, 'kept');
      for (const u of updates) await store.appendDocUpdate(m.meetingId, 'd', u);
      await store.close();

      const again = await h.reopen();
      expect(await again.getMeeting(m.meetingId)).toEqual(m);
      expect(await again.findMeetingByJoinCode('DUR001')).toEqual(m);
      expect(await again.findToken(token.tokenHash)).toEqual(token);
      expect(await again.head(m.meetingId)).toEqual(head);
      expect(await again.readLog(m.meetingId)).toEqual(log);
      expect(await again.verifyLog(m.meetingId)).toEqual({ ok: true, count: 3, head });
      expect(await again.loadSnapshot(m.meetingId)).toEqual({ ...head, state: { n: 3 } });
      expect(await again.getCommandResult(m.meetingId, 'k')).toEqual({ ok: true, seq: 3 });
      expect(await again.loadDocUpdates(m.meetingId, 'd')).toEqual(updates);
      // And the log carries on where it stopped.
      expect((await again.append(m.meetingId, head, [joined('d')])).ok).toBe(true);
    });
  });
}
