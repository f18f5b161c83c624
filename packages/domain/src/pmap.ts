/*
 * A persistent map from string keys: a hash array mapped trie (32-way branches, 5 bits of the key's hash
 * per level). `set` and `delete` return a new map and copy only the few small nodes on the key's path,
 * sharing the rest, so folding one event into a meeting costs O(log n), not a copy of a whole record,
 * and every earlier state stays valid and unchanged. Nothing here ever writes to a node once built.
 *
 * The trie is canonical: its shape depends only on the keys it holds, never on the order they came
 * and went (a branch below the root holds two keys or more; keys whose whole hash collides share a
 * bucket sorted by key). So two maps with the same entries are deep-equal node for node and iterate in
 * the same order, which is what the domain's equality tests (a state after a JSON round trip, a
 * client's state against the server's projection) compare.
 *
 * Keys are compared as strings, never looked up on an object, so `__proto__` and `constructor` are keys
 * like any other. On the wire and in snapshots a map is a plain record (`toJSON`); `PMap.fromRecord`
 * reads one back.
 */

const BITS = 5;
const MASK = 31;
/** The last level's shift; below it two keys share their whole hash and go to a bucket. */
const MAX_SHIFT = 30;

class Leaf<V> {
  constructor(
    readonly key: string,
    readonly hash: number,
    readonly value: V
  ) {}
}

class Branch<V> {
  constructor(
    /** Bit `f` is set when fragment `f` has a slot; slots are in fragment order. */
    readonly bitmap: number,
    readonly slots: readonly Slot<V>[]
  ) {}
}

/** Two keys or more whose hashes are equal, sorted by key. */
class Bucket<V> {
  constructor(
    readonly hash: number,
    readonly leaves: readonly Leaf<V>[]
  ) {}
}

type Slot<V> = Leaf<V> | Branch<V> | Bucket<V>;

/** FNV-1a over the UTF-16 code units, then murmur3's finaliser so that close ids spread over the trie. */
export function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const fragment = (hash: number, shift: number) => (hash >>> shift) & MASK;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

const indexOf = (bitmap: number, bit: number) => popcount(bitmap & (bit - 1));

function withSlot<V>(slots: readonly Slot<V>[], i: number, slot: Slot<V>): Slot<V>[] {
  const next = slots.slice();
  next[i] = slot;
  return next;
}

function insertSlot<V>(slots: readonly Slot<V>[], i: number, slot: Slot<V>): Slot<V>[] {
  return [...slots.slice(0, i), slot, ...slots.slice(i)];
}

function removeSlot<V>(slots: readonly Slot<V>[], i: number): Slot<V>[] {
  return [...slots.slice(0, i), ...slots.slice(i + 1)];
}

/** The smallest subtree holding two different keys that agree on the fragments above `shift`. */
function pair<V>(a: Leaf<V>, b: Leaf<V>, shift: number): Branch<V> | Bucket<V> {
  if (shift > MAX_SHIFT) return new Bucket(a.hash, a.key < b.key ? [a, b] : [b, a]);
  const fa = fragment(a.hash, shift);
  const fb = fragment(b.hash, shift);
  if (fa === fb) return new Branch(1 << fa, [pair(a, b, shift + BITS)]);
  return new Branch((1 << fa) | (1 << fb), fa < fb ? [a, b] : [b, a]);
}

/** Whether `set` added a key (rather than replacing a value): the map's size follows it. */
interface Added {
  added: boolean;
}

function setIn<V>(node: Branch<V>, shift: number, leaf: Leaf<V>, out: Added): Branch<V> {
  const bit = 1 << fragment(leaf.hash, shift);
  const i = indexOf(node.bitmap, bit);
  if ((node.bitmap & bit) === 0) {
    out.added = true;
    return new Branch(node.bitmap | bit, insertSlot(node.slots, i, leaf));
  }
  const slot = node.slots[i]!;
  let next: Slot<V>;
  if (slot instanceof Leaf) {
    if (slot.key !== leaf.key) {
      out.added = true;
      next = pair(slot, leaf, shift + BITS);
    } else if (Object.is(slot.value, leaf.value)) {
      return node;
    } else {
      next = leaf;
    }
  } else if (slot instanceof Branch) {
    next = setIn(slot, shift + BITS, leaf, out);
  } else {
    next = setInBucket(slot, leaf, out);
  }
  return next === slot ? node : new Branch(node.bitmap, withSlot(node.slots, i, next));
}

function setInBucket<V>(bucket: Bucket<V>, leaf: Leaf<V>, out: Added): Bucket<V> {
  const at = bucket.leaves.findIndex((l) => l.key >= leaf.key);
  const found = at === -1 ? undefined : bucket.leaves[at];
  if (found?.key === leaf.key) {
    if (Object.is(found.value, leaf.value)) return bucket;
    return new Bucket(bucket.hash, bucket.leaves.map((l, j) => (j === at ? leaf : l)));
  }
  out.added = true;
  const leaves = [...bucket.leaves];
  leaves.splice(at === -1 ? leaves.length : at, 0, leaf);
  return new Bucket(bucket.hash, leaves);
}

