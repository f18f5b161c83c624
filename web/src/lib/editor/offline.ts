import { isDiagramKind, type DiagramKind } from '@yishi/domain';

/**
 * Offline copies of shared documents [D30]: what a person who may write a document has of it is kept in
 * this browser's IndexedDB (one database per meeting, document and person), so edits made without a
 * network survive a reload and merge (Yjs) when the connection is back. Which copies exist, whose they
 * are and how large, is listed in localStorage; that list bounds them and sweeps them away.
 *
 * This file holds the pure rules (names, bounds, whose copy is whose); the storage glue is
 * offlineStore.ts and the live copy of one open document `OfflineCopy` (offlineCopy.svelte.ts).
 */

export interface OfflineLimits {
  /** Documents kept at most on one browser (all meetings and people together). */
  maxCopies: number;
  /** Their encoded size together. */
  maxTotalBytes: number;
  /** One document: past this it is not kept (the server's own cap per document is 4 MiB). */
  maxCopyBytes: number;
  /** A copy not opened for this long is dropped (a meeting lasts an evening). */
  maxIdleMs: number;
}

export const OFFLINE_LIMITS: OfflineLimits = {
  maxCopies: 12,
  maxTotalBytes: 16 * 1024 * 1024,
  maxCopyBytes: 4 * 1024 * 1024,
  maxIdleMs: 3 * 24 * 60 * 60 * 1000
};

/** One kept document, as the list in localStorage says: enough to open it again without a network. */
export interface KeptCopy {
  /** The IndexedDB database's name (copyName). */
  name: string;
  meetingId: string;
  docId: string;
  /** Whose copy: personKey. */
  who: string;
  title: string;
  user: { name: string; color: string };
  /** Last opened or changed (ms since epoch). */
  usedAt: number;
  /** The document's encoded size when last measured. */
  bytes: number;
  /** Edits made while offline that no connection has sent yet. */
  unsent: boolean;
  /** A diagram's kind, so a reload without a network opens the diagram editor [D30, D31]; absent for rich text. */
  diagram?: DiagramKind;
}

export type PersonRole = 'participant' | 'facilitator' | 'secretary' | 'board';

const NAME_PREFIX = 'yishi-doc:v1:';
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const WHO = /^(?:p|facilitator|secretary):[A-Za-z0-9_-]{1,64}$/;

/** A short fixed tag of a token (FNV-1a, 2×32 bits): names whose a staff copy is, without keeping the token. */
export function tokenTag(token: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ token.length;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(36) + b.toString(36);
}

/**
 * Whose copy it is: a participant by their id (a second person joining the same meeting on this phone
 * is another participant), staff by their role and a tag of their token (a secretary link handed to
 * someone else is another token). The board never writes, so it keeps nothing: null.
 */
export function personKey(role: PersonRole, participantId: string | null, token: string): string | null {
  if (role === 'board') return null;
  if (role === 'participant') return participantId && ID.test(participantId) ? `p:${participantId}` : null;
  return `${role}:${tokenTag(token)}`;
}

/** The IndexedDB database of one meeting's document for one person: never shared by two of any. */
export function copyName(meetingId: string, docId: string, who: string): string | null {
  if (!ID.test(meetingId) || !ID.test(docId) || !WHO.test(who)) return null;
  return `${NAME_PREFIX}${meetingId}:${docId}:${who}`;
}

const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

/** The list as read back from storage: whatever does not look like a kept copy is dropped. */
export function parseIndex(raw: unknown): KeptCopy[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const out: KeptCopy[] = [];
  for (const e of raw as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const c = e as Record<string, unknown>;
    const user = c.user as Record<string, unknown> | null | undefined;
    if (!isString(c.meetingId, 64) || !isString(c.docId, 64) || !isString(c.who, 80) || !isString(c.title, 500)) continue;
    const name = copyName(c.meetingId, c.docId, c.who);
    if (!name || c.name !== name || seen.has(name)) continue;
    if (typeof user !== 'object' || user === null || !isString(user.name, 200) || !isString(user.color, 20)) continue;
    if (typeof c.usedAt !== 'number' || !Number.isFinite(c.usedAt) || typeof c.bytes !== 'number' || !(c.bytes >= 0)) continue;
    seen.add(name);
    const copy: KeptCopy = { name, meetingId: c.meetingId, docId: c.docId, who: c.who, title: c.title, user: { name: user.name, color: user.color }, usedAt: c.usedAt, bytes: c.bytes, unsent: c.unsent === true };
    if (typeof c.diagram === 'string' && isDiagramKind(c.diagram)) copy.diagram = c.diagram;
    out.push(copy);
  }
  return out;
}

/**
 * Which copies go to stay within the bounds: any not used for `maxIdleMs` or larger than
 * `maxCopyBytes`, then, while there are too many or they are too large together, the least recently
 * used, those with nothing unsent first. `keep` (the document open now) never goes for the bounds.
 */
export function planEviction(copies: readonly KeptCopy[], now: number, limits: OfflineLimits, keep: string | null): string[] {
  const gone = new Set<string>();
  for (const c of copies) if (c.name !== keep && (now - c.usedAt > limits.maxIdleMs || c.bytes > limits.maxCopyBytes)) gone.add(c.name);
  let left = copies.filter((c) => !gone.has(c.name));
  let total = left.reduce((s, c) => s + c.bytes, 0);
  const order = left.filter((c) => c.name !== keep).sort((x, y) => Number(x.unsent) - Number(y.unsent) || x.usedAt - y.usedAt);
  for (const c of order) {
    if (left.length <= limits.maxCopies && total <= limits.maxTotalBytes) break;
    gone.add(c.name);
    total -= c.bytes;
    left = left.filter((l) => l.name !== c.name);
  }
  return [...gone];
}

/**
 * Copies whose person is no longer this browser's for that meeting (another person joined on this
 * phone, a staff token replaced): nobody can open them as their own any more, and nobody else may read
 * them, so they go. `current` names who this browser is in a meeting now (personKey per role).
 */
export function orphanedCopies(copies: readonly KeptCopy[], current: (meetingId: string) => readonly string[]): string[] {
  const people = new Map<string, readonly string[]>();
  const out: string[] = [];
  for (const c of copies) {
    let now = people.get(c.meetingId);
    if (!now) people.set(c.meetingId, (now = current(c.meetingId)));
    if (!now.includes(c.who)) out.push(c.name);
  }
  return out;
}
