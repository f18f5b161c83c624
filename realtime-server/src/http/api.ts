import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CreateLinkRequestSchema,
  CreateMeetingRequestSchema,
  DeleteMeetingRequestSchema,
  ExportLinkRequestSchema,
  VerifyQuerySchema,
  isExport,
  type Actor,
  type ExportFormat,
  type ExportLinkResponse,
  type VerifyResponse,
  DEFAULT_GROUPS,
  DEFAULT_TIME_ZONE,
  JoinCodeSchema,
  JoinRequestSchema,
  IdSchema,
  LinkIdSchema,
  PROTOCOL_VERSION,
  RecoverRequestSchema,
  invalidFromZod,
  protocolError,
  type CreateLinkResponse,
  type CreateMeetingResponse,
  type HealthResponse,
  type JoinInfoResponse,
  type JoinResponse,
  type LinkView,
  type RecoverResponse
} from '@yishi/protocol';
import { hashToken, type Store, type TokenRecord } from '@yishi/store';
import { z } from 'zod';
import type { MeetingState, RecordDocument, VersionComparison } from '@yishi/domain';
import { actorOf, authenticate, sessionExpiry, type Authenticated } from '../auth.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { MeetingService } from '../meetings/meetingService.ts';
import { newId, newJoinCode, newRecoveryCode, newTokenSecret, recoveryHash } from '../secrets.ts';
import { clientAddress, throttleKey } from './clientAddress.ts';
import { FailureThrottle, type FailureCounter, type GuessPolicy } from './failureThrottle.ts';
import { decodeSegment, requestPath } from './requestTarget.ts';
import { DOWNLOAD_LINK_TTL_MS, downloadLinkValid, readDownloadLink, signDownloadLink, type VersionRef } from './downloadLinks.ts';
import type { ExportRenderers, MinutesFormat } from './exportRenderers.ts';
import { exportRefusal, minutesDocument, renderExport, renderVersionExport, type ExportDeps, type FileResponse } from './exports.ts';
import { HttpError, STATUS, readJson, send, sendFile } from './responses.ts';
import { verifyMeeting } from './verify.ts';
import { versionText, type DocVersions } from '../yjs/docVersions.ts';

const VersionPathSchema = z.strictObject({ docId: IdSchema, versionId: IdSchema });
/** A side of a comparison: a version id, or `current` (the document as it is; no version id can be that: they are 16 characters). */
const VersionRefSchema = z.union([z.literal('current'), IdSchema]);
const CompareQuerySchema = z.strictObject({ from: VersionRefSchema, to: VersionRefSchema });
/** Comparisons per token per minute: each reads and diffs two whole documents (bounded, but not free). */
const COMPARES_PER_MINUTE = 60;

const HOUR_MS = 3_600_000;
/** Wrong recovery codes per meeting per minute: 80-bit codes stay out of reach at this rate. */
const RECOVERY_FAILURES_PER_MINUTE = 10;

export interface ApiDeps {
  config: Config;
  store: Store;
  meetings: MeetingService;
  log: Logger;
  /** The address phones open; known once the server listens. */
  publicUrl: () => string;
  /** Called when a link is revoked, so open connections using it are closed. */
  onTokenRevoked: (meetingId: string, tokenId: string) => void;
  /**
   * The counters of the join-code guard, wrong recovery codes and meetings created; this node's own
   * memory unless given (nodes on one Redis share one).
   */
  failures?: FailureCounter | null;
  /** What renders the minutes, the poster and the sign-in sheets. */
  renderers: ExportRenderers;
  /** Deletes a meeting with all its data, on every node (meetings/deletion.ts). */
  deleteMeeting: (meetingId: string) => Promise<boolean>;
  /** Named versions of documents (yjs/docVersions.ts). */
  versions: DocVersions;
}

/** A route's answer: a JSON body, or a file rendered whole before anything is sent. */
type RouteResult = { status: number; body: unknown } | { status: number; file: FileResponse };

