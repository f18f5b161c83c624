import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkStateVector, checkUpdate } from '../../realtime-server/src/yjs/updateCheck.ts';

/** The 19-byte frame from issue 7: sync message, update: insert "a" then an empty string into text "t". */
const POISON_FRAME = Buffer.from('00021001027b00040101740161040101740000', 'hex');
const POISON_UPDATE = POISON_FRAME.subarray(3);

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Updates an editor sends, one per edit, over text, map, array, XML and formatting. */
function session(clientID: number): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const text = doc.getText('body');
  text.insert(0, '第一条 本会名称');
  text.insert(3, 'hello', { bold: true });
  text.delete(1, 2);
  doc.getMap('meta').set('title', '章程');
  doc.getMap('meta').set('n', 3);
  doc.getArray('list').insert(0, [1, 'two', { three: 3 }, new Uint8Array([4])]);
  const nested = new Y.Map();
  doc.getArray('list').push([nested]);
  nested.set('k', 'v');
  const frag = doc.getXmlFragment('xml');
  const el = new Y.XmlElement('p');
  frag.insert(0, [el]);
  el.insert(0, [new Y.XmlText('段落')]);
  text.format(0, 2, { italic: true });
  doc.getArray('list').delete(1, 1);
  return updates;
}

/** What the endpoint does with an update: check it, and apply what the check hands back. */
function apply(doc: Y.Doc, update: Uint8Array, mustPass = false): boolean {
  const check = checkUpdate(doc, update);
  if (mustPass) expect(check).toMatchObject({ ok: true });
  if (check.ok) Y.applyUpdate(doc, check.update);
  return check.ok;
}

/** A server copy that received the updates through the check, as the endpoint does. */
function serverWith(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const u of updates) apply(doc, u, true);
  return doc;
}

/** What the endpoint must still do with its copy: answer a sync, and a fresh editor gets all of it. */
function stillServes(server: Y.Doc): void {
  expect(server.store.pendingStructs).toBeNull();
  expect(server.store.pendingDs).toBeNull();
  const full = Y.encodeStateAsUpdate(server, Y.encodeStateVector(new Y.Doc()));
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, full);
  expect(fresh.store.pendingStructs).toBeNull();
  expect(Y.encodeStateVector(fresh)).toEqual(Y.encodeStateVector(server));
  // And answers a later sync from that editor.
  Y.encodeStateAsUpdate(server, Y.encodeStateVector(fresh));
}

