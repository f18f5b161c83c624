import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import type { DiagramKind } from '@yishi/domain';
import { sessions } from '$lib/meeting/storage';
import { copyName, OFFLINE_LIMITS, personKey, type KeptCopy, type PersonRole } from './offline.ts';
import { dropCopies, readIndex, recordCopy, storageAllowed, sweep, updateCopy } from './offlineStore.ts';

/** The document open on this page, for a person who may write it: what its offline copy is named by. */
export interface OfflineTarget {
  meetingId: string;
  docId: string;
  who: string;
  title: string;
  user: { name: string; color: string };
  /** The diagram's kind when the document is one (a reload offline opens the diagram editor). */
  diagram?: DiagramKind | null;
}

/** Who this browser is in a meeting now, per role it keeps a token for: the owners of copies still reachable. */
export function currentPeople(meetingId: string): string[] {
  const out: string[] = [];
  const participant = sessions.participantForMeeting(meetingId);
  if (participant) out.push(personKey('participant', participant.participantId, participant.token) ?? '');
  const facilitator = sessions.facilitatorToken(meetingId);
  if (facilitator) out.push(personKey('facilitator', null, facilitator) ?? '');
  const secretary = sessions.linkToken(meetingId, 'secretary');
  if (secretary) out.push(personKey('secretary', null, secretary) ?? '');
  return out.filter(Boolean);
}

/** Whose copy a page of this role opens, from the session it opened with. */
export function pageWho(role: PersonRole, meetingId: string, token: string): string | null {
  return personKey(role, role === 'participant' ? (sessions.participantForMeeting(meetingId)?.participantId ?? null) : null, token);
}

let shellRequested = false;

/**
 * Installs the service worker that keeps the app shell for a reload without a network (secure contexts
 * only: https, localhost), once per page, when a person who may write a document opens it.
 */
function keepAppShell(): void {
  if (shellRequested || typeof navigator === 'undefined' || !('serviceWorker' in navigator) || !window.isSecureContext) return;
  shellRequested = true;
  navigator.serviceWorker.register('/service-worker.js').catch(() => undefined);
}

/** What the connection can be asked to do when the phone loses and finds its network. */
export interface Reconnectable {
  connect(): void;
  disconnect(): void;
}

/** How long after the last change the copy's size is measured again. */
const MEASURE_MS = 2_000;

/**
 * The offline copy of the document open on this page [D30]. Attached while the person may write it:
 * everything the Y.Doc holds is kept in IndexedDB (y-indexeddb) and read back on the next load, so a
 * reload while offline shows what they typed. Edits made while not connected are marked unsent (also
 * in the list, across a reload) until a connection has synced again, when they are said to be sent.
 * Storage refused: `kept` stays false and the page works as it did without (the Y.Doc carries the
 * edits while the page stays open). Losing the right to write drops the copy (the server would refuse it).
 *
 * It also follows the browser's network: offline, the connection is closed at once (a dead socket on a
 * phone can take half a minute to notice), and opened again when the network is back.
 */
export class OfflineCopy {
  /** The copy is being written to this browser. */
  kept = $state(false);
  /** Edits made while offline, not yet sent. */
  unsent = $state(false);
  /** Edits made while offline were sent on this page's connection. */
  sent = $state(false);
  /** The browser says it has a network. */
  network = $state(typeof navigator === 'undefined' || navigator.onLine !== false);

