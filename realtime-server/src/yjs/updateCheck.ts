import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * Checks a Yjs update (v1 encoding) from a client before it reaches a shared document: it must decode,
 * and applying it must integrate every struct and delete range it carries. Anything Yjs would keep
 * "pending" or could not store consistently is refused, because a struct that breaks the struct store
 * (a zero-length item, a reference to a clock that does not exist yet) leaves the server's copy unable
 * to answer the next sync. The cost is proportional to the update: the document is asked only for
 * each client's state (`Y.getState`, constant time), never encoded or walked.
 */
export type UpdateCheck = { ok: true; update: Uint8Array; decoded: DecodedUpdate } | { ok: false; reason: string };
/** An update as `Y.decodeUpdate` reads it: handed on with a passed check, so a content check need not decode it again. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/** Real clients use uint32 ids and clocks far below this; a bound keeps clock + length exact. */
const MAX_CLOCK = 2 ** 32;

interface Dep {
  client: number;
  clock: number;
}
interface Run {
  client: number;
  /** Structs of this client, in clock order: [clock, length, dependencies on other clients]. */
  structs: { clock: number; length: number; deps: Dep[] }[];
  next: number;
}

const bad = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/**
 * Returns the update to apply: the part of it the document does not have yet. Yjs integrates a struct
 * that starts inside what it already has from the struct it holds at that clock, trusting the rest of
 * the struct to match; an update whose known part was altered would then link items across parents.
 * So the known part is cut off first (`Y.diffUpdate`, which re-anchors a cut struct on the struct it
 * holds, exactly as Yjs would) and the rest is checked. A legitimate overlap happens when a reconnecting
 * editor's sync answer crosses an update relayed from another node.
 */
export function checkUpdate(doc: Y.Doc, update: Uint8Array): UpdateCheck {
  const original = checkStructs(update);
  if (!original.ok) return original;
  // No struct starts inside what the document has of its client (a load into a new copy, an editor's
  // next words: each client's structs start at or past the document's state): nothing to cut off, so
  // the update is checked as it is, without `Y.diffUpdate` and decoding it a second time. (A delete set
  // is never cut off.)
  if (startsPastState(doc, original.decoded)) {
    const check = checkApplies(doc, original.decoded);
    return check.ok ? { ok: true, update, decoded: original.decoded } : check;
  }
  let rest: Uint8Array;
  try {
    rest = Y.diffUpdate(update, stateVectorOf(doc, original.clients));
  } catch (err) {
    return bad(`does not decode: ${(err as Error).message}`);
  }
  const trimmed = checkStructs(rest);
  if (!trimmed.ok) return trimmed;
  const check = checkApplies(doc, trimmed.decoded);
  return check.ok ? { ok: true, update: rest, decoded: trimmed.decoded } : check;
}

/** Whether each client's first struct in the update starts at or past the document's state for it. */
function startsPastState(doc: Y.Doc, decoded: DecodedUpdate): boolean {
  let client = -1;
  for (const s of decoded.structs) {
    // A client's structs come together, in clock order: its first one is where it starts.
    if (s.id.client === client) continue;
    client = s.id.client;
    if (s.id.clock < Y.getState(doc.store, client)) return false;
  }
  return true;
}

/** The document's state for just these clients: the cost follows the update, not the document. */
function stateVectorOf(doc: Y.Doc, clients: Iterable<number>): Uint8Array {
  const e = encoding.createEncoder();
  const list = [...clients];
  encoding.writeVarUint(e, list.length);
  for (const client of list) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, Y.getState(doc.store, client));
  }
  return encoding.toUint8Array(e);
}

type Decoded = DecodedUpdate;

/** What can be said of an update without the document: it decodes and each struct is well formed. */
function checkStructs(update: Uint8Array): { ok: true; decoded: Decoded; clients: Set<number> } | { ok: false; reason: string } {
  let decoded: Decoded;
  try {
    decoded = Y.decodeUpdate(update);
  } catch (err) {
    return bad(`does not decode: ${(err as Error).message}`);
  }
  if (!sectionsAreDistinct(update, decoded.structs)) return bad('a client appears in more than one section');
  const clients = new Set<number>();
  for (const s of decoded.structs) {
    const { client, clock } = s.id;
    if (!validClient(client)) return bad(`client id ${client}`);
    if (!(s.length >= 1) || clock + s.length > MAX_CLOCK) return bad(`struct ${client}:${clock} has length ${s.length}`);
    // A skip is a hole in the update: what follows it would wait for structs that never come.
    if (s instanceof Y.Skip) return bad('skip struct');
    if (s instanceof Y.Item) {
      // Subdocuments would load documents the server does not manage.
      if (s.content instanceof Y.ContentDoc) return bad('subdocument');
      for (const ref of [s.origin, s.rightOrigin, s.parent instanceof Y.ID ? s.parent : null]) {
        if (ref !== null && (!validClient(ref.client) || !(ref.clock >= 0 && ref.clock < MAX_CLOCK))) return bad('reference out of range');
      }
    }
    clients.add(client);
  }
  for (const [client, ranges] of decoded.ds.clients) {
    if (!validClient(client)) return bad(`delete set client ${client}`);
    for (const r of ranges) if (!(r.len >= 1) || r.clock + r.len > MAX_CLOCK) return bad(`delete range ${client}:${r.clock}+${r.len}`);
    clients.add(client);
  }
  return { ok: true, decoded, clients };
}

