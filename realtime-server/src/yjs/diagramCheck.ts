import { DIAGRAM_ID, DIAGRAM_LIMITS, diagramFieldProblem } from '@yishi/domain';
import * as Y from 'yjs';

/*
 * What a diagram's Yjs document may hold [D31]: two root maps, `nodes` and `edges`, of entries (a Y.Map
 * per node or edge, keyed by its id) whose fields are plain values the domain's `diagramFieldProblem`
 * accepts. An update (already found to apply cleanly by updateCheck.ts, and trimmed to what the document
 * lacks) is read struct by struct, before anything of it is applied: each struct's place (root map,
 * entry, field) is found from its own parent and key, or from the struct it was inserted next to (in the
 * update or, by `Y.getItem`, a binary search, in the document). The cost follows the update; only the
 * count of nodes and edges walks the maps, which hold at most a few hundred entries.
 */

type Root = 'nodes' | 'edges';
type Place = { at: 'root'; root: Root; key: string } | { at: 'field'; root: Root; entry: string; key: string } | { at: 'gone' } | { at: 'bad'; why: string };

const ROOTS: readonly string[] = ['nodes', 'edges'];

/**
 * Null when the update keeps the diagram well formed, else why not. `decoded` is the update as
 * updateCheck.ts already read it, when it has (structs are only read here, never changed).
 */
