import { createHash } from 'node:crypto';
import { canonical, entryPreimage, genesisPreimage, type LogEntry, type NewEntry } from '@yishi/protocol';
import type { Head } from './port.ts';

// One definition of the chain's bytes, shared with the browser's offline verifier (protocol/chainCheck.ts).
export { canonical };

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The head of an empty log binds the chain to its meeting. */
export function genesisHash(meetingId: string): string {
  return sha256(genesisPreimage(meetingId));
}

export function entryHash(prevHash: string, entry: Omit<LogEntry, 'hash' | 'prevHash'>): string {
  return sha256(entryPreimage(prevHash, entry));
}

/** Gives new entries their seq and chain hashes, starting after `head`. */
export function chainEntries(head: Head, entries: NewEntry[]): LogEntry[] {
  let prev = head.hash;
  return entries.map((e, i) => {
    const base = { seq: head.seq + 1 + i, at: e.at, actor: e.actor, commandId: e.commandId, event: e.event };
    const hash = entryHash(prev, base);
    const entry: LogEntry = { ...base, prevHash: prev, hash };
    prev = hash;
    return entry;
  });
}

export function hashToken(secret: string): string {
  return sha256(`yishi-token\n${secret}`);
}
