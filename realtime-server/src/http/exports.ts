import { buildMinutes, buildVersionDocument, documentRight, documentVersion, isDiagramKind, isMinutesDraft, type LogEntry, type MeetingState, type Outline, type RecordDocument } from '@yishi/domain';
import { ARCHIVE_FORMAT, protocolError, type Actor, type ArchiveFile, type ExportFormat, type ExportWhat, type ProtocolError } from '@yishi/protocol';
import type { Store } from '@yishi/store';
import type { ExportRenderers, MinutesFormat, Rendered } from './exportRenderers.ts';
import type { VersionRef } from './downloadLinks.ts';
import { outlineOfContent } from '../yjs/outline.ts';
import { diagramOfContent } from '../yjs/diagramData.ts';

/**
 * The files a meeting exports: the minutes (Markdown, DOCX, PDF), the door poster and the sign-in
 * sheets (PDF), and the archive (the whole log as stored, JSON). Who may have which, what each file
 * is called, and making it whole before anything is sent.
 */

/** A file ready to send: every byte rendered, headers decided. */
export interface FileResponse {
  bytes: Uint8Array;
  headers: Record<string, string>;
}

/** Whether the facilitator has published the meeting's minutes to its participants. */
export function minutesPublished(state: MeetingState): boolean {
  return state.minutesPublished;
}

/** The facilitator's time zone, set when the meeting was created. */
export function meetingTimeZone(state: MeetingState): string {
  return state.timeZone;
}

/** Who may have which export; null when `actor` may. A named version is named by `version`. */
export function exportRefusal(actor: Actor, what: ExportWhat, state: MeetingState, version?: VersionRef): ProtocolError | null {
  const staff = actor.role === 'facilitator' || actor.role === 'secretary';
  switch (what) {
    case 'version': {
      // Whoever may read the document [D26].
      if (!version) return protocolError('invalid', 'name the document and the version', { field: 'docId' });
      if (!state.documents.has(version.docId)) return protocolError('not_found', 'no such document');
      if (documentRight(state, actor, version.docId) === 'none') return protocolError('forbidden', 'you may not read this document');
      return documentVersion(state, version.docId, version.versionId) ? null : protocolError('not_found', 'no such version');
    }
    case 'archive':
      return actor.role === 'facilitator' ? null : protocolError('forbidden', 'only the facilitator can download the archive');
    case 'poster':
    case 'signin':
      return staff ? null : protocolError('forbidden', 'only the facilitator and the secretary can print these');
    case 'minutes':
      if (staff) return null;
      if (actor.role === 'participant') return minutesPublished(state) ? null : protocolError('forbidden', 'the minutes are not published yet');
      return protocolError('forbidden', 'this link cannot download the minutes');
  }
}

const NAMES: Record<ExportWhat, { 'zh-CN': string; en: string; ascii: string }> = {
  minutes: { 'zh-CN': '会议纪要', en: 'Minutes', ascii: 'minutes' },
  version: { 'zh-CN': '文件版本', en: 'Version', ascii: 'version' },
  poster: { 'zh-CN': '会议海报', en: 'Poster', ascii: 'poster' },
  signin: { 'zh-CN': '签到表', en: 'Sign-in sheets', ascii: 'signin' },
  archive: { 'zh-CN': '会议档案', en: 'Archive', ascii: 'archive' }
};

const TITLE_MAX = 40;

/**
 * A meeting title made safe for a file name: no path separators, quotes, control or format characters,
 * nor characters Windows refuses; runs of space as one; capped in length; no leading or trailing dots.
 */
