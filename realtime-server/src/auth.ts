import { protocolError, type Actor, type ProtocolError } from '@yishi/protocol';
import { hashToken, type Store, type TokenRecord } from '@yishi/store';
import type { MeetingService } from './meetings/meetingService.ts';

const DAY = 86_400_000;

/**
 * How long a session token opens its meeting. A phone's token outlives a multi-day event but not the
 * season; links and the paper recovery code live until revoked.
 */
export const TOKEN_LIFETIME_MS: Record<TokenRecord['role'], number> = {
  participant: 30 * DAY,
  facilitator: 90 * DAY,
  secretary: 90 * DAY,
  board: 90 * DAY
};

export function sessionExpiry(role: TokenRecord['role'], now: number): number {
  return now + TOKEN_LIFETIME_MS[role];
}

export interface Authenticated {
  token: TokenRecord;
  meetingId: string;
  actor: Actor;
}

export type AuthResult = { ok: true; auth: Authenticated } | { ok: false; error: ProtocolError };

export function actorOf(token: TokenRecord): Actor {
  switch (token.role) {
    case 'participant':
      return { role: 'participant', participantId: token.participantId ?? '' };
    case 'facilitator':
      return { role: 'facilitator' };
    case 'secretary':
      return { role: 'secretary' };
    case 'board':
      return { role: 'board' };
  }
}

/** Resolves a bearer secret before anything of the meeting is loaded for the caller. */
export async function authenticate(store: Store, meetings: MeetingService, secret: unknown, now = Date.now()): Promise<AuthResult> {
  if (typeof secret !== 'string' || secret.length < 16 || secret.length > 256) {
    return { ok: false, error: protocolError('unauthorized', 'missing or malformed token') };
  }
  const token = await store.findToken(hashToken(secret));
  // Recovery codes are exchanged for a session token at /api/recover; they do not open sockets.
  if (!token || token.kind === 'recovery') return { ok: false, error: protocolError('unauthorized', 'unknown token') };
  if (token.revokedAt !== null) return { ok: false, error: protocolError('unauthorized', 'this link was revoked') };
  if (token.expiresAt !== null && token.expiresAt <= now) return { ok: false, error: protocolError('unauthorized', 'this token has expired') };
  if (token.role === 'participant') {
    const { state } = await meetings.current(token.meetingId);
    const p = token.participantId ? state?.participants[token.participantId] : undefined;
    if (!p) return { ok: false, error: protocolError('unauthorized', 'unknown participant') };
    if (p.removed) return { ok: false, error: protocolError('forbidden', 'you were removed from this meeting') };
  }
  return { ok: true, auth: { token, meetingId: token.meetingId, actor: actorOf(token) } };
}