describe('updateCheck', () => {
  it('refuses the poison update of issue 7 (an empty string item) and accepts the same insert without it', () => {
    const server = new Y.Doc();
    const check = checkUpdate(server, POISON_UPDATE);
    expect(check.ok).toBe(false);
    // Before the check existed, this is what the server did: its copy can no longer answer a sync.
    const poisoned = new Y.Doc();
    expect(() => Y.applyUpdate(poisoned, POISON_UPDATE)).toThrow();
    expect(() => Y.encodeStateAsUpdate(poisoned, Y.encodeStateVector(new Y.Doc()))).toThrow();

    const editor = new Y.Doc();
    editor.clientID = 123;
    editor.getText('t').insert(0, 'a');
    const valid = Y.encodeStateAsUpdate(editor);
    expect(checkUpdate(server, valid)).toMatchObject({ ok: true });
  });

  it('accepts every update of an editing session over text, maps, arrays, XML and formatting, in order', () => {
    const a = session(1);
    const server = serverWith(a);
    stillServes(server);
    // A second editor's whole state as one update (what a sync step 2 carries).
    const other = new Y.Doc();
    other.clientID = 2;
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server));
    other.getText('body').insert(0, '乙');
    other.getMap('meta').delete('n');
    const diff = Y.encodeStateAsUpdate(other, Y.encodeStateVector(server));
    apply(server, diff, true);
    stillServes(server);
    // Already known: accepted, and nothing of it is left to apply.
    const again = checkUpdate(server, a[0]!);
    expect(again.ok && Y.decodeUpdate(again.update).structs).toEqual([]);
  });

  it('refuses an update that depends on structs the document does not have (it would stay pending)', () => {
    const updates = session(1);
    const server = new Y.Doc();
    expect(checkUpdate(server, updates[1]!)).toMatchObject({ ok: false });
    // A delete of something never inserted.
    const ds = new Y.Doc();
    ds.clientID = 9;
    ds.getText('t').insert(0, 'xy');
    const del = new Y.Doc();
    Y.applyUpdate(del, Y.encodeStateAsUpdate(ds));
    const deletes: Uint8Array[] = [];
    del.on('update', (u: Uint8Array) => deletes.push(u));
    del.getText('t').delete(0, 1);
    expect(checkUpdate(server, deletes[0]!)).toMatchObject({ ok: false });
    expect(checkUpdate(serverWith([Y.encodeStateAsUpdate(ds)]), deletes[0]!)).toMatchObject({ ok: true });
  });

  it('cuts off what the document already has before checking the rest (two finds of the fuzzers)', () => {
    // An update the document has, altered so that an item's origin names a client it never saw: Yjs
    // resolves the origins even of structs it has, and would keep this one pending. Nothing of it is new.
    const known = session(1);
    const altered = known[5]!.slice();
    altered[30] = 0;
    const copy = serverWith(known.slice(0, 6));
    const check = checkUpdate(copy, altered);
    expect(check.ok && Y.decodeUpdate(check.update).structs).toEqual([]);
    const raw = serverWith(known.slice(0, 6));
    Y.applyUpdate(raw, altered);
    expect(raw.store.pendingStructs).not.toBeNull();

    // A struct that starts inside what the document has (clocks 2-3 of client 1 are a nested text)
    // and claims to continue into the root text "body": Yjs would link it after the nested text's item.
    const base = baseOfTwo();
    const overlap = Uint8Array.from([1, 1, 1, 2, 4, 1, 4, 98, 111, 100, 121, 9, 229, 173, 151, 229, 173, 151, 229, 173, 151, 0]);
    const server = serverWith(base);
    expect(apply(server, overlap)).toBe(true);
    stillServes(server);
    const unchecked = serverWith(base);
    expect(() => {
      Y.applyUpdate(unchecked, overlap);
      stillServes(unchecked);
    }).toThrow();
  });

  it('refuses subdocuments, skips, repeated client sections, forward references and undecodable bytes', () => {
    const server = new Y.Doc();
    const withSub = new Y.Doc();
    withSub.getMap('m').set('sub', new Y.Doc());
    expect(checkUpdate(server, Y.encodeStateAsUpdate(withSub))).toMatchObject({ ok: false, reason: 'subdocument' });

    const a = new Y.Doc();
    a.clientID = 5;
    const parts: Uint8Array[] = [];
    a.on('update', (u: Uint8Array) => parts.push(u));
    a.getText('t').insert(0, 'a');
    a.getText('t').insert(1, 'b');
    a.getText('t').insert(2, 'c');
    // Merging the first and third leaves a hole: Yjs writes a skip struct.
    expect(checkUpdate(server, Y.mergeUpdates([parts[0]!, parts[2]!]))).toMatchObject({ ok: false });
    // Two sections of client 5: [count 2 sections][section: 1 struct, client 5, clock 0, "a"][section again]
    const section = '01 05 00 04 01 01 74 01 61';
    expect(checkUpdate(server, hex(`02 ${section} ${section} 00`))).toMatchObject({ ok: false });
    expect(checkUpdate(server, hex(`01 ${section} 00`))).toMatchObject({ ok: true });
    // An item whose origin is its own client's later clock (5:0 with origin 5:3).
    expect(checkUpdate(server, hex('01 01 05 00 84 05 03 01 61 00'))).toMatchObject({ ok: false });
    expect(checkUpdate(server, hex('ff ff ff'))).toMatchObject({ ok: false });
    expect(checkUpdate(server, new Uint8Array())).toMatchObject({ ok: false });
    // A zero-length delete range.
    Y.applyUpdate(server, hex(`01 ${section} 00`));
    expect(checkUpdate(server, hex('00 01 05 01 00 00'))).toMatchObject({ ok: false });
    expect(checkUpdate(server, hex('00 01 05 01 00 01'))).toMatchObject({ ok: true });
  });

  it('checks a sync request: a state vector that does not decode is refused', () => {
    expect(checkStateVector(Y.encodeStateVector(serverWith(session(1))))).toBe(true);
    expect(checkStateVector(new Uint8Array([0]))).toBe(true);
    expect(checkStateVector(new Uint8Array([5, 1]))).toBe(false);
    expect(checkStateVector(hex('01 ffffffffffffffff7f 01'))).toBe(false);
  });

  it('fuzz: a mutated, truncated or random update is either refused or applies cleanly, and the copy still serves', () => {
    const base = [...session(1), ...session(2)];
    const prefix = base.slice(0, 6);
    const candidates = base.slice(6);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
      // Merged subsets: holes (skips), several clients and delete sets in one update.
      fc.record({ kind: fc.constant('merge' as const), picks: fc.array(fc.nat({ max: base.length - 1 }), { minLength: 1, maxLength: 5 }) })
    );
    fc.assert(
      fc.property(fc.nat({ max: candidates.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (pick, mutations) => {
        let u: Uint8Array = Uint8Array.from(candidates[pick]!);
        for (const m of mutations) {
          if (m.kind === 'random') u = Uint8Array.from(m.bytes);
          // A copy: mergeUpdates hands back its input when given one, and the next flip must not change `base`.
          else if (m.kind === 'merge') u = Y.mergeUpdates(m.picks.map((i) => base[i]!)).slice();
          else if (u.length === 0) continue;
          else if (m.kind === 'flip') u[m.at % u.length] = m.value;
          else if (m.kind === 'cut') u = u.slice(0, m.at % u.length);
          else u = Uint8Array.from([...u.subarray(0, m.at % u.length), m.value, ...u.subarray(m.at % u.length)]);
        }
        const server = serverWith(prefix);
        apply(server, u);
        stillServes(server);
        // The rest of the session still applies on top.
        for (const next of candidates) apply(server, next);
        stillServes(server);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500), ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH, endOnFailure: true } : {}) }
    );
  }, process.env.FUZZ_RUNS ? 3_600_000 : 30_000);

  it('structured fuzz: updates built struct by struct (any content, origins, parents, lengths, delete ranges) are refused or apply cleanly', () => {
    // Clocks near what exists (clients 1 and 2 have clocks 0-3, client 3 none yet), so that many updates get in.
    const clock = fc.oneof(fc.constantFrom(0, 1, 3, 4), fc.nat({ max: 12 }));
    const id = fc.record({ client: fc.constantFrom(1, 2, 3, 0xffffffff), clock });
    const struct = fc.record({
      kind: fc.constantFrom('string', 'any', 'deleted', 'type', 'format', 'binary', 'json', 'embed', 'gc', 'doc'),
      len: fc.nat({ max: 3 }),
      origin: fc.option(id, { freq: 1 }),
      rightOrigin: fc.option(id, { freq: 1 }),
      parent: fc.oneof(fc.constantFrom('body', 'meta', ''), id),
      parentSub: fc.option(fc.constantFrom('a', 'b'))
    });
    const section = fc.record({ client: fc.constantFrom(1, 2, 3), clock: fc.oneof(fc.constantFrom(0, 4), fc.nat({ max: 12 })), structs: fc.array(struct, { minLength: 1, maxLength: 4 }) });
    const range = fc.record({ client: fc.constantFrom(1, 2, 3), clock, len: fc.nat({ max: 4 }) });
    const update = fc.record({ sections: fc.uniqueArray(section, { maxLength: 3, selector: (s) => s.client }), deletes: fc.array(range, { maxLength: 3 }) }).map(encodeV1);

    const base = baseOfTwo();
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 3 }), (updates) => {
        const server = serverWith(base);
        for (const u of updates) apply(server, u);
        stillServes(server);
        // An editor that syncs from this copy edits on, and its edits are taken.
        const editor = new Y.Doc();
        Y.applyUpdate(editor, Y.encodeStateAsUpdate(server));
        const sent: Uint8Array[] = [];
        editor.on('update', (u: Uint8Array) => sent.push(u));
        editor.getText('body').insert(0, '新');
        editor.getMap('meta').set('k2', 1);
        for (const u of sent) apply(server, u, true);
        stillServes(server);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500) }
    );
  }, process.env.FUZZ_RUNS ? 3_600_000 : 30_000);
});