/** Verify requests per client address per minute: each recomputes a whole log's hashes. */
const VERIFY_PER_MINUTE = 120;
const MEETING_ID = /^[A-Za-z0-9_-]{4,64}$/;

/** The JSON API. Returns false when the request is not for it. */
export function createApi(deps: ApiDeps) {
  const { store, meetings, log, config } = deps;
  const exportDeps: ExportDeps = { store, renderers: deps.renderers, publicUrl: deps.publicUrl, documentContent: (meetingId, docId) => deps.versions.current(meetingId, docId) };
  const throttle = deps.failures ?? new FailureThrottle(config.joinFailuresPerMinute);
  const guesses: GuessPolicy = {
    limit: config.joinFailuresPerMinute,
    creditMax: 2 * config.joinFailuresPerMinute,
    burst: config.joinFailuresPerMinute,
    paceMs: Math.ceil(60_000 / config.joinFailuresPerMinute),
    windowMs: 60_000
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = requestPath(req.url);
    if (path === null) {
      send(res, 400, { error: protocolError('invalid', 'malformed request target') });
      return true;
    }
    if (path !== '/healthz' && !path.startsWith('/api/')) return false;
    try {
      const result = await route(req, path);
      if ('file' in result) sendFile(res, result.status, result.file);
      else send(res, result.status, result.body);
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, STATUS[err.error.code], { error: err.error }, err.headers);
      } else {
        log.error({ err, path }, 'api request failed');
        send(res, 500, { error: protocolError('internal', 'internal error') });
      }
    }
    return true;
  }

  async function route(req: IncomingMessage, path: string): Promise<RouteResult> {
    const method = req.method ?? 'GET';
    if (path === '/healthz' && method === 'GET') {
      const body: HealthResponse = { ok: true, store: store.kind, protocol: PROTOCOL_VERSION, node: config.nodeId };
      return { status: 200, body };
    }
    if (path === '/api/meetings' && method === 'POST') return { status: 201, body: await createMeeting(req) };
    if (path === '/api/join' && method === 'POST') return { status: 201, body: await join(req) };
    if (path === '/api/recover' && method === 'POST') return { status: 200, body: await recover(req) };
    const lookup = /^\/api\/join\/([^/]+)$/.exec(path);
    if (lookup && method === 'GET') {
      const code = decodeSegment(lookup[1]!);
      if (code === null) throw new HttpError(protocolError('invalid', 'malformed join code', { field: 'joinCode' }));
      return { status: 200, body: await meetingForCode(req, code) };
    }

    const links = /^\/api\/meetings\/([A-Za-z0-9_-]{4,64})\/links(?:\/([^/]+))?$/.exec(path);
    if (links) {
      const meetingId = links[1]!;
      await requireFacilitator(req, meetingId);
      if (!links[2] && method === 'GET') return { status: 200, body: { links: (await store.listTokens(meetingId)).filter((t) => t.kind === 'link').map(linkView) } };
      if (!links[2] && method === 'POST') return { status: 201, body: await createLink(meetingId, await readJson(req, CreateLinkRequestSchema)) };
      if (links[2] && method === 'DELETE') {
        const linkId = LinkIdSchema.safeParse(links[2]);
        if (!linkId.success) throw new HttpError(protocolError('invalid', 'not a link id'));
        const token = (await store.listTokens(meetingId)).find((t) => t.tokenId === linkId.data && t.kind === 'link');
        if (!token) throw new HttpError(protocolError('not_found', 'no such link'));
        if (token.revokedAt === null) {
          await store.revokeToken(meetingId, token.tokenId, Date.now());
          deps.onTokenRevoked(meetingId, token.tokenId);
        }
        return { status: 200, body: { ok: true } };
      }
    }
    const records = recordRoute(req, path, method);
    if (records) return records;
    throw new HttpError(protocolError('not_found', `no route ${method} ${path}`));
  }

  /** Verify, exports, download links and deletion (issue 9); null when the path is none of them. */
  function recordRoute(req: IncomingMessage, path: string, method: string): Promise<RouteResult> | null {
    const download = /^\/api\/download\/([^/]+)$/.exec(path);
    if (download && method === 'GET') return downloadFile(download[1]!);
    const m = /^\/api\/meetings\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return null;
    const meetingId = m[1]!;
    const rest = m[2] ?? '';
    if (!MEETING_ID.test(meetingId)) return Promise.reject(new HttpError(protocolError('not_found', 'no such meeting')));
    if (rest === '/verify' && method === 'GET') return verify(req, meetingId).then((body) => ({ status: 200, body }));
    if (rest === '' && method === 'DELETE') return deleteMeeting(req, meetingId).then((body) => ({ status: 200, body }));
    if (rest === '/export/links' && method === 'POST') return createDownloadLink(req, meetingId).then((body) => ({ status: 201, body }));
    if (rest === '/export/minutes.json' && method === 'GET') return minutesPreview(req, meetingId).then((body) => ({ status: 200, body }));
    const versionExport = /^\/documents\/([^/]+)\/versions\/([^/]+)\/export\.([a-z]+)$/.exec(rest);
    if (versionExport && method === 'GET') return versionExportFile(req, meetingId, versionExport[1]!, versionExport[2]!, versionExport[3]!);
    const compare = /^\/documents\/([^/]+)\/compare$/.exec(rest);
    if (compare && method === 'GET') return compareVersions(req, meetingId, compare[1]!).then((body) => ({ status: 200, body }));
    const version = /^\/documents\/([^/]+)\/versions\/([^/]+)(\/text)?$/.exec(rest);
    if (version && method === 'GET') return versionFile(req, meetingId, version[1]!, version[2]!, version[3] !== undefined);
    const file = /^\/export\/([a-z]+)\.([a-z]+)$/.exec(rest);
    if (file && method === 'GET') return exportFile(req, meetingId, file[1]!, file[2]!);
    return null;
  }

  async function verify(req: IncomingMessage, meetingId: string): Promise<VerifyResponse> {
    const query = VerifyQuerySchema.safeParse(Object.fromEntries(new URL(req.url ?? '/', 'http://localhost').searchParams));
    if (!query.success) throw new HttpError(invalidFromZod(query.error));
    refuseIfWaiting(await throttle.take(`verify:${throttleKey(clientAddress(req, config.trustProxy))}`, VERIFY_PER_MINUTE, 60_000), 'too many verifications from this address, wait a moment');
    // Anyone may verify who has the meeting id; unknown ids count against the address as wrong codes do.
    const meeting = await guess(req, () => store.getMeeting(meetingId));
    if (!meeting) throw new HttpError(protocolError('not_found', 'no such meeting'));
    const { seq, hash } = query.data;
    return verifyMeeting(store, meetingId, seq !== undefined && hash !== undefined ? { seq, hash } : undefined);
  }

  /** The meeting's current state, or 404; its existence is checked before the bearer (ids are public, like verify). */
  async function existingMeeting(meetingId: string): Promise<MeetingState> {
    const meeting = await store.getMeeting(meetingId);
    const state = meeting ? (await meetings.current(meetingId)).state : null;
    if (!state) throw new HttpError(protocolError('not_found', 'no such meeting'));
    return state;
  }

  async function exportFile(req: IncomingMessage, meetingId: string, what: string, format: string): Promise<RouteResult> {
    // A named version has its own address (…/documents/<docId>/versions/<versionId>/export.<format>).
    if (!isExport(what, format) || what === 'version') throw new HttpError(protocolError('not_found', `no export ${what}.${format}`));
    const state = await existingMeeting(meetingId);
    const auth = await bearer(req, meetingId);
    const refused = exportRefusal(auth.actor, what, state);
    if (refused) throw new HttpError(refused);
    return { status: 200, file: await renderExport(exportDeps, meetingId, state, what, format as ExportFormat) };
  }

  /** The minutes' document model for the desk's preview: the rights of the minutes, sent as JSON with the bearer. */
  async function minutesPreview(req: IncomingMessage, meetingId: string): Promise<RecordDocument> {
    const state = await existingMeeting(meetingId);
    const auth = await bearer(req, meetingId);
    const refused = exportRefusal(auth.actor, 'minutes', state);
    if (refused) throw new HttpError(refused);
    return minutesDocument(exportDeps, meetingId, state);
  }

  /** The version's ids from the path, or a typed refusal. */
  function versionRef(rawDocId: string, rawVersionId: string): VersionRef {
    const ids = VersionPathSchema.safeParse({ docId: decodeSegment(rawDocId), versionId: decodeSegment(rawVersionId) });
    if (!ids.success) throw new HttpError(invalidFromZod(ids.error));
    return ids.data;
  }

  /**
   * A named version as Markdown, DOCX or PDF [D26], for whoever may read the document: its bytes are read
   * (and checked against the hash in the log) before anything is rendered.
   */
  async function versionExport(meetingId: string, state: MeetingState, actor: Actor, ref: VersionRef, format: ExportFormat): Promise<RouteResult> {
    const refused = exportRefusal(actor, 'version', state, ref);
    if (refused) throw new HttpError(refused);
    const read = await deps.versions.read(meetingId, ref.docId, ref.versionId, actor);
    if (!read.ok) throw new HttpError(read.error);
    return { status: 200, file: await renderVersionExport(exportDeps, meetingId, state, ref, read.content, format as MinutesFormat) };
  }

  async function versionExportFile(req: IncomingMessage, meetingId: string, rawDocId: string, rawVersionId: string, format: string): Promise<RouteResult> {
    if (!isExport('version', format)) throw new HttpError(protocolError('not_found', `no export version.${format}`));
    const ref = versionRef(rawDocId, rawVersionId);
    const state = await existingMeeting(meetingId);
    const auth = await bearer(req, meetingId);
    return versionExport(meetingId, state, auth.actor, ref, format as ExportFormat);
  }

  /**
   * A named version [D22]: its content as one Yjs update, or (`/text`) as plain text, for someone who
   * may read the document, once its bytes match the hash in the log (else a 500, never the bytes).
   */
  async function versionFile(req: IncomingMessage, meetingId: string, rawDocId: string, rawVersionId: string, asText: boolean): Promise<RouteResult> {
    const ids = VersionPathSchema.safeParse({ docId: decodeSegment(rawDocId), versionId: decodeSegment(rawVersionId) });
    if (!ids.success) throw new HttpError(invalidFromZod(ids.error));
    await existingMeeting(meetingId);
    const auth = await bearer(req, meetingId);
    const read = await deps.versions.read(meetingId, ids.data.docId, ids.data.versionId, auth.actor);
    if (!read.ok) throw new HttpError(read.error);
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (asText) return { status: 200, file: { bytes: Buffer.from(versionText(read.content), 'utf8'), headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } } };
    return { status: 200, file: { bytes: read.content, headers: { ...headers, 'content-type': 'application/octet-stream' } } };
  }

  /**
   * Two versions of one document compared article by article [D24], or a version and the current text
   * (`?from=<versionId|current>&to=<versionId|current>`), for someone who may read the document.
   */
  async function compareVersions(req: IncomingMessage, meetingId: string, rawDocId: string): Promise<VersionComparison> {
    const docId = IdSchema.safeParse(decodeSegment(rawDocId));
    if (!docId.success) throw new HttpError(protocolError('invalid', 'not a document id', { field: 'docId' }));
    const params = [...new URL(req.url ?? '/', 'http://localhost').searchParams];
    const twice = params.find(([key], k) => params.findIndex(([other]) => other === key) !== k);
    if (twice) throw new HttpError(protocolError('invalid', `${twice[0]} given twice`, { field: twice[0] }));
    const query = CompareQuerySchema.safeParse(Object.fromEntries(params));
    if (!query.success) throw new HttpError(invalidFromZod(query.error));
    await existingMeeting(meetingId);
    const auth = await bearer(req, meetingId);
    refuseIfWaiting(await throttle.take(`compare:${auth.token.tokenId}`, COMPARES_PER_MINUTE, 60_000), 'too many comparisons, wait a moment');
    const result = await deps.versions.compare(meetingId, docId.data, query.data.from, query.data.to, auth.actor);
    if (!result.ok) throw new HttpError(result.error);
    return result.comparison;
  }

  async function createDownloadLink(req: IncomingMessage, meetingId: string): Promise<ExportLinkResponse> {
    const state = await existingMeeting(meetingId);
    const auth = await bearer(req, meetingId);
    const input = await readJson(req, ExportLinkRequestSchema);
    const ref = input.docId !== undefined && input.versionId !== undefined ? { docId: input.docId, versionId: input.versionId } : undefined;
    const refused = exportRefusal(auth.actor, input.what, state, ref);
    if (refused) throw new HttpError(refused);
    const link = signDownloadLink(auth.token, input.what, input.format as ExportFormat, Date.now(), ref);
    return { url: `/api/download/${link}`, expiresInMs: DOWNLOAD_LINK_TTL_MS };
  }

  /** A download link: valid only for the token it was issued to, within its time, on that token's rights now. */
  async function downloadFile(link: string): Promise<RouteResult> {
    const gone = () => new HttpError(protocolError('not_found', 'this download link is not valid or has expired; ask for a new one'));
    const target = readDownloadLink(link);
    if (!target) throw gone();
    const token = await store.getToken(target.meetingId, target.tokenId);
    const now = Date.now();
    if (!token || token.kind === 'recovery' || !downloadLinkValid(target, token, now)) throw gone();
    if (token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now)) throw gone();
    const state = await existingMeeting(target.meetingId);
    const actor = actorOf(token);
    if (actor.role === 'participant') {
      const p = state.participants.get(actor.participantId);
      if (!p || p.removed) throw new HttpError(protocolError('forbidden', 'you were removed from this meeting'));
    }
    if (target.what === 'version' && target.version) return versionExport(target.meetingId, state, actor, target.version, target.format);
    const refused = exportRefusal(actor, target.what, state);
    if (refused) throw new HttpError(refused);
    return { status: 200, file: await renderExport(exportDeps, target.meetingId, state, target.what, target.format) };
  }

  async function deleteMeeting(req: IncomingMessage, meetingId: string): Promise<{ ok: true }> {
    const state = await existingMeeting(meetingId);
    const auth = await bearer(req, meetingId);
    if (auth.actor.role !== 'facilitator') throw new HttpError(protocolError('forbidden', 'only the facilitator can delete the meeting'));
    const { confirm } = await readJson(req, DeleteMeetingRequestSchema);
    const meeting = await store.getMeeting(meetingId);
    const typed = confirm.normalize('NFKC').trim();
    if (!meeting || (typed !== meeting.joinCode && typed !== state.title.normalize('NFKC').trim())) {
      throw new HttpError(protocolError('invalid', 'type the meeting\'s join code or title to confirm', { field: 'confirm' }));
    }
    await deps.deleteMeeting(meetingId);
    return { ok: true };
  }

  /** The caller's token, which must be of this meeting. */
  async function bearer(req: IncomingMessage, meetingId: string): Promise<Authenticated> {
    const header = req.headers.authorization;
    const secret = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const result = await authenticate(store, meetings, secret);
    if (!result.ok) throw new HttpError(result.error);
    if (result.auth.meetingId !== meetingId) throw new HttpError(protocolError('forbidden', 'token of another meeting'));
    return result.auth;
  }

  async function createMeeting(req: IncomingMessage): Promise<CreateMeetingResponse> {
    const input = await readJson(req, CreateMeetingRequestSchema);
    // Join codes are few (10^6): creating meetings without end would fill them, so creations are
    // counted per address (only valid requests count).
    refuseIfWaiting(await throttle.take(`create:${throttleKey(clientAddress(req, config.trustProxy))}`, config.meetingsPerHour, HOUR_MS), 'too many meetings created from this address, wait a while');
    const meetingId = newId();
    const facilitatorToken = newTokenSecret();
    const recoveryCode = newRecoveryCode();
    const tokens = [tokenRecord(meetingId, 'facilitator', 'session', hashToken(facilitatorToken)), tokenRecord(meetingId, 'facilitator', 'recovery', recoveryHash(meetingId, recoveryCode))];
    for (let attempt = 0; ; attempt++) {
      const joinCode = newJoinCode();
      const created = await meetings.create(
        { meetingId, joinCode, createdAt: Date.now(), status: 'live' },
        { type: 'meeting.create', meetingId, joinCode, title: input.title, groups: input.groups ?? [...DEFAULT_GROUPS], language: input.language, templateId: input.templateId, timeZone: input.timeZone ?? DEFAULT_TIME_ZONE },
        { role: 'facilitator' },
        tokens
      );
      if (created.ok) {
        log.info({ meetingId }, 'meeting created');
        return { meetingId, joinCode, facilitatorToken, recoveryCode };
      }
      if (!('taken' in created)) throw new HttpError(created.error);
      if (attempt >= 50) throw new HttpError(protocolError('conflict', 'no free join code, try again'));
    }
  }

  async function join(req: IncomingMessage): Promise<JoinResponse> {
    const input = await readJson(req, JoinRequestSchema);
    const meeting = await guess(req, () => store.findMeetingByJoinCode(input.joinCode));
    if (!meeting) throw new HttpError(protocolError('not_found', 'no meeting with this code'));
    if (meeting.status === 'ended') throw new HttpError(protocolError('closed', 'this meeting has ended', { reason: 'meeting_ended' }));
    const { meetingId } = meeting;
    // With a join key, a retry (its response was lost) gets the participant of the first attempt: the
    // key is claimed with the join, and racing retries agree on one participant. The key is a
    // credential: only its hash, bound to the meeting, is stored.
    const keyHash = input.joinKey ? hashToken(`join\n${meetingId}\n${input.joinKey}`) : null;
    const token = newTokenSecret();
    // The token is written with the join itself: one that was refused was never stored.
    const joined = await meetings.join(meetingId, { name: input.name, group: input.group, keyHash, token: tokenRecord(meetingId, 'participant', 'session', hashToken(token)) });
    if (!joined.ok) throw new HttpError(joined.error);
    return { meetingId, participantId: joined.participantId, token };
  }

  /** What the join page needs before a person fills it in: the meeting's title, groups, and whether it takes joiners. */
  async function meetingForCode(req: IncomingMessage, code: string): Promise<JoinInfoResponse> {
    const parsed = JoinCodeSchema.safeParse(code);
    if (!parsed.success) throw new HttpError(invalidFromZod(parsed.error));
    const found = await guess(req, async () => {
      const meeting = await store.findMeetingByJoinCode(parsed.data);
      const state = meeting ? (await meetings.current(meeting.meetingId)).state : null;
      return meeting && state ? { meeting, state } : null;
    });
    if (!found) throw new HttpError(protocolError('not_found', 'no meeting with this code'));
    const { meeting, state } = found;
    return { meetingId: meeting.meetingId, title: state.title, groups: state.groups, language: state.language, joiningOpen: state.joiningOpen && !state.ended, ended: state.ended };
  }

  async function recover(req: IncomingMessage): Promise<RecoverResponse> {
    const input = await readJson(req, RecoverRequestSchema);
    const meeting = await guess(req, () => store.findMeetingByJoinCode(input.joinCode));
    // Recovery codes are long random secrets: wrong ones are counted per meeting, so no address can
    // try many, and a hall's typos in join codes do not lock its facilitator out.
    const key = meeting ? `recover:${meeting.meetingId}` : null;
    if (key) refuseIfWaiting(await throttle.retryAfter(key, RECOVERY_FAILURES_PER_MINUTE, 60_000), 'too many wrong recovery codes for this meeting, wait a moment');
    const record = meeting ? await store.findToken(recoveryHash(meeting.meetingId, input.recoveryCode)) : null;
    if (!meeting || !record || record.kind !== 'recovery' || record.meetingId !== meeting.meetingId || record.revokedAt !== null) {
      if (key) await throttle.fail(key, 60_000);
      throw new HttpError(protocolError('unauthorized', 'join code and recovery code do not match'));
    }
    const facilitatorToken = newTokenSecret();
    await store.putToken(tokenRecord(meeting.meetingId, 'facilitator', 'session', hashToken(facilitatorToken)));
    log.info({ meetingId: meeting.meetingId }, 'facilitator recovered access');
    return { meetingId: meeting.meetingId, facilitatorToken };
  }

  async function createLink(meetingId: string, input: z.infer<typeof CreateLinkRequestSchema>): Promise<CreateLinkResponse> {
    const token = newTokenSecret();
    const record = { ...tokenRecord(meetingId, input.role, 'link', hashToken(token)), label: input.label };
    await store.putToken(record);
    const page = input.role === 'board' ? 'board' : 'secretary';
    return { ...linkView(record), token, url: `${deps.publicUrl()}/m/${meetingId}/${page}#token=${token}` };
  }

  async function requireFacilitator(req: IncomingMessage, meetingId: string): Promise<void> {
    const header = req.headers.authorization;
    const secret = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const result = await authenticate(store, meetings, secret);
    if (!result.ok) throw new HttpError(result.error);
    if (result.auth.meetingId !== meetingId) throw new HttpError(protocolError('forbidden', 'token of another meeting'));
    if (result.auth.actor.role !== 'facilitator') throw new HttpError(protocolError('forbidden', 'only the facilitator can manage links'));
  }

  /**
   * Looks a join code up under the address's guard. The guard answers before the code is looked up,
   * so a slowed address gets the same 429 for a live code as for a dead one: refusing only wrong codes
   * would tell it which codes are live, the very thing it is guessing.
   */
  async function guess<T>(req: IncomingMessage, lookup: () => Promise<T | null>): Promise<T | null> {
    const key = throttleKey(clientAddress(req, config.trustProxy));
    const { wait, ticket } = await throttle.turn(key, guesses);
    refuseIfWaiting(wait, 'too many failed attempts, wait a moment');
    let outcome: 'hit' | 'miss' | 'void' = 'void';
    try {
      const found = await lookup();
      outcome = found ? 'hit' : 'miss';
      return found;
    } finally {
      await throttle.settle(key, ticket, outcome, guesses);
    }
  }

  function refuseIfWaiting(wait: number, message: string): void {
    if (wait > 0) {
      throw new HttpError(protocolError('rate_limited', message, { retryAfterMs: wait }), { 'retry-after': String(Math.ceil(wait / 1000)) });
    }
  }

  // A counter handed in belongs to whoever made it (shared by the node's parts); ours we close.
  return { handle, close: () => void (deps.failures ? undefined : throttle.close()) };
}

function tokenRecord(meetingId: string, role: TokenRecord['role'], kind: TokenRecord['kind'], tokenHash: string): TokenRecord {
  const now = Date.now();
  const expiresAt = kind === 'session' ? sessionExpiry(role, now) : null;
  return { tokenId: newId(), tokenHash, meetingId, role, participantId: null, kind, label: '', createdAt: now, revokedAt: null, expiresAt };
}

function linkView(t: TokenRecord): LinkView {
  return { linkId: t.tokenId, role: t.role, label: t.label, createdAt: t.createdAt, revokedAt: t.revokedAt };
}
