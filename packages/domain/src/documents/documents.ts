import type { Actor, CommandValue, EventMessage } from '@yishi/protocol';
import { accept, refuse, type DecideContext, type Decision, type Refusal } from '../decision.ts';
import { exhaustive } from '../exhaustive.ts';
import type { Projection } from '../feature.ts';
import type { DocumentVersion, MeetingDocument, MeetingState } from '../state.ts';
import { DOCUMENT_LIMITS, type DocumentAccess, type DocumentCmd as Cmd, type DocumentEv as Ev, type DocumentEvent } from './schemas.ts';

/*
 * Documents are part of the meeting: staff create them with a kind, a title and who may edit them, and
 * one function (`documentRight`) answers what a person may do with one — at the /yjs upgrade and again
 * whenever rights change [D21]. The content lives in Yjs, not here: the meeting's state holds only the list.
 */

export type DocumentRight = 'none' | 'read' | 'write';

/**
 * What `actor` may do with document `docId` of this meeting [D21]. An unknown document: nothing. Staff
 * write, also after the end (they complete the record). The board reads. A participant who is in the
 * meeting and not removed reads, and writes while the meeting runs if the document's access lets them
 * (everyone, or a named set they are in). A minutes draft is the staff's: the board and participants
 * read it once the minutes are published, and never write it [D26]. Also answers on a participant's own view, which holds their
 * own record and, of a named set, whether they are in it.
 */
export function documentRight(state: MeetingState | null, actor: Actor, docId: string): DocumentRight {
  const doc = state?.documents.get(docId);
  if (state === null || doc === undefined) return 'none';
  switch (actor.role) {
    case 'facilitator':
    case 'secretary':
      return 'write';
    case 'board':
      // A minutes draft is the staff's until the minutes are published [D26].
      return doc.kind === 'minutesDraft' && !state.minutesPublished ? 'none' : 'read';
    case 'participant': {
      const me = state.participants.get(actor.participantId);
      if (me === undefined || me.removed) return 'none';
      // A minutes draft: nothing before the minutes are published, then read only [D26].
      if (doc.kind === 'minutesDraft') return state.minutesPublished ? 'read' : 'none';
      if (state.ended) return 'read';
      return mayEdit(doc, actor.participantId) ? 'write' : 'read';
    }
    case 'system':
      return 'none';
    default:
      return exhaustive(actor);
  }
}

function mayEdit(doc: MeetingDocument, participantId: string): boolean {
  switch (doc.access) {
    case 'everyone':
      return true;
    case 'named':
      return doc.editors.includes(participantId);
    case 'readonly':
      return false;
    default:
      return exhaustive(doc.access);
  }
}

/** A named set names at least one participant who is in the meeting; the other kinds name nobody. */
function checkEditors(state: MeetingState, access: DocumentAccess, editors: readonly string[]): Refusal | null {
  if (access !== 'named') return editors.length === 0 ? null : refuse('invalid', 'only a named set lists editors', 'editors');
  if (editors.length === 0) return refuse('invalid', 'a named set needs at least one participant', 'editors');
  for (const id of editors) {
    const p = state.participants.get(id);
    if (p === undefined || p.removed) return refuse('invalid', 'not a participant of this meeting', 'editors');
  }
  return null;
}

export function decideCreate(state: MeetingState, command: Cmd<'document.create'>, actor: Actor, ctx: DecideContext): Decision<DocumentEvent> {
  if (actor.role !== 'facilitator' && actor.role !== 'secretary') return refuse('forbidden', 'only staff create documents');
  if (state.documents.size >= DOCUMENT_LIMITS.perMeeting) return refuse('conflict', `at most ${DOCUMENT_LIMITS.perMeeting} documents per meeting`);
  const bad = checkEditors(state, command.access, command.editors);
  if (bad) return bad;
  return accept<DocumentEvent>({
    type: 'document.created',
    docId: ctx.newId(),
    kind: command.kind,
    title: command.title,
    access: command.access,
    editors: [...command.editors],
    createdBy: actor.role
  });
}

