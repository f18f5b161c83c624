import { buildMinutes, type LogEntry, type MeetingState, type RecordDocument } from '@yishi/domain';
import { ARCHIVE_FORMAT, protocolError, type Actor, type ArchiveFile, type ExportFormat, type ExportWhat, type ProtocolError } from '@yishi/protocol';
import type { Store } from '@yishi/store';
import type { ExportRenderers, MinutesFormat, Rendered } from './exportRenderers.ts';

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

/** Who may have which export; null when `actor` may. */
export function exportRefusal(actor: Actor, what: ExportWhat, state: MeetingState): ProtocolError | null {
  const staff = actor.role === 'facilitator' || actor.role === 'secretary';
  switch (what) {
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

/** `attachment` with an ASCII name for old clients and the full name (会议纪要-<title>-<date>.<ext>) as `filename*`. */
export function contentDisposition(what: ExportWhat, state: MeetingState, extension: string): string {
  const date = meetingDate(state.createdAt, meetingTimeZone(state));
  const title = fileSafeTitle(state.title);
  const word = NAMES[what][state.language === 'en' ? 'en' : 'zh-CN'];
  const full = [word, title, date].filter(Boolean).join('-') + `.${extension}`;
  return `attachment; filename="${NAMES[what].ascii}-${date}.${extension}"; filename*=UTF-8''${rfc5987(full)}`;
}

export interface ExportDeps {
  store: Store;
  renderers: ExportRenderers;
  /** The address people open (PUBLIC_URL or the LAN address). */
  publicUrl: () => string;
}

/**
 * Renders one export of a meeting in full. `state` is the meeting's current state (for names and
 * rights); the minutes and the archive read the log themselves, so they are made at the log's head.
 */
export async function renderExport(deps: ExportDeps, meetingId: string, state: MeetingState, what: ExportWhat, format: ExportFormat): Promise<FileResponse> {
  const rendered = await renderFile(deps, meetingId, state, what, format);
  return {
    bytes: rendered.bytes,
    headers: {
      'content-type': rendered.contentType,
      'content-length': String(rendered.bytes.byteLength),
      'content-disposition': contentDisposition(what, state, rendered.extension),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff'
    }
  };
}

async function renderFile(deps: ExportDeps, meetingId: string, state: MeetingState, what: ExportWhat, format: ExportFormat): Promise<Rendered> {
  switch (what) {
    case 'minutes': {
      const entries = (await deps.store.readLog(meetingId)) as LogEntry[];
      return deps.renderers.minutes(entries, format as MinutesFormat, { verifyUrl: verifyUrl(deps.publicUrl(), meetingId) });
    }
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
export async function minutesDocument(deps: ExportDeps, meetingId: string): Promise<RecordDocument> {
  const entries = (await deps.store.readLog(meetingId)) as LogEntry[];
  return buildMinutes(entries, { verifyUrl: verifyUrl(deps.publicUrl(), meetingId) });
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
