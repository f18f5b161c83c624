import type { ErrorCode, ExportLinkResponse, ExportWhat } from '@yishi/protocol';
import { ApiError } from '$lib/api';
import { sessions } from './storage';

/**
 * The meetings this browser created, for the landing page: id, title, join code and when. The
 * facilitator's token is kept apart (storage.ts), by meeting, as it always was; this list only
 * remembers what to show. Names of participants are never kept here.
 */
export interface MyMeeting {
  meetingId: string;
  title: string;
  joinCode: string;
  createdAt: number;
}

const KEY = 'yishi:my-meetings';
const MAX = 50;

function load(): MyMeeting[] {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    if (!Array.isArray(raw)) return [];
    return raw.filter(
      (m): m is MyMeeting =>
        typeof m === 'object' && m !== null && typeof m.meetingId === 'string' && typeof m.title === 'string' && typeof m.joinCode === 'string' && typeof m.createdAt === 'number'
    );
  } catch {
    return [];
  }
}

function save(list: MyMeeting[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX)));
  } catch {
    // No storage: the list is only a convenience; the console still opens from its address.
  }
}

export const myMeetings = {
  /** Newest first. */
  list: (): MyMeeting[] => load().sort((a, b) => b.createdAt - a.createdAt),
  add(meeting: MyMeeting): void {
    save([meeting, ...load().filter((m) => m.meetingId !== meeting.meetingId)]);
  },
  forget(meetingId: string): void {
    save(load().filter((m) => m.meetingId !== meetingId));
  }
};

async function call<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError('network');
  }
  const json = (await res.json().catch(() => null)) as { error?: { code?: ErrorCode; field?: string } } | null;
  if (res.ok) return json as T;
  throw new ApiError({ code: json?.error?.code ?? 'internal', ...(json?.error?.field ? { field: json.error.field } : {}) });
}

/**
 * Starts a download the browser names and saves: a short-lived link is asked for with the bearer
 * (a download cannot send one), then opened. The bearer itself never goes into a URL.
 */
export async function download(meetingId: string, what: ExportWhat, format: string): Promise<void> {
  const token = sessions.facilitatorToken(meetingId);
  if (!token) throw new ApiError({ code: 'unauthorized' });
  const { url } = await call<ExportLinkResponse>(`/api/meetings/${meetingId}/export/links`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ what, format })
  });
  location.assign(url);
}

/** Deletes the meeting on the server; `confirm` is its join code as the facilitator typed it. */
export async function deleteMeeting(meetingId: string, confirm: string): Promise<void> {
  const token = sessions.facilitatorToken(meetingId);
  if (!token) throw new ApiError({ code: 'unauthorized' });
  await call<{ ok: true }>(`/api/meetings/${meetingId}`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ confirm })
  });
}
