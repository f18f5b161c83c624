import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CreateLinkRequestSchema,
  CreateMeetingRequestSchema,
  DEFAULT_GROUPS,
  DEFAULT_TIME_ZONE,
  JoinCodeSchema,
  JoinRequestSchema,
  LinkIdSchema,
  PROTOCOL_VERSION,
  RecoverRequestSchema,
  invalidFromZod,
  protocolError,
  type CreateLinkResponse,
  type CreateMeetingResponse,
  type ErrorCode,
  type HealthResponse,
  type JoinInfoResponse,
  type JoinResponse,
  type LinkView,
  type ProtocolError,
  type RecoverResponse
} from '@yishi/protocol';
import { hashToken, type Store, type TokenRecord } from '@yishi/store';
import type { z } from 'zod';
import { authenticate, sessionExpiry } from '../auth.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { MeetingService } from '../meetings/meetingService.ts';
import { newId, newJoinCode, newRecoveryCode, newTokenSecret, recoveryHash } from '../secrets.ts';
import { clientAddress, throttleKey } from './clientAddress.ts';
import { FailureThrottle, type FailureCounter, type GuessPolicy } from './failureThrottle.ts';
import { decodeSegment, requestPath } from './requestTarget.ts';

const MAX_BODY_BYTES = 16 * 1024;
const HOUR_MS = 3_600_000;
/** Wrong recovery codes per meeting per minute: 80-bit codes stay out of reach at this rate. */
const RECOVERY_FAILURES_PER_MINUTE = 10;

const STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  wrong_phase: 409,
  closed: 409,
  too_large: 413,
  rate_limited: 429,
  version_mismatch: 400,
  internal: 500
};

class HttpError extends Error {
  constructor(
    readonly error: ProtocolError,
    readonly headers: Record<string, string> = {}
  ) {
    super(error.message);
  }
}

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
}

/** The JSON API. Returns false when the request is not for it. */
export function createApi(deps: ApiDeps) {
  const { store, meetings, log, config } = deps;
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
      send(res, result.status, result.body);
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

  async function route(req: IncomingMessage, path: string): Promise<{ status: number; body: unknown }> {
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
    throw new HttpError(protocolError('not_found', `no route ${method} ${path}`));
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

async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  const type = req.headers['content-type'] ?? '';
  // Requiring JSON also means a cross-site form cannot post here without a CORS preflight we never grant.
  if (!/^application\/json\b/i.test(type)) throw new HttpError(protocolError('invalid', 'expected Content-Type: application/json'));
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(protocolError('too_large', `request body over ${MAX_BODY_BYTES} bytes`));
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new HttpError(protocolError('too_large', `request body over ${MAX_BODY_BYTES} bytes`));
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    // A body cut short or malformed on the wire (the client went away, a bad chunk) is the client's error.
    if (err instanceof HttpError) throw err;
    throw new HttpError(protocolError('invalid', 'request body was not received whole'));
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(protocolError('invalid', 'request body is not valid JSON'));
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HttpError(invalidFromZod(parsed.error));
  return parsed.data;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers
  });
  res.end(text);
}
