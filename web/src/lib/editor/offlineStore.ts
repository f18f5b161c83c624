import { copyName, OFFLINE_LIMITS, orphanedCopies, parseIndex, planEviction, type KeptCopy, type OfflineLimits } from './offline.ts';

/**
 * The list of offline copies in localStorage and their IndexedDB databases [D30]. Every call survives
 * refused storage: it then does nothing (or finds nothing) and never throws.
 */

const INDEX_KEY = 'yishi:offline-docs';

/** Whether this browser lets the page keep documents: IndexedDB and localStorage both reachable. */
export function storageAllowed(): boolean {
  try {
    if (typeof indexedDB === 'undefined' || indexedDB === null || typeof indexedDB.open !== 'function') return false;
    const probe = 'yishi:offline-probe';
    localStorage.setItem(probe, '1');
    localStorage.removeItem(probe);
    return true;
  } catch {
    return false;
  }
}

export function readIndex(): KeptCopy[] {
  try {
    const raw = localStorage.getItem(INDEX_KEY);
    return raw ? parseIndex(JSON.parse(raw)) : [];
  } catch {
    return [];
  }
}

function writeIndex(copies: readonly KeptCopy[]): void {
  try {
    if (copies.length === 0) localStorage.removeItem(INDEX_KEY);
    else localStorage.setItem(INDEX_KEY, JSON.stringify(copies));
  } catch {
    /* refused or full: the copies stay bounded by the next sweep that can write */
  }
}

/** Adds or changes one entry of the list. */
export function recordCopy(copy: KeptCopy): void {
  writeIndex([...readIndex().filter((c) => c.name !== copy.name), copy]);
}

/** Changes an entry still listed; false when it was dropped meanwhile (another tab's sweep, a removal). */
export function updateCopy(copy: KeptCopy): boolean {
  const copies = readIndex();
  if (!copies.some((c) => c.name === copy.name)) return false;
  writeIndex(copies.map((c) => (c.name === copy.name ? copy : c)));
  return true;
}

/** The copy kept for this meeting's document and person, if any: what an offline reload opens. */
export function findKept(meetingId: string, docId: string, who: string | null): KeptCopy | null {
  const name = who ? copyName(meetingId, docId, who) : null;
  return name ? (readIndex().find((c) => c.name === name) ?? null) : null;
}

/** Deletes copies (their databases and their entries). */
export function dropCopies(names: readonly string[]): void {
  if (names.length === 0) return;
  const gone = new Set(names);
  writeIndex(readIndex().filter((c) => !gone.has(c.name)));
  for (const name of gone) {
    try {
      indexedDB.deleteDatabase(name);
    } catch {
      /* refused: nothing was kept there either */
    }
  }
}

/** Forgets what this browser kept of a meeting: all of it, or one person's (removed, the meeting deleted). */
export function forgetMeeting(meetingId: string, who: string | null = null): void {
  dropCopies(readIndex().filter((c) => c.meetingId === meetingId && (who === null || c.who === who)).map((c) => c.name));
}

/** Applies the bounds and drops other people's copies; `keep` is the copy open now. */
export function sweep(current: (meetingId: string) => readonly string[], keep: string | null, now: number = Date.now(), limits: OfflineLimits = OFFLINE_LIMITS): void {
  const copies = readIndex();
  const orphans = new Set(orphanedCopies(copies, current));
  const rest = copies.filter((c) => !orphans.has(c.name));
  dropCopies([...orphans, ...planEviction(rest, now, limits, keep)]);
}
