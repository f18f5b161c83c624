import { sessions } from '$lib/meeting/storage';

export type DocumentRole = 'participant' | 'facilitator' | 'secretary' | 'board';

/**
 * The token a document page opens with: the one this browser already keeps for the meeting in the role
 * the link names (a phone's participant session, the console's facilitator token, a secretary or board
 * link's token). Nothing new is kept: the document page is reached from those pages.
 */
export function documentSession(meetingId: string, role: DocumentRole): { token: string } | null {
  const token =
    role === 'participant'
      ? (sessions.participantForMeeting(meetingId)?.token ?? null)
      : role === 'facilitator'
        ? sessions.facilitatorToken(meetingId)
        : sessions.linkToken(meetingId, role);
  return token ? { token } : null;
}

/** Dark enough that a white name on it reads at 7:1. */
const CARET_COLORS = ['#1e3a8a', '#14532d', '#7f1d1d', '#581c87', '#134e4a', '#713f12', '#831843', '#312e81'];

/** A person's caret colour, the same on every screen (from their id). */
export function caretColor(key: string): string {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return CARET_COLORS[h % CARET_COLORS.length]!;
}

/** Where a document opens from a list on a page of the given role. */
export const documentHref = (meetingId: string, docId: string, role: DocumentRole): string =>
  `/m/${meetingId}/d/${docId}${role === 'participant' ? '' : `?as=${role}`}`;
