import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkChain, entryHashMatches, sha256Hex, type ChainProblemKind, type LogEntry } from '@yishi/protocol';
import { chainEntries, entryHash, genesisHash } from '../src/chain.ts';
import type { Head, VerifyResult } from '../src/port.ts';
import { verifyEntries } from '../src/verify.ts';

/**
 * The browser's offline verifier (protocol/chainCheck.ts, no node:crypto) and the store's own
 * (verify.ts, S8–S10) must give one answer for one log: the same seq, and the same problem in the
 * words the verify page uses.
 */
const KIND: Record<Extract<VerifyResult, { ok: false }>['problem'], ChainProblemKind> = {
  altered: 'altered',
  gap: 'missing',
  broken_link: 're-linked',
  unreadable: 'unreadable'
};

function storeAnswer(meetingId: string, entries: unknown[], head: Head) {
  const raw = entries.map((e, i) => ({ seq: (e as { seq?: number }).seq ?? i + 1, decode: () => e }));
  const r = verifyEntries(meetingId, raw, head);
  return r.ok ? { ok: true, count: r.count, head: r.head } : { ok: false, seq: r.seq, kind: KIND[r.problem] };
}

function browserAnswer(meetingId: string, entries: unknown[], head: Head) {
  const r = checkChain(meetingId, entries, head);
  return r.ok ? { ok: true, count: r.count, head: r.head } : { ok: false, seq: r.problem.seq, kind: r.problem.kind };
}

function makeLog(n: number): { meetingId: string; entries: LogEntry[]; head: Head } {
  const meetingId = `m-${randomBytes(5).toString('hex')}`;
  const entries = chainEntries(
    { seq: 0, hash: genesisHash(meetingId) },
    Array.from({ length: n }, (_, i) => ({
      at: 1_700_000_000_000 + i,
      actor: { role: 'participant' as const, participantId: `participant${i}` },
      commandId: i % 2 ? `c${i}` : null,
      event: { type: 'topic.posted', topicId: `t${i}`, title: `议题 ${i} 🌳 "引号" <b>`, nested: { z: 1, a: [1, 'x', null] } }
    }))
  );
  const last = entries.at(-1)!;
  return { meetingId, entries, head: { seq: last.seq, hash: last.hash } };
}

const other = { type: 'joining.closed' };

describe('offline chain check (protocol/chainCheck.ts) against the store verifier', () => {
  it('sha256Hex equals node:crypto on ASCII, Chinese, emoji and every length around the block boundaries', () => {
    const samples = ['', 'abc', '会议纪要', '🌳👩‍👩‍👧', ...Array.from({ length: 140 }, (_, n) => 'x'.repeat(n)), randomBytes(3000).toString('base64')];
    for (const s of samples) expect(sha256Hex(s), JSON.stringify(s.slice(0, 20))).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
  });

  const cases: Record<string, (log: LogEntry[]) => unknown[]> = {
    clean: (log) => log,
    'altered content (5)': (log) => log.map((e) => (e.seq === 5 ? { ...e, event: other } : e)),
    'deleted entry (4)': (log) => log.filter((e) => e.seq !== 4),
    'deleted first entry': (log) => log.slice(1),
    'deleted last entry': (log) => log.slice(0, -1),
    'forged: content and hash recomputed (3)': (log) => log.map((e) => (e.seq === 3 ? { ...e, event: other, hash: entryHash(e.prevHash, { ...e, event: other }) } : e)),
    'forged last entry': (log) => log.map((e) => (e.seq === log.length ? { ...e, event: other, hash: entryHash(e.prevHash, { ...e, event: other }) } : e)),
    're-linked: prevHash changed and hash recomputed (6)': (log) =>
      log.map((e) => {
        if (e.seq !== 6) return e;
        const prevHash = 'f'.repeat(64);
        return { ...e, prevHash, hash: entryHash(prevHash, e) };
      }),
    'not a log entry (2)': (log) => log.map((e) => (e.seq === 2 ? { seq: 2, what: 'no' } : e)),
    'out of order': (log) => [log[0], log[2], log[1], ...log.slice(3)]
  };

  for (const [name, tamper] of Object.entries(cases)) {
    it(`gives the store's answer: ${name}`, () => {
      const { meetingId, entries, head } = makeLog(8);
      const tampered = tamper(entries);
      const expected = storeAnswer(meetingId, tampered, head);
      expect(browserAnswer(meetingId, tampered, head)).toEqual(expected);
      if (name === 'clean') expect(expected).toEqual({ ok: true, count: 8, head });
      else expect(expected.ok).toBe(false);
    });
  }

  it('names the kinds the verify page shows', () => {
    const { meetingId, entries, head } = makeLog(8);
    expect(browserAnswer(meetingId, cases['altered content (5)']!(entries), head)).toMatchObject({ seq: 5, kind: 'altered' });
    expect(browserAnswer(meetingId, cases['deleted entry (4)']!(entries), head)).toMatchObject({ seq: 4, kind: 'missing' });
    expect(browserAnswer(meetingId, cases['re-linked: prevHash changed and hash recomputed (6)']!(entries), head)).toMatchObject({ seq: 6, kind: 're-linked' });
    expect(browserAnswer(meetingId, cases['not a log entry (2)']!(entries), head)).toMatchObject({ seq: 2, kind: 'unreadable' });
    // Another meeting's log does not verify as this one: the genesis binds the chain to its meeting.
    expect(browserAnswer('m-other', entries, head)).toMatchObject({ seq: 1, kind: 're-linked' });
  });

  it('confirms a printed reference by entry number and hash, as typed from paper', () => {
    const { entries } = makeLog(8);
    const at5 = entries[4]!;
    expect(entryHashMatches(entries, 5, at5.hash)).toBe(true);
    expect(entryHashMatches(entries, 5, ` ${at5.hash.slice(0, 32).toUpperCase()}\n${at5.hash.slice(32)} `)).toBe(true);
    expect(entryHashMatches(entries, 5, entries[5]!.hash)).toBe(false);
    expect(entryHashMatches(entries, 9, at5.hash)).toBe(false);
  });
});