  readonly #doc: Y.Doc;
  #persistence: IndexeddbPersistence | null = null;
  #entry: KeptCopy | null = null;
  #online = false;
  /** This page has been connected: a local change before the first sync is no offline edit. */
  #everOnline = false;
  #measure: ReturnType<typeof setTimeout> | null = null;
  #destroyed = false;
  readonly #onUpdate = (_update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => this.#changed(tr.local);
  readonly #connection: Reconnectable | null;
  readonly #onOffline = () => {
    this.network = false;
    this.#connection?.disconnect();
  };
  readonly #onOnline = () => {
    this.network = true;
    this.#connection?.connect();
  };

  constructor(doc: Y.Doc, connection: Reconnectable | null = null) {
    this.#doc = doc;
    this.#connection = connection;
    doc.on('update', this.#onUpdate);
    window.addEventListener('offline', this.#onOffline);
    window.addEventListener('online', this.#onOnline);
    if (!this.network) connection?.disconnect();
  }

  /**
   * Called with what the page knows now: the document and person when they may write it (else null),
   * and whether the connection is up and synced.
   */
  follow(target: OfflineTarget | null, online: boolean): void {
    if (this.#destroyed) return;
    this.#online = online;
    if (online) this.#everOnline = true;
    if (target && !this.#persistence) this.#attach(target);
    else if (!target && this.#persistence) this.#drop();
    else if (target && this.#entry && (target.title !== this.#entry.title || target.user.name !== this.#entry.user.name || target.user.color !== this.#entry.user.color)) {
      this.#save({ title: target.title, user: { ...target.user } });
    }
    if (online && this.unsent) {
      // The sync that made this connection `synced` carried what the server lacked: the offline edits.
      this.unsent = false;
      this.sent = true;
      this.#save({ unsent: false });
    }
  }

  #attach(target: OfflineTarget): void {
    const name = copyName(target.meetingId, target.docId, target.who);
    if (!name || !storageAllowed()) return;
    keepAppShell();
    let persistence: IndexeddbPersistence;
    try {
      persistence = new IndexeddbPersistence(name, this.#doc);
    } catch {
      return; // refused: today's behaviour
    }
    this.#persistence = persistence;
    const before = readIndex().find((c) => c.name === name);
    this.#entry = { name, meetingId: target.meetingId, docId: target.docId, who: target.who, title: target.title, user: { ...target.user }, usedAt: Date.now(), bytes: before?.bytes ?? 0, unsent: before?.unsent === true || this.unsent };
    if (target.diagram) this.#entry.diagram = target.diagram;
    if (this.#entry.unsent && !this.#online) this.unsent = true;
    recordCopy(this.#entry);
    sweep(currentPeople, name);
    // An open that fails (private mode, storage switched off) is refused storage too.
    (persistence as unknown as { _db: Promise<unknown> })._db.then(
      () => {
        if (this.#persistence === persistence) this.kept = true;
      },
      () => {
        if (this.#persistence !== persistence) return;
        void persistence.destroy().catch(() => undefined);
        this.#persistence = null;
        this.#entry = null;
        this.kept = false;
        dropCopies([name]);
      }
    );
  }

  #changed(local: boolean): void {
    if (local && !this.#online && (!this.network || this.#everOnline) && !this.unsent) {
      this.unsent = true;
      this.sent = false;
      this.#save({ unsent: true });
    }
    if (this.#persistence && this.#measure === null) this.#measure = setTimeout(() => this.#measureNow(), MEASURE_MS);
  }

  #measureNow(): void {
    this.#measure = null;
    if (!this.#persistence || this.#destroyed) return;
    const bytes = Y.encodeStateAsUpdate(this.#doc).byteLength;
    if (bytes > OFFLINE_LIMITS.maxCopyBytes) {
      this.#drop(); // too large to keep: the page carries it while open, as without storage
      return;
    }
    this.#save({ bytes, usedAt: Date.now() });
  }

  #save(change: Partial<KeptCopy>): void {
    if (!this.#entry) return;
    this.#entry = { ...this.#entry, ...change };
    if (updateCopy(this.#entry)) return;
    // Dropped meanwhile (removed from the meeting, swept by another tab): kept no longer.
    const persistence = this.#persistence;
    this.#persistence = null;
    this.#entry = null;
    this.kept = false;
    void persistence?.destroy().catch(() => undefined);
  }

  /** The copy goes (the right to write lost, too large): its database and its entry. */
  #drop(): void {
    const persistence = this.#persistence;
    const name = this.#entry?.name;
    this.#persistence = null;
    this.#entry = null;
    this.kept = false;
    if (persistence) void persistence.clearData().catch(() => undefined);
    if (name) dropCopies([name]);
  }

  destroy(): void {
    this.#destroyed = true;
    if (this.#measure !== null) clearTimeout(this.#measure);
    this.#doc.off('update', this.#onUpdate);
    window.removeEventListener('offline', this.#onOffline);
    window.removeEventListener('online', this.#onOnline);
    // Written so far stays; the last measure is taken now.
    if (this.#persistence && this.#entry) this.#save({ bytes: Y.encodeStateAsUpdate(this.#doc).byteLength, usedAt: Date.now() });
    void this.#persistence?.destroy().catch(() => undefined);
    this.#persistence = null;
  }
}