/**
 * `node` without `key` (the same node when it has no such key). A branch left holding a single leaf is
 * replaced by that leaf in its parent, which keeps the trie canonical.
 */
function deleteIn<V>(node: Branch<V>, shift: number, key: string, hash: number): Branch<V> {
  const bit = 1 << fragment(hash, shift);
  if ((node.bitmap & bit) === 0) return node;
  const i = indexOf(node.bitmap, bit);
  const slot = node.slots[i]!;
  let next: Slot<V> | null;
  if (slot instanceof Leaf) {
    if (slot.key !== key) return node;
    next = null;
  } else if (slot instanceof Branch) {
    const child = deleteIn(slot, shift + BITS, key, hash);
    if (child === slot) return node;
    const only = child.slots.length === 1 ? child.slots[0] : undefined;
    next = only instanceof Leaf ? only : child;
  } else {
    const leaves = slot.leaves.filter((l) => l.key !== key);
    if (leaves.length === slot.leaves.length) return node;
    next = leaves.length === 1 ? leaves[0]! : new Bucket(slot.hash, leaves);
  }
  return next === null ? new Branch(node.bitmap & ~bit, removeSlot(node.slots, i)) : new Branch(node.bitmap, withSlot(node.slots, i, next));
}

function* walk<V>(slot: Slot<V>): Generator<Leaf<V>> {
  if (slot instanceof Leaf) yield slot;
  else if (slot instanceof Branch) for (const s of slot.slots) yield* walk(s);
  else yield* slot.leaves;
}

export class PMap<V> implements Iterable<[string, V]> {
  private constructor(
    private readonly root: Branch<V>,
    readonly size: number
  ) {}

  static readonly #EMPTY = new PMap<never>(new Branch(0, []), 0);

  static empty<V>(): PMap<V> {
    return PMap.#EMPTY;
  }

  static fromEntries<V>(entries: Iterable<readonly [string, V]>): PMap<V> {
    let map = PMap.empty<V>();
    for (const [key, value] of entries) map = map.set(key, value);
    return map;
  }

  /** A map of a record's own properties (a record read back from JSON, for instance). */
  static fromRecord<V>(record: Readonly<Record<string, V>>): PMap<V> {
    return PMap.fromEntries(Object.entries(record));
  }

  get(key: string): V | undefined {
    return this.#leaf(key)?.value;
  }

  has(key: string): boolean {
    return this.#leaf(key) !== undefined;
  }

  #leaf(key: string): Leaf<V> | undefined {
    const hash = hashOf(key);
    let slot: Slot<V> = this.root;
    for (let shift = 0; ; shift += BITS) {
      if (slot instanceof Leaf) return slot.key === key ? slot : undefined;
      if (slot instanceof Bucket) return slot.leaves.find((l) => l.key === key);
      const bit = 1 << fragment(hash, shift);
      if ((slot.bitmap & bit) === 0) return undefined;
      slot = slot.slots[indexOf(slot.bitmap, bit)]!;
    }
  }

  /** A map with `key` set to `value`; this same map when it already holds exactly that. */
  set(key: string, value: V): PMap<V> {
    const out: Added = { added: false };
    const root = setIn(this.root, 0, new Leaf(key, hashOf(key), value), out);
    return root === this.root ? this : new PMap(root, this.size + (out.added ? 1 : 0));
  }

  /** A map without `key`; this same map when it has no such key. */
  delete(key: string): PMap<V> {
    const root = deleteIn(this.root, 0, key, hashOf(key));
    return root === this.root ? this : new PMap(root, this.size - 1);
  }

  /** A map with the value at `key` replaced by `update(value)`; this same map when there is none. */
  update(key: string, update: (value: V) => V): PMap<V> {
    const leaf = this.#leaf(key);
    return leaf === undefined ? this : this.set(key, update(leaf.value));
  }

  /** The entries `keep` accepts, as a new map (O(n): for projections, not for events). */
  filter(keep: (value: V, key: string) => boolean): PMap<V> {
    let map: PMap<V> = this;
    for (const [key, value] of this) if (!keep(value, key)) map = map.delete(key);
    return map;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const leaf of walk(this.root)) yield [leaf.key, leaf.value];
  }

  *keys(): IterableIterator<string> {
    for (const leaf of walk(this.root)) yield leaf.key;
  }

  *values(): IterableIterator<V> {
    for (const leaf of walk(this.root)) yield leaf.value;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** A plain record (own properties, `__proto__` included), so a state's JSON is what it was before maps. */
  toJSON(): Record<string, V> {
    return Object.fromEntries(this.entries());
  }
}