export function decideRename(state: MeetingState, command: Cmd<'document.rename'>): Decision<DocumentEvent> {
  if (!state.documents.has(command.docId)) return refuse('not_found', 'no such document', 'docId');
  return accept<DocumentEvent>({ type: 'document.renamed', docId: command.docId, title: command.title });
}

export function decideAccess(state: MeetingState, command: Cmd<'document.access.set'>): Decision<DocumentEvent> {
  if (!state.documents.has(command.docId)) return refuse('not_found', 'no such document', 'docId');
  const bad = checkEditors(state, command.access, command.editors);
  if (bad) return bad;
  return accept<DocumentEvent>({ type: 'document.accessChanged', docId: command.docId, access: command.access, editors: [...command.editors] });
}

/**
 * Who may save a named version of a document, and whether it may have one more [D22]: anyone with the
 * right to write it (staff; a participant while the meeting runs, where its access lets them).
 */
function checkVersion(state: MeetingState, docId: string, actor: Actor): Refusal | null {
  const doc = state.documents.get(docId);
  if (doc === undefined) return refuse('not_found', 'no such document', 'docId');
  if (documentRight(state, actor, docId) !== 'write') return refuse('forbidden', 'only someone who may edit this document saves a version of it');
  if (doc.versions.length >= DOCUMENT_LIMITS.versionsPerDoc) return refuse('conflict', `at most ${DOCUMENT_LIMITS.versionsPerDoc} versions per document`);
  return null;
}

/**
 * What a client asks for. Its content is the server's to fill in (the document as the server holds it),
 * so it is recorded only as `document.version.record`; decided on its own it is checked and then refused.
 */
export function decideVersionSave(state: MeetingState, command: Cmd<'document.version.save'>, actor: Actor): Decision<DocumentEvent> {
  return checkVersion(state, command.docId, actor) ?? refuse('internal', 'a version is saved by the server, which stores its content first');
}

/** A version whose content the server has stored: recorded in the log with its hash and size [D22]. */
export function decideVersionRecord(state: MeetingState, command: Cmd<'document.version.record'>, actor: Actor): Decision<DocumentEvent> {
  const bad = checkVersion(state, command.docId, actor);
  if (bad) return bad;
  if (state.documents.get(command.docId)!.versions.some((v) => v.id === command.versionId)) return refuse('conflict', 'this version exists already', 'versionId');
  if (actor.role !== 'facilitator' && actor.role !== 'secretary' && actor.role !== 'participant') return refuse('forbidden', `${actor.role} may not save versions`);
  return accept<DocumentEvent>({
    type: 'document.versioned',
    docId: command.docId,
    versionId: command.versionId,
    name: command.name,
    contentHash: command.contentHash,
    bytes: command.bytes,
    by: actor.role
  });
}

/** The ack of a saved version carries its id, so the editor can name it (a retry gets the same id). */
export function savedVersion(events: readonly DocumentEvent[]): CommandValue {
  const saved = events.find((e) => e.type === 'document.versioned');
  return { versionId: saved?.type === 'document.versioned' ? saved.versionId : null };
}

export function documentVersioned(state: MeetingState, event: Ev<'document.versioned'>, entry: EventMessage): MeetingState {
  const version: DocumentVersion = { id: event.versionId, name: event.name, contentHash: event.contentHash, bytes: event.bytes, at: entry.at, by: event.by, seq: entry.seq };
  return { ...state, documents: state.documents.update(event.docId, (d) => ({ ...d, versions: [...d.versions, version] })) };
}

/**
 * The facilitator puts a document on the board in place of the topic wall, or takes it down (null) [D23].
 * Only a document of this meeting that the board may read; an article id says which article is under
 * discussion (the board scrolls to it; an id the text does not hold just shows the document). Showing
 * what is shown already is a conflict, as is taking down what is not there.
 */
