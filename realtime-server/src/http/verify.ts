import type { ChainProblemKind, VerifyResponse } from '@yishi/protocol';
import type { Store, VerifyResult } from '@yishi/store';

/** The store's names for a broken chain, in the words the verify page and the API use. */
const KIND: Record<Extract<VerifyResult, { ok: false }>['problem'], ChainProblemKind> = {
  altered: 'altered',
  gap: 'missing',
  broken_link: 're-linked',
  unreadable: 'unreadable'
};

/**
 * The chain's status for anyone with the meeting id: counts and hashes only, no content and no names.
 * With `entry`, also whether the entry at that seq is in the chain with that hash — how a printed
 * copy's reference is checked (the chain is only trusted up to its first problem).
 */
export async function verifyMeeting(store: Store, meetingId: string, entry?: { seq: number; hash: string }): Promise<VerifyResponse> {
  const [result, head] = await Promise.all([store.verifyLog(meetingId), store.head(meetingId)]);
  const body: VerifyResponse = result.ok
    ? { meetingId, ok: true, count: result.count, head: result.head }
    : { meetingId, ok: false, count: result.seq - 1, head, problem: { seq: result.seq, kind: KIND[result.problem], detail: result.detail } };
  if (entry) {
    const trustedUpTo = result.ok ? result.count : result.seq - 1;
    const stored = entry.seq <= trustedUpTo ? (await store.readLog(meetingId, entry.seq))[0] : undefined;
    body.entry = { seq: entry.seq, matches: stored !== undefined && stored.seq === entry.seq && stored.hash === entry.hash };
  }
  return body;
}
