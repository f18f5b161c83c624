import { LogEntrySchema } from '@yishi/protocol';
import { entryHash, genesisHash } from './chain.ts';
import type { Head, VerifyResult } from './port.ts';

/**
 * One log entry as a backend holds it. `seq` is where the backend keeps the entry (row key, stream id);
 * `decode` turns the stored bytes back into an object and may throw when they are corrupt.
 */
export interface RawEntry {
  seq: number;
  decode(): unknown;
}

/**
 * Recomputes a meeting's hash chain from its genesis over the entries exactly as stored, and names the
 * first seq that does not hold up. `storedHead` is the head the backend appends against: comparing it
 * with the end of the chain catches a log whose last entries were cut off, which the chain alone cannot.
 */
export function verifyEntries(meetingId: string, raw: Iterable<RawEntry>, storedHead: Head | null): VerifyResult {
  let prev: Head = { seq: 0, hash: genesisHash(meetingId) };
  let count = 0;
  for (const row of raw) {
    const seq = prev.seq + 1;
    if (row.seq !== seq) {
      return row.seq > seq
        ? { ok: false, seq, problem: 'gap', detail: `seq ${seq} is missing; next stored entry is ${row.seq}` }
        : { ok: false, seq: row.seq, problem: 'altered', detail: `seq ${row.seq} stored out of order after ${prev.seq}` };
    }
    let decoded: unknown;
    try {
      decoded = row.decode();
    } catch (err) {
      return { ok: false, seq, problem: 'unreadable', detail: `cannot decode: ${(err as Error).message}` };
    }
    const parsed = LogEntrySchema.safeParse(decoded);
    if (!parsed.success) {
      return { ok: false, seq, problem: 'unreadable', detail: `not a log entry: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    }
    const entry = parsed.data;
    if (entry.seq !== seq) return { ok: false, seq, problem: 'altered', detail: `entry claims seq ${entry.seq}` };
    if (entry.prevHash !== prev.hash) {
      return { ok: false, seq, problem: 'broken_link', detail: `prevHash does not match the hash of seq ${prev.seq}` };
    }
    if (entryHash(prev.hash, entry) !== entry.hash) {
      return { ok: false, seq, problem: 'altered', detail: 'content does not match its stored hash' };
    }
    prev = { seq, hash: entry.hash };
    count++;
  }
  if (storedHead) {
    if (storedHead.seq > prev.seq) {
      return { ok: false, seq: prev.seq + 1, problem: 'gap', detail: `head is at seq ${storedHead.seq} but the log ends at ${prev.seq}` };
    }
    if (storedHead.seq < prev.seq) {
      return { ok: false, seq: storedHead.seq + 1, problem: 'altered', detail: `entries stored beyond the head at seq ${storedHead.seq}` };
    }
    if (storedHead.hash !== prev.hash) {
      return { ok: false, seq: prev.seq, problem: 'altered', detail: 'head hash does not match the last entry' };
    }
  }
  return { ok: true, count, head: prev };
}