/** Two editors' small sessions: clients 1 and 2 each at clock 4 (text, a nested text in a map, a delete). */
function baseOfTwo(): Uint8Array[] {
  const base: Uint8Array[] = [];
  for (const clientID of [1, 2]) {
    const d = new Y.Doc();
    d.clientID = clientID;
    d.on('update', (u: Uint8Array) => base.push(u));
    d.getText('body').insert(0, 'ab');
    d.getMap('meta').set('k', new Y.Text('x'));
    d.getText('body').delete(0, 1);
  }
  return base;
}

type Id = { client: number; clock: number };
interface Struct {
  kind: string;
  len: number;
  origin: Id | null;
  rightOrigin: Id | null;
  parent: string | Id;
  parentSub: string | null;
}

/** Yjs' v1 update encoding, written by hand so that any struct can be made, valid or not. */
function encodeV1(u: { sections: { client: number; clock: number; structs: Struct[] }[]; deletes: { client: number; clock: number; len: number }[] }): Uint8Array {
  const out: number[] = [];
  const uint = (n: number) => {
    while (n > 0x7f) {
      out.push(0x80 | (n & 0x7f));
      n = Math.floor(n / 128);
    }
    out.push(n);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    uint(b.length);
    out.push(...b);
  };
  const refs: Record<string, number> = { deleted: 1, json: 2, binary: 3, string: 4, embed: 5, format: 6, type: 7, any: 8, doc: 9 };
  uint(u.sections.length);
  for (const sec of u.sections) {
    uint(sec.structs.length);
    uint(sec.client);
    uint(sec.clock);
    for (const s of sec.structs) {
      if (s.kind === 'gc') {
        out.push(0);
        uint(s.len);
        continue;
      }
      const hasParentInfo = !s.origin && !s.rightOrigin;
      out.push(refs[s.kind]! | (s.origin ? 0x80 : 0) | (s.rightOrigin ? 0x40 : 0) | (hasParentInfo && s.parentSub !== null ? 0x20 : 0));
      if (s.origin) (uint(s.origin.client), uint(s.origin.clock));
      if (s.rightOrigin) (uint(s.rightOrigin.client), uint(s.rightOrigin.clock));
      if (hasParentInfo) {
        if (typeof s.parent === 'string') (uint(1), str(s.parent));
        else (uint(0), uint(s.parent.client), uint(s.parent.clock));
        if (s.parentSub !== null) str(s.parentSub);
      }
      switch (s.kind) {
        case 'deleted':
          uint(s.len);
          break;
        case 'json':
          uint(s.len);
          for (let i = 0; i < s.len; i++) str(JSON.stringify(i));
          break;
        case 'binary':
          uint(s.len);
          for (let i = 0; i < s.len; i++) out.push(i);
          break;
        case 'string':
          str('字'.repeat(s.len));
          break;
        case 'embed':
          str(JSON.stringify({ n: s.len }));
          break;
        case 'format':
          str('bold');
          str(s.len === 0 ? 'null' : 'true');
          break;
        case 'type':
          uint(s.len % 7);
          if (s.len % 7 === 3 || s.len % 7 === 5) str('p');
          break;
        case 'any':
          uint(s.len);
          for (let i = 0; i < s.len; i++) (out.push(119), str('v'));
          break;
        case 'doc':
          str('guid');
          out.push(118, 0); // an empty options object
          break;
      }
    }
  }
  const byClient = new Map<number, { clock: number; len: number }[]>();
  for (const d of u.deletes) byClient.set(d.client, [...(byClient.get(d.client) ?? []), d]);
  uint(byClient.size);
  for (const [client, ranges] of byClient) {
    uint(client);
    uint(ranges.length);
    for (const r of ranges) (uint(r.clock), uint(r.len));
  }
  return Uint8Array.from(out);
}