export function checkDiagramUpdate(doc: Y.Doc, update: Uint8Array, decoded?: ReturnType<typeof Y.decodeUpdate>): string | null {
  if (!decoded) {
    try {
      decoded = Y.decodeUpdate(update);
    } catch (err) {
      return `does not decode: ${(err as Error).message}`;
    }
  }
  const byClient = new Map<number, (Y.Item | Y.GC | Y.Skip)[]>();
  for (const s of decoded.structs) {
    const list = byClient.get(s.id.client) ?? [];
    list.push(s);
    byClient.set(s.id.client, list);
  }
  const inUpdate = new Set<unknown>(decoded.structs);
  const places = new Map<Y.Item | Y.GC | Y.Skip, Place>();

  /** The struct holding `id`, in the update first, then in the document. */
  const structAt = (id: Y.ID): Y.Item | Y.GC | Y.Skip | null => {
    const list = byClient.get(id.client);
    if (list) {
      let lo = 0;
      let hi = list.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const s = list[mid]!;
        if (id.clock < s.id.clock) hi = mid - 1;
        else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
        else return s;
      }
    }
    if (id.clock < Y.getState(doc.store, id.client)) return Y.getItem(doc.store, id) as Y.Item | Y.GC;
    return null;
  };

  /** Where a struct of the document sits, read from the integrated item. */
  const placeInDoc = (item: Y.Item): Place => {
    const parent = item.parent as Y.AbstractType<unknown> | null;
    if (parent === null) return { at: 'gone' };
    const key = item.parentSub;
    if (parent._item === null) {
      const root = Y.findRootTypeKey(parent);
      if (!ROOTS.includes(root)) return { at: 'bad', why: `root ${JSON.stringify(root.slice(0, 40))} is not part of a diagram` };
      return key === null ? { at: 'bad', why: 'a list in a root map' } : { at: 'root', root: root as Root, key };
    }
    const entry = placeInDoc(parent._item);
    if (entry.at !== 'root') return entry.at === 'gone' ? entry : { at: 'bad', why: 'nested too deep' };
    return key === null ? { at: 'bad', why: 'a list in an entry' } : { at: 'field', root: entry.root, entry: entry.key, key };
  };

  /** Where the entry map created by (or holding) this struct sits, as the parent of a field. */
  const asParent = (s: Y.Item | Y.GC | Y.Skip | null, key: string | null): Place => {
    if (s === null) return { at: 'bad', why: 'parent missing' };
    if (!(s instanceof Y.Item)) return { at: 'gone' };
    const entry = placeOf(s);
    if (entry.at === 'gone' || entry.at === 'bad') return entry;
    if (entry.at !== 'root') return { at: 'bad', why: 'nested too deep' };
    if (s.content instanceof Y.ContentDeleted) return { at: 'gone' };
    return key === null ? { at: 'bad', why: 'a list in an entry' } : { at: 'field', root: entry.root, entry: entry.key, key };
  };

  const placeOf = (s: Y.Item): Place => {
    // Chains of sets of one field (an offline editor's moves) are followed without recursion.
    const chain: Y.Item[] = [];
    let cur: Y.Item = s;
    let found: Place | undefined;
    for (;;) {
      const known = places.get(cur);
      if (known) {
        found = known;
        break;
      }
      if (!inUpdate.has(cur)) {
        found = placeInDoc(cur);
        break;
      }
      chain.push(cur);
      // A decoded struct names its root by name (the typings know only integrated items).
      const parent = cur.parent as unknown;
      if (typeof parent === 'string') {
        if (!ROOTS.includes(parent)) found = { at: 'bad', why: `root ${JSON.stringify(parent.slice(0, 40))} is not part of a diagram` };
        else found = cur.parentSub === null ? { at: 'bad', why: 'a list in a root map' } : { at: 'root', root: parent as Root, key: cur.parentSub };
        break;
      }
      if (cur.parent instanceof Y.ID) {
        found = asParent(structAt(cur.parent), cur.parentSub);
        break;
      }
      const neighbour = cur.origin ?? cur.rightOrigin;
      const next = neighbour === null ? null : structAt(neighbour);
      if (next === null) {
        found = { at: 'bad', why: 'no parent' };
        break;
      }
      if (!(next instanceof Y.Item)) {
        found = { at: 'gone' };
        break;
      }
      cur = next;
    }
    for (const c of chain) places.set(c, found);
    return found;
  };

  const created: Record<Root, Set<string>> = { nodes: new Set(), edges: new Set() };
  const fields = new Map<string, Map<string, unknown>>();
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) continue;
    const place = placeOf(s);
    if (place.at === 'bad') return place.why;
    if (place.at === 'gone') continue;
    if (!DIAGRAM_ID.test(place.at === 'root' ? place.key : place.entry)) return 'bad node or edge id';
    const content = s.content;
    if (content instanceof Y.ContentDeleted) continue;
    if (place.at === 'root') {
      if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) return `a ${place.root === 'nodes' ? 'node' : 'edge'} must be a map`;
      created[place.root].add(place.key);
      continue;
    }
    if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) return `a ${place.root === 'nodes' ? 'node' : 'edge'} field must be one plain value`;
    const problem = diagramFieldProblem(place.root, place.key, content.arr[0]);
    if (problem) return problem;
    const k = `${place.root}/${place.entry}`;
    const entryFields = fields.get(k) ?? new Map<string, unknown>();
    entryFields.set(place.key, content.arr[0]);
    fields.set(k, entryFields);
  }

  const nodes = doc.getMap<Y.Map<unknown>>('nodes');
  const edges = doc.getMap<Y.Map<unknown>>('edges');
  for (const id of created.nodes) if (!fields.get(`nodes/${id}`)?.has('kind')) return 'a new node needs a kind';
  for (const id of created.edges) {
    const f = fields.get(`edges/${id}`);
    if (!f?.has('source') || !f.has('target')) return 'a new edge needs a source and a target';
  }
  // An edge names a node this document has held (a concurrent deletion may have removed it since:
  // editors drop such an edge, see diagramDoc.ts) or one this update creates.
  const known = (id: string) => created.nodes.has(id) || (nodes as unknown as { _map: Map<string, unknown> })._map.has(id);
  for (const [k, f] of fields) {
    if (!k.startsWith('edges/')) continue;
    for (const end of ['source', 'target']) {
      const v = f.get(end);
      if (v !== undefined && !known(v as string)) return `an edge to a missing node (${end})`;
    }
  }
  if (created.nodes.size > 0 && countNew(nodes, created.nodes) > DIAGRAM_LIMITS.nodes) return `at most ${DIAGRAM_LIMITS.nodes} nodes`;
  if (created.edges.size > 0 && countNew(edges, created.edges) > DIAGRAM_LIMITS.edges) return `at most ${DIAGRAM_LIMITS.edges} edges`;
  return null;
}

/** Entries once the update is in: those present now plus the new ids among `added`. */
function countNew<T>(map: Y.Map<T>, added: Set<string>): number {
  let n = map.size;
  for (const id of added) if (!map.has(id)) n++;
  return n;
}
