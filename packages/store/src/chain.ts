import { createHash } from 'node:crypto';
import type { LogEntry, NewEntry } from '@yishi/protocol';
import type { Head } from './port.ts';

/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped. Two nodes (or a
 * verifier years later) encode the same event to the same bytes.
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The head of an empty log binds the chain to its meeting. */
export function genesisHash(meetingId: string): string {
  return sha256(`yishi-genesis\n${meetingId}`);
}

export function entryHash(prevHash: string, entry: Omit<LogEntry, 'hash' | 'prevHash'>): string {
  return sha256(`${prevHash}\n${canonical({ seq: entry.seq, at: entry.at, actor: entry.actor, commandId: entry.commandId, event: entry.event })}`);
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
