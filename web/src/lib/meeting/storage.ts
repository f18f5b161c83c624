import type { ClientCommand } from '@yishi/domain';

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
  participantByMeeting: (meetingId: string) => `yishi:participant:meeting:${meetingId}`,
  facilitator: (meetingId: string) => `yishi:facilitator:${meetingId}`,
  board: (meetingId: string) => `yishi:board:${meetingId}`,
  secretary: (meetingId: string) => `yishi:secretary:${meetingId}`,
  recovery: (meetingId: string) => `yishi:recovery:${meetingId}`,
  outbox: (meetingId: string, who: string) => `yishi:outbox:${meetingId}:${who}`,
  joinKey: (meetingId: string) => `yishi:join-key:${meetingId}`,
  textSize: 'yishi:text-size'
};

export const sessions = {
  // By meeting, never by join code: an ended meeting's code is handed out again, to another meeting.
  participantForMeeting: (meetingId: string) => read<ParticipantSession>(keys.participantByMeeting(meetingId)),
  saveParticipant(session: ParticipantSession) {
    write(keys.participantByMeeting(session.meetingId), session);
  },
  forgetParticipant(session: ParticipantSession) {
    write(keys.participantByMeeting(session.meetingId), null);
  },
  /**
   * The key this phone sends with its join to a meeting, kept until the join succeeded: a retry or a
   * reload after a lost answer sends the same key and gets the same participant back.
   */
  joinKey(meetingId: string): string {
    const kept = read<string>(keys.joinKey(meetingId));
    if (kept && /^[A-Za-z0-9_-]{16,64}$/.test(kept)) return kept;
    const made = newJoinKey();
    write(keys.joinKey(meetingId), made);
    return made;
  },
  forgetJoinKey: (meetingId: string) => write(keys.joinKey(meetingId), null),
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
 * Commands sent but not yet acknowledged, per meeting and person, so a reload sends them still. What
 * comes back from storage is only a candidate: the server checks every command as always.
 */
export const outbox = {
  load(meetingId: string, who: string): ClientCommand[] {
    const stored = read<unknown>(keys.outbox(meetingId, who));
    if (!Array.isArray(stored)) return [];
    return stored.filter((c): c is ClientCommand => typeof c === 'object' && c !== null && typeof (c as { commandId?: unknown }).commandId === 'string' && typeof (c as { type?: unknown }).type === 'string');
  },
  save(meetingId: string, who: string, commands: readonly ClientCommand[]): void {
    write(keys.outbox(meetingId, who), commands.length > 0 ? commands : null);
  }
};

/** 128 random bits, URL-safe. `crypto.getRandomValues` works on plain HTTP too (no `randomUUID` there). */
function newJoinKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return 'j' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

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