export function fileSafeTitle(title: string): string {
  const cleaned = title
    .normalize('NFC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}/\\:*?"'`<>|]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  return [...cleaned].slice(0, TITLE_MAX).join('').replace(/^[.\s]+|[.\s]+$/g, '');
}

/** `YYYY-MM-DD` of `at` in the meeting's time zone (UTC if the zone is unknown to this runtime). */
export function meetingDate(at: number, timeZone: string): string {
  const format = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  try {
    return format(timeZone);
  } catch {
    return format('UTC');
  }
}

/** RFC 5987 value: percent-encoded UTF-8, with the characters encodeURIComponent leaves that the grammar does not allow. */
const rfc5987 = (s: string) => encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `attachment` with an ASCII name for old clients and the full name (会议纪要-<title>-<date>.<ext>) as
 * `filename*`; `subject` in place of the meeting's title (a version: `<document>-<version name>`).
 */
export function contentDisposition(what: ExportWhat, state: MeetingState, extension: string, subject = state.title): string {
  const date = meetingDate(state.createdAt, meetingTimeZone(state));
  const full = `${fileBase(what, state, subject)}.${extension}`;
  return `attachment; filename="${NAMES[what].ascii}-${date}.${extension}"; filename*=UTF-8''${rfc5987(full)}`;
}

/** The download's full name without its extension: 会议纪要-<title>-<date> (a Markdown bundle names its files after it). */
export function fileBase(what: ExportWhat, state: MeetingState, subject = state.title): string {
  const date = meetingDate(state.createdAt, meetingTimeZone(state));
  const word = NAMES[what][state.language === 'en' ? 'en' : 'zh-CN'];
  return [word, fileSafeTitle(subject), date].filter(Boolean).join('-');
}

export interface ExportDeps {
  store: Store;
  renderers: ExportRenderers;
  /** The address people open (PUBLIC_URL or the LAN address). */
  publicUrl: () => string;
  /** A document's current content (the live copy this node holds, else the store's), or null when documents are not served. */
  documentContent: (meetingId: string, docId: string) => Promise<Uint8Array | null>;
}

/**
 * Renders one export of a meeting in full. `state` is the meeting's current state (for names and
 * rights); the minutes and the archive read the log themselves, so they are made at the log's head.
 */
export async function renderExport(deps: ExportDeps, meetingId: string, state: MeetingState, what: ExportWhat, format: ExportFormat): Promise<FileResponse> {
  if (what === 'version') throw new Error('a version is rendered by renderVersionExport');
  const rendered = await renderFile(deps, meetingId, state, what, format);
  return fileResponse(rendered, contentDisposition(what, state, rendered.extension));
}

function fileResponse(rendered: Rendered, disposition: string): FileResponse {
  return {
    bytes: rendered.bytes,
    headers: {
      'content-type': rendered.contentType,
      'content-length': String(rendered.bytes.byteLength),
      'content-disposition': disposition,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff'
    }
  };
}

/**
 * A named version as a file [D26]: `content` is its stored bytes, already checked against the hash in
 * the log (`DocVersions.read`, which also checked that the actor may read the document). The verify
 * block names the `document.versioned` entry with that entry's hash.
 */
export async function renderVersionExport(deps: ExportDeps, meetingId: string, state: MeetingState, ref: VersionRef, content: Uint8Array, format: MinutesFormat): Promise<FileResponse> {
  const doc = state.documents.get(ref.docId);
  const version = documentVersion(state, ref.docId, ref.versionId);
  if (!doc || !version) throw new Error('the version was checked before it was rendered');
  const [entry] = await deps.store.readLog(meetingId, version.seq);
  if (entry?.seq !== version.seq || entry.event.type !== 'document.versioned') throw new Error(`no versioned entry at ${version.seq}`);
  // A diagram's bytes are read as the editor reads them (`diagramOf`); a text document's as its outline [D36].
  const body = isDiagramKind(doc.kind) ? { diagram: diagramOfContent(content) } : { outline: outlineOfContent(content) };
  const built = buildVersionDocument({ state, docId: ref.docId, versionId: ref.versionId, ...body, entryHash: entry.hash, verifyUrl: verifyUrl(deps.publicUrl(), meetingId) });
  if (!built) throw new Error('the version was checked before it was built');
  const subject = `${doc.title}-${version.name}`;
  const rendered = await deps.renderers.document(built, format, { fileBase: fileBase('version', state, subject) });
  return fileResponse(rendered, contentDisposition('version', state, rendered.extension, subject));
}

/** The current text of the meeting's minutes drafts, by document id, for the minutes [D27]. */
async function minutesDrafts(deps: ExportDeps, meetingId: string, state: MeetingState): Promise<Map<string, Outline>> {
  const drafts = new Map<string, Outline>();
  for (const doc of state.documents.values()) {
    if (!isMinutesDraft(doc)) continue;
    const content = await deps.documentContent(meetingId, doc.id);
    if (content !== null) drafts.set(doc.id, outlineOfContent(content));
  }
  return drafts;
}

async function renderFile(deps: ExportDeps, meetingId: string, state: MeetingState, what: ExportWhat, format: ExportFormat): Promise<Rendered> {
  switch (what) {
    case 'minutes': {
      const drafts = await minutesDrafts(deps, meetingId, state);
      const entries = (await deps.store.readLog(meetingId)) as LogEntry[];
      return deps.renderers.minutes(entries, format as MinutesFormat, { verifyUrl: verifyUrl(deps.publicUrl(), meetingId), drafts });
    }
    case 'version':
      throw new Error('a version is rendered by renderVersionExport');
    case 'poster':
      return deps.renderers.poster(state, { joinUrl: `${deps.publicUrl()}/join/${(await deps.store.getMeeting(meetingId))?.joinCode ?? ''}` });
    case 'signin':
      return deps.renderers.signin(state);
    case 'archive': {
      const archive = await buildArchive(deps.store, meetingId);
      return { bytes: new TextEncoder().encode(JSON.stringify(archive)), contentType: 'application/json; charset=utf-8', extension: 'json' };
    }
  }
}

/**
 * The minutes as their document model, for the desk's live preview (`GET …/export/minutes.json`): the
 * same document the three formats render, made at the log's head, on the same rights as the minutes.
 * Plain text in blocks; the page shows it as text.
 */
export async function minutesDocument(deps: ExportDeps, meetingId: string, state: MeetingState): Promise<RecordDocument> {
  const drafts = await minutesDrafts(deps, meetingId, state);
  const entries = (await deps.store.readLog(meetingId)) as LogEntry[];
  return buildMinutes(entries, { verifyUrl: verifyUrl(deps.publicUrl(), meetingId), drafts });
}

/** Where a printed copy is checked: the verify page of the meeting. */
export function verifyUrl(publicUrl: string, meetingId: string): string {
  return `${publicUrl}/verify/${meetingId}`;
}

/**
 * The whole log as stored, up to the head read first: entries appended while it is read are left for
 * the next archive, so the file is one consistent log that verifies against its own head.
 */
export async function buildArchive(store: Store, meetingId: string, now = Date.now()): Promise<ArchiveFile> {
  const head = await store.head(meetingId);
  const entries = (await store.readLog(meetingId)).filter((e) => e.seq <= head.seq);
  return { format: ARCHIVE_FORMAT, version: 1, meetingId, exportedAt: now, head, entries, documents: {} };
}
