import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyName, orphanedCopies, parseIndex, personKey, planEviction, tokenTag, type KeptCopy, type OfflineLimits } from '../../web/src/lib/editor/offline.ts';

/*
 * The pure rules of offline copies [D30] (web/src/lib/editor/offline.ts): names never shared by two
 * meetings, documents or people; the list read back from storage trusted only as far as it checks out;
 * the bounds on how many and how large; and other people's copies on a shared phone dropped.
 */
const limits: OfflineLimits = { maxCopies: 3, maxTotalBytes: 1000, maxCopyBytes: 600, maxIdleMs: 1000 };
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);

function copy(n: number, over: Partial<KeptCopy> = {}): KeptCopy {
  const meetingId = over.meetingId ?? 'meet1';
  const docId = over.docId ?? `doc${n}`;
  const who = over.who ?? 'p:alice';
  return { name: copyName(meetingId, docId, who)!, meetingId, docId, who, title: `t${n}`, user: { name: 'A', color: '#1e3a8a' }, usedAt: 10_000 + n, bytes: 100, unsent: false, ...over };
}

describe('offline copies [D30]', () => {
  it('D30: a copy is named by meeting, document and person; two different triples never share a name; bad ids get none', () => {
    fc.assert(
      fc.property(id, id, id, id, id, id, (m1, d1, p1, m2, d2, p2) => {
        const a = copyName(m1, d1, `p:${p1}`);
        const b = copyName(m2, d2, `p:${p2}`);
        expect(a).not.toBeNull();
        expect(a === b).toBe(m1 === m2 && d1 === d2 && p1 === p2);
      })
    );
    expect(copyName('m:1', 'd', 'p:a')).toBeNull();
    expect(copyName('meet', 'd/../x', 'p:a')).toBeNull();
    expect(copyName('meet', 'd', 'board:abc')).toBeNull();
    expect(copyName('meet', 'd', 'p:a:b')).toBeNull();
  });

  it('D30: whose copy — a participant by id, staff by role and a tag of the token (not the token), the board keeps none', () => {
    expect(personKey('participant', 'p123', 'tok')).toBe('p:p123');
    expect(personKey('participant', null, 'tok')).toBeNull();
    expect(personKey('board', null, 'tok')).toBeNull();
    const token = 'f'.repeat(40);
    const key = personKey('facilitator', null, token)!;
    expect(key.startsWith('facilitator:')).toBe(true);
    expect(key).not.toContain(token);
    expect(personKey('facilitator', null, token)).toBe(key);
    expect(personKey('facilitator', null, token + 'x')).not.toBe(key);
    expect(personKey('secretary', null, token)).not.toBe(key);
    expect(copyName('meet', 'doc', key)).not.toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (t) => {
        expect(tokenTag(t)).toMatch(/^[0-9a-z]{2,14}$/);
      })
    );
  });

  it('D30: the list from storage keeps only entries that check out (name matches, fields typed, no duplicates)', () => {
    const good = copy(1);
    expect(parseIndex([good])).toEqual([good]);
    expect(parseIndex(null)).toEqual([]);
    expect(parseIndex({ 0: good })).toEqual([]);
    expect(parseIndex([good, good])).toEqual([good]);
    expect(parseIndex([{ ...good, name: 'yishi-doc:v1:other:doc1:p:alice' }])).toEqual([]);
    expect(parseIndex([{ ...good, bytes: -1 }, { ...good, usedAt: 'x' }, { ...good, user: null }, { ...good, title: 5 }, 7, null])).toEqual([]);
    expect(parseIndex([{ ...good, unsent: 'yes' }])).toEqual([{ ...good, unsent: false }]);
    // A diagram's copy notes its kind (a reload offline opens the diagram editor); an unknown kind is dropped, the copy kept.
    expect(parseIndex([{ ...good, diagram: 'workflow' }])).toEqual([{ ...good, diagram: 'workflow' }]);
    expect(parseIndex([{ ...good, diagram: 'rocket' }, { ...copy(2), diagram: 5 }])).toEqual([good, copy(2)]);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(() => parseIndex(v)).not.toThrow();
      })
    );
  });

  it('D30: bounds — idle or oversized copies go; then the least recently used, clean ones before unsent; never the open one', () => {
    const now = 10_500;
    // Idle past maxIdleMs, and one larger than maxCopyBytes.
    expect(planEviction([copy(1, { usedAt: now - 2000 }), copy(2, { bytes: 700 }), copy(3)], now, limits, null).sort()).toEqual([copy(1).name, copy(2).name].sort());
    // Four copies, three allowed: the oldest clean one goes, even though an unsent one is older.
    const four = [copy(1, { unsent: true }), copy(2), copy(3), copy(4)];
    expect(planEviction(four, now, limits, null)).toEqual([copy(2).name]);
    // The open one is kept even when it is the oldest clean one.
    expect(planEviction(four, now, limits, copy(2).name)).toEqual([copy(3).name]);
    // Too large together: enough of the oldest go to fit.
    const big = [copy(1, { bytes: 550 }), copy(2, { bytes: 550 }), copy(3, { bytes: 550 })];
    expect(planEviction(big, now, limits, copy(3).name)).toEqual([copy(1).name, copy(2).name]);
    // Whatever the list, what stays fits the bounds (the open copy counted) and the open one stays.
    const arb = fc.array(fc.record({ n: fc.nat(50), bytes: fc.nat(700), age: fc.nat(1500), unsent: fc.boolean() }), { maxLength: 12 });
    fc.assert(
      fc.property(arb, fc.nat(12), (specs, k) => {
        const copies = [...new Map(specs.map((s) => [s.n, copy(s.n, { bytes: s.bytes, usedAt: now - s.age, unsent: s.unsent })])).values()];
        const keep = copies[k % Math.max(1, copies.length)]?.name ?? null;
        const gone = new Set(planEviction(copies, now, limits, keep));
        const left = copies.filter((c) => !gone.has(c.name));
        if (keep) expect(gone.has(keep)).toBe(false);
        const others = left.filter((c) => c.name !== keep);
        expect(others.every((c) => now - c.usedAt <= limits.maxIdleMs && c.bytes <= limits.maxCopyBytes)).toBe(true);
        if (others.length > 0) {
          expect(left.length).toBeLessThanOrEqual(limits.maxCopies);
          expect(left.reduce((s, c) => s + c.bytes, 0)).toBeLessThanOrEqual(limits.maxTotalBytes);
        }
      })
    );
  });

  it('D30: on a shared phone, copies of anyone who is no longer this browser’s person in that meeting are dropped', () => {
    const alice = copy(1, { who: 'p:alice' });
    const bob = copy(2, { who: 'p:bob' });
    const other = copy(3, { meetingId: 'meet2', who: 'p:alice' });
    const staff = copy(4, { who: 'facilitator:abc' });
    const now: Record<string, string[]> = { meet1: ['p:bob', 'facilitator:abc'], meet2: [] };
    expect(orphanedCopies([alice, bob, other, staff], (m) => now[m] ?? []).sort()).toEqual([alice.name, other.name].sort());
  });
});