export function decideBoardDocument(state: MeetingState, command: Cmd<'board.document'>): Decision<DocumentEvent> {
  if (command.docId === null) {
    if (command.articleId !== null) return refuse('invalid', 'an article belongs to a document', 'articleId');
    return state.boardDocument === null ? refuse('conflict', 'no document is on the board') : accept<DocumentEvent>({ type: 'board.documentShown', docId: null, articleId: null });
  }
  if (!state.documents.has(command.docId)) return refuse('not_found', 'no such document', 'docId');
  if (documentRight(state, { role: 'board' }, command.docId) === 'none') return refuse('forbidden', 'the board may not read this document');
  const shown = state.boardDocument;
  if (shown !== null && shown.docId === command.docId && shown.articleId === command.articleId) return refuse('conflict', 'this is on the board already');
  return accept<DocumentEvent>({ type: 'board.documentShown', docId: command.docId, articleId: command.articleId });
}

export function boardDocumentShown(state: MeetingState, event: Ev<'board.documentShown'>): MeetingState {
  return { ...state, boardDocument: event.docId === null ? null : { docId: event.docId, articleId: event.articleId } };
}

/** A document's named version by id, or undefined. */
export function documentVersion(state: MeetingState, docId: string, versionId: string): DocumentVersion | undefined {
  return state.documents.get(docId)?.versions.find((v) => v.id === versionId);
}

/** The ack of a creation carries the new document's id, so the desk can open it (a retry gets the same id). */
export function createdDocument(events: readonly DocumentEvent[]): CommandValue {
  const created = events.find((e) => e.type === 'document.created');
  return { docId: created?.type === 'document.created' ? created.docId : null };
}

export function documentCreated(state: MeetingState, event: Ev<'document.created'>, entry: EventMessage): MeetingState {
  const doc: MeetingDocument = {
    id: event.docId,
    kind: event.kind,
    title: event.title,
    access: event.access,
    editors: event.editors,
    createdAt: entry.at,
    createdBy: event.createdBy,
    order: entry.seq,
    versions: []
  };
  return { ...state, documents: state.documents.set(doc.id, doc) };
}

export function documentRenamed(state: MeetingState, event: Ev<'document.renamed'>): MeetingState {
  return { ...state, documents: state.documents.update(event.docId, (d) => ({ ...d, title: event.title })) };
}

export function documentAccessChanged(state: MeetingState, event: Ev<'document.accessChanged'>): MeetingState {
  return { ...state, documents: state.documents.update(event.docId, (d) => ({ ...d, access: event.access, editors: event.editors })) };
}

/**
 * A named set reaches a public view one person at a time: the hall and the board get the document with
 * no editors listed, and each named participant, in their own room, the document listing only them — so
 * a phone knows whether it may edit, and no view holds the ids of people it does not name [D16, D21].
 * A set holds at most `DOCUMENT_LIMITS.editors` people, so this is a bounded number of private parts.
 */
export function projectEditors(_before: MeetingState, _after: MeetingState, message: EventMessage<Ev<'document.created' | 'document.accessChanged'>>): Projection<DocumentEvent> {
  const editors = message.event.editors;
  const shared = { ...message, event: { ...message.event, editors: [] } };
  if (editors.length === 0) return { shared };
  return { shared, private: editors.map((id) => ({ participantId: id, message: { ...message, event: { ...message.event, editors: [id] } } })) };
}

/** The documents as a public view holds them: a named set reduced to the view's own participant, if in it. */
export function documentsForView(doc: MeetingDocument, self: string | null): MeetingDocument {
  if (doc.editors.length === 0) return doc;
  return { ...doc, editors: self !== null && doc.editors.includes(self) ? [self] : [] };
}

/** The meeting's documents in the order they were created. */
export function documentList(state: MeetingState): MeetingDocument[] {
  return [...state.documents.values()].sort((a, b) => a.order - b.order);
}
