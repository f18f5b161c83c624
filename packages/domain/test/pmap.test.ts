import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashOf, PMap } from '../src/pmap.ts';
import { deepFreeze } from './harness.ts';

/*
 * The persistent map the meeting state keeps its records in (src/pmap.ts), against a plain `Map` as the
 * model. Every map a test holds is deep-frozen, so a `set` or `delete` that wrote to a shared node throws.
 */

/** Three keys with one and the same hash, and two more that share another: they go to buckets. */
const COLLIDING = ['kadst8!', 'kagcp4^', 'kak6pjo'];
const COLLIDING_PAIR = ['t7pfs', 'tovja'];
/** Keys a plain object would find on its prototype. */
const PROTO_KEYS = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf'];

const model = <V,>(map: PMap<V>) => new Map(map.entries());
const sorted = <V,>(entries: Iterable<[string, V]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('PMap', () => {
  it('the colliding test keys really share their hashes', () => {
    expect(new Set(COLLIDING.map(hashOf)).size).toBe(1);
    expect(hashOf(COLLIDING_PAIR[0]!)).toBe(hashOf(COLLIDING_PAIR[1]!));
    expect(hashOf(COLLIDING[0]!)).not.toBe(hashOf(COLLIDING_PAIR[0]!));
  });

  it('sets, reads and deletes, leaving every earlier map as it was', () => {
    const empty = deepFreeze(PMap.empty<number>());
    const one = deepFreeze(empty.set('a', 1));
    const two = deepFreeze(one.set('b', 2));
    const changed = deepFreeze(two.set('a', 10));
    const dropped = deepFreeze(changed.delete('b'));
    expect([empty.size, one.size, two.size, changed.size, dropped.size]).toEqual([0, 1, 2, 2, 1]);
    expect([empty.get('a'), one.get('a'), two.get('a'), changed.get('a'), dropped.get('a')]).toEqual([undefined, 1, 1, 10, 10]);
    expect([two.has('b'), dropped.has('b'), dropped.get('b')]).toEqual([true, false, undefined]);
    expect(sorted(two)).toEqual([['a', 1], ['b', 2]]);
  });

  it('returns the same map when nothing changes', () => {
    const map = deepFreeze(PMap.fromEntries([['a', 1], ['b', 2]]));
    expect(map.set('a', 1)).toBe(map);
    expect(map.delete('zz')).toBe(map);
    expect(map.update('zz', (n) => n + 1)).toBe(map);
    expect(map.update('a', (n) => n + 1).get('a')).toBe(2);
    expect(map.filter(() => true)).toBe(map);
  });

  it('holds __proto__ and constructor as keys like any other, and never reads the prototype', () => {
    const empty = PMap.empty<string>();
    for (const key of PROTO_KEYS) expect([empty.get(key), empty.has(key)]).toEqual([undefined, false]);
    const map = deepFreeze(PMap.fromEntries(PROTO_KEYS.map((key) => [key, `v-${key}`])));
    expect(map.size).toBe(PROTO_KEYS.length);
    for (const key of PROTO_KEYS) expect(map.get(key)).toBe(`v-${key}`);
    const json = JSON.parse(JSON.stringify(map)) as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual([...PROTO_KEYS].sort());
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(PMap.fromRecord(json)).toStrictEqual(map);
  });

  it('is a plain record in JSON, read back equal', () => {
    const map = PMap.fromEntries([['ann1', { name: '安' }], ['bob2', { name: '鲍' }]]);
    expect(JSON.parse(JSON.stringify({ people: map }))).toEqual({ people: { ann1: { name: '安' }, bob2: { name: '鲍' } } });
    expect(PMap.fromRecord(JSON.parse(JSON.stringify(map)) as Record<string, { name: string }>)).toStrictEqual(map);
  });

  it('keeps keys whose hashes collide apart, in every order they come and go', () => {
    const keys = [...COLLIDING, ...COLLIDING_PAIR, 'other'];
    fc.assert(
      fc.property(fc.shuffledSubarray(keys, { minLength: keys.length }), fc.shuffledSubarray(keys), (order, removed) => {
        let map = PMap.empty<string>();
        for (const key of order) map = deepFreeze(map.set(key, key.toUpperCase()));
        expect(sorted(map)).toEqual(sorted(keys.map((k) => [k, k.toUpperCase()])));
        for (const key of removed) map = deepFreeze(map.delete(key));
        const left = keys.filter((k) => !removed.includes(k));
        expect(sorted(map)).toEqual(sorted(left.map((k) => [k, k.toUpperCase()])));
        for (const key of removed) expect(map.has(key)).toBe(false);
        // Canonical: the same as a map built from what is left.
        expect(map).toStrictEqual(PMap.fromEntries(left.map((k) => [k, k.toUpperCase()])));
      })
    );
  });

  type Op = { t: 'set'; key: string; value: number } | { t: 'delete'; key: string };
  const keyArb = fc.oneof(
    fc.constantFrom(...COLLIDING, ...COLLIDING_PAIR, ...PROTO_KEYS),
    fc.string({ maxLength: 3 }),
    fc.nat({ max: 400 }).map((n) => `id${n}`)
  );
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant('set' as const), key: keyArb, value: fc.integer({ min: 0, max: 5 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), key: keyArb }) }
  );

  it('behaves as a Map under any sequence of sets and deletes; every version stays as it was; equal contents are equal maps', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const versions: { map: PMap<number>; model: Map<string, number> }[] = [{ map: PMap.empty(), model: new Map() }];
        for (const op of ops) {
          const { map, model: before } = versions.at(-1)!;
          const after = new Map(before);
          if (op.t === 'set') after.set(op.key, op.value);
          else after.delete(op.key);
          const next = deepFreeze(op.t === 'set' ? map.set(op.key, op.value) : map.delete(op.key));
          expect(next.size).toBe(after.size);
          expect(next.get(op.key)).toBe(after.get(op.key));
          expect(next.has(op.key)).toBe(after.has(op.key));
          versions.push({ map: next, model: after });
        }
        for (const { map, model: expected } of versions) {
          expect(model(map)).toEqual(expected);
          expect([...map.keys()].sort()).toEqual([...expected.keys()].sort());
          expect([...map.values()]).toEqual([...map.entries()].map(([, v]) => v));
          expect([...map.keys()]).toEqual([...map.entries()].map(([k]) => k));
        }
        // Canonical: built again from its entries in other orders, the last map is equal node for node.
        const last = versions.at(-1)!;
        expect(PMap.fromEntries(sorted(last.model))).toStrictEqual(last.map);
        expect(PMap.fromEntries(sorted(last.model).reverse())).toStrictEqual(last.map);
        expect(PMap.fromRecord(JSON.parse(JSON.stringify(last.map)) as Record<string, number>)).toStrictEqual(last.map);
      }),
      { numRuns: 300 }
    );
  });

  it('filters into a new map, leaving the original', () => {
    const map = deepFreeze(PMap.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i] as const)));
    const even = deepFreeze(map.filter((v) => v % 2 === 0));
    expect(even.size).toBe(100);
    expect(even).toStrictEqual(PMap.fromEntries([...map].filter(([, v]) => v % 2 === 0)));
    expect(map.size).toBe(200);
  });

  it('holds many keys through deep tries, and shrinks back to the same shape', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `p${(i * 7919).toString(36)}`);
    let map = PMap.empty<number>();
    keys.forEach((key, i) => (map = map.set(key, i)));
    expect(map.size).toBe(keys.length);
    keys.forEach((key, i) => expect(map.get(key)).toBe(i));
    const kept = keys.filter((_, i) => i % 3 === 0);
    for (let i = keys.length - 1; i >= 0; i--) if (i % 3 !== 0) map = map.delete(keys[i]!);
    expect(map.size).toBe(kept.length);
    expect(map).toStrictEqual(PMap.fromEntries(kept.map((key) => [key, keys.indexOf(key)])));
  });
});
