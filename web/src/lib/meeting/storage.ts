/**
 * What this browser remembers about meetings, in localStorage so a reload, a locked phone or a closed
 * tab comes back as the same person. Every access tolerates storage being unavailable (private mode,
 * some in-app browsers): the page then works for this visit only.
 */
export interface ParticipantSession {
  meetingId: string;
  participantId: string;
  token: string;
  joinCode: string;
}

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage unavailable: this visit only */
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