/** Whether Yjs would integrate every struct and delete range of this (trimmed) update. */
function checkApplies(doc: Y.Doc, decoded: Decoded): { ok: true } | { ok: false; reason: string } {
  const runs = new Map<number, Run>();
  for (const s of decoded.structs) {
    const { client, clock } = s.id;
    const deps: Dep[] = [];
    if (s instanceof Y.Item) {
      for (const ref of [s.origin, s.rightOrigin, s.parent instanceof Y.ID ? s.parent : null]) {
        if (ref === null) continue;
        // The same client's structs integrate in clock order: only an earlier one can be referenced.
        if (ref.client === client) {
          if (ref.clock >= clock) return bad(`struct ${client}:${clock} refers forward to ${ref.clock}`);
        } else deps.push({ client: ref.client, clock: ref.clock });
      }
    }
    let run = runs.get(client);
    if (!run) runs.set(client, (run = { client, structs: [], next: 0 }));
    run.structs.push({ clock, length: s.length, deps });
  }

  const state = new Map<number, number>();
  const stateOf = (client: number) => state.get(client) ?? Y.getState(doc.store, client);
  if (!integratesFully(runs, stateOf, state)) return bad('depends on structs the document does not have');

  for (const [client, ranges] of decoded.ds.clients) {
    for (const r of ranges) {
      // Yjs keeps a delete of unknown structs pending, and a pending delete set is re-merged into every sync.
      if (r.clock + r.len > stateOf(client)) return bad(`deletes structs the document does not have (${client}:${r.clock}+${r.len})`);
    }
  }
  return { ok: true };
}

function validClient(client: number): boolean {
  return Number.isInteger(client) && client >= 0 && client <= 0xffffffff;
}

/**
 * Integrates the runs as Yjs would, on clocks alone: each client's next struct goes in once what it
 * refers to on other clients is there. Yjs retries until nothing moves, so this is the same question:
 * does every struct get in? Each client is woken only when a client it waits for has advanced.
 */
function integratesFully(runs: Map<number, Run>, stateOf: (client: number) => number, state: Map<number, number>): boolean {
  const waiting = new Map<number, Run[]>();
  const ready: Run[] = [...runs.values()];
  while (ready.length > 0) {
    const run = ready.pop()!;
    let advanced = false;
    while (run.next < run.structs.length) {
      const s = run.structs[run.next]!;
      const own = stateOf(run.client);
      // A gap before this client's first struct is never filled by this update.
      if (s.clock > own) return false;
      // Yjs asks for the dependencies even of a struct it already has (and keeps it pending without them).
      const blocker = s.deps.find((d) => d.clock >= stateOf(d.client));
      if (blocker) {
        // A dependency on a client the update does not advance can never be met.
        if (!runs.has(blocker.client)) return false;
        const list = waiting.get(blocker.client) ?? [];
        list.push(run);
        waiting.set(blocker.client, list);
        break;
      }
      if (s.clock + s.length > own) state.set(run.client, s.clock + s.length);
      run.next++;
      advanced = true;
    }
    if (advanced) {
      const woken = waiting.get(run.client);
      if (woken) {
        waiting.delete(run.client);
        ready.push(...woken);
      }
    }
  }
  for (const run of runs.values()) if (run.next < run.structs.length) return false;
  return true;
}

/**
 * Yjs reads each client's section into a map, so a second (or empty) section of the same client
 * silently replaces the first while `decodeUpdate` returns both. With one non-empty section per client,
 * the section count equals the number of distinct clients.
 */
function sectionsAreDistinct(update: Uint8Array, structs: { id: { client: number } }[]): boolean {
  const sections = decoding.readVarUint(decoding.createDecoder(update));
  return sections === new Set(structs.map((s) => s.id.client)).size;
}

/** A sync request's state vector: it must decode to client ids and clocks in range. */
export function checkStateVector(stateVector: Uint8Array): boolean {
  try {
    for (const [client, clock] of Y.decodeStateVector(stateVector)) {
      if (!validClient(client) || !Number.isSafeInteger(clock) || clock < 0) return false;
    }
    return true;
  } catch {
    return false;
  }
}
