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

/** A server copy that received the updates through the check, as the endpoint does. */
function serverWith(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const u of updates) {
    expect(checkUpdate(doc, u)).toEqual({ ok: true });
    Y.applyUpdate(doc, u);
  }
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
    expect(checkUpdate(server, valid)).toEqual({ ok: true });
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
    expect(checkUpdate(server, diff)).toEqual({ ok: true });
    Y.applyUpdate(server, diff);
    stillServes(server);
    // Already known: accepted, and changes nothing.
    expect(checkUpdate(server, a[0]!)).toEqual({ ok: true });
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
    expect(checkUpdate(serverWith([Y.encodeStateAsUpdate(ds)]), deletes[0]!)).toEqual({ ok: true });
    // Found by the fuzzer: an update the document already has, altered so that an item's origin names a
    // client it never saw. Yjs resolves the origins even of structs it has, and keeps this one pending.
    const known = session(1);
    const altered = known[5]!.slice();
    altered[30] = 0;
    const copy = serverWith(known.slice(0, 6));
    expect(checkUpdate(copy, altered)).toMatchObject({ ok: false });
    Y.applyUpdate(copy, altered);
    expect(copy.store.pendingStructs).not.toBeNull();
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
    expect(checkUpdate(server, hex(`01 ${section} 00`))).toEqual({ ok: true });
    // An item whose origin is its own client's later clock (5:0 with origin 5:3).
    expect(checkUpdate(server, hex('01 01 05 00 84 05 03 01 61 00'))).toMatchObject({ ok: false });
    expect(checkUpdate(server, hex('ff ff ff'))).toMatchObject({ ok: false });
    expect(checkUpdate(server, new Uint8Array())).toMatchObject({ ok: false });
    // A zero-length delete range.
    Y.applyUpdate(server, hex(`01 ${section} 00`));
    expect(checkUpdate(server, hex('00 01 05 01 00 00'))).toMatchObject({ ok: false });
    expect(checkUpdate(server, hex('00 01 05 01 00 01'))).toEqual({ ok: true });
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
        if (checkUpdate(server, u).ok) Y.applyUpdate(server, u);
        stillServes(server);
        // The rest of the session still applies on top.
        for (const next of candidates) if (checkUpdate(server, next).ok) Y.applyUpdate(server, next);
        stillServes(server);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500), ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH, endOnFailure: true } : {}) }
    );
  }, process.env.FUZZ_RUNS ? 3_600_000 : 30_000);
});
