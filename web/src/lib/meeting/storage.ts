/**
 * What this browser remembers about meetings, in localStorage so a reload, a locked phone or a closed
 * tab comes back as the same person. Some in-app browsers and private modes refuse storage: then a
 * copy in memory carries the visit (join, then the meeting page, which is a client-side navigation),
 * and only a reload loses it.
 */
export interface ParticipantSession {
  meetingId: string;
  participantId: string;
  token: string;
  joinCode: string;
}

const memory = new Map<string, string>();

function read<T>(key: string): T | null {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(key);
  } catch {
    /* refused: the memory copy below */
  }
  raw ??= memory.get(key) ?? null;
  try {
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  const raw = value === null ? null : JSON.stringify(value);
  if (raw === null) memory.delete(key);
  else memory.set(key, raw);
  try {
    if (raw === null) localStorage.removeItem(key);
    else localStorage.setItem(key, raw);
  } catch {
    /* refused or full: the memory copy carries this visit */
  }
}

export type LinkRole = 'board' | 'secretary';

const keys = {
  participantByCode: (joinCode: string) => `yishi:participant:code:${joinCode}`,
  participantByMeeting: (meetingId: string) => `yishi:participant:meeting:${meetingId}`,
  facilitator: (meetingId: string) => `yishi:facilitator:${meetingId}`,
  board: (meetingId: string) => `yishi:board:${meetingId}`,
  secretary: (meetingId: string) => `yishi:secretary:${meetingId}`,
  recovery: (meetingId: string) => `yishi:recovery:${meetingId}`,
  textSize: 'yishi:text-size'
};

export const sessions = {
  participantForCode: (joinCode: string) => read<ParticipantSession>(keys.participantByCode(joinCode)),
  participantForMeeting: (meetingId: string) => read<ParticipantSession>(keys.participantByMeeting(meetingId)),
  saveParticipant(session: ParticipantSession) {
    write(keys.participantByCode(session.joinCode), session);
    write(keys.participantByMeeting(session.meetingId), session);
  },
  forgetParticipant(session: ParticipantSession) {
    write(keys.participantByCode(session.joinCode), null);
    write(keys.participantByMeeting(session.meetingId), null);
  },
  facilitatorToken: (meetingId: string) => read<string>(keys.facilitator(meetingId)),
  saveFacilitatorToken: (meetingId: string, token: string) => write(keys.facilitator(meetingId), token),
  linkToken: (meetingId: string, role: LinkRole) => read<string>(keys[role](meetingId)),
  saveLinkToken: (meetingId: string, role: LinkRole, token: string) => write(keys[role](meetingId), token),
  /** The recovery code waits here between creation and the console showing it once. */
  pendingRecoveryCode: (meetingId: string) => read<string>(keys.recovery(meetingId)),
  savePendingRecoveryCode: (meetingId: string, code: string | null) => write(keys.recovery(meetingId), code),
  largeText: () => read<boolean>(keys.textSize) === true,
  saveLargeText: (on: boolean) => write(keys.textSize, on)
};

/**
 * The token of a board or secretary link. It arrives in the URL fragment, which never reaches a
 * server or its logs; it is kept in this browser (so a reload works) and taken out of the address bar
 * (so a projector does not show it). Without a fragment, the one kept before.
 */
export function tokenFromLink(meetingId: string, role: LinkRole): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!fromHash) return sessions.linkToken(meetingId, role);
  sessions.saveLinkToken(meetingId, role, fromHash);
  history.replaceState(history.state, '', location.pathname);
  return fromHash;
}
