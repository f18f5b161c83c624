import { LogEntrySchema } from './events.ts';

/**
 * The hash chain of a meeting's log, checked without Node: the verify page runs this in the browser
 * on an archive file, offline, and the server's store runs the same rules (packages/store/src/verify.ts;
 * a test holds the two to the same answers). SHA-256 is computed here in plain TypeScript rather than
 * with WebCrypto, which browsers only offer on https and localhost: a hall's laptop serves the page
 * over plain http on the LAN.
 */

/** What the first entry that does not hold up has wrong. */
export type ChainProblemKind = 'altered' | 'missing' | 're-linked' | 'unreadable';

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface ChainProblem {
  seq: number;
  kind: ChainProblemKind;
  detail: string;
}

export type ChainReport = { ok: true; count: number; head: ChainHead } | { ok: false; count: number; problem: ChainProblem };

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

/** The text an entry's hash is taken over (after its `prevHash`): the same fields as the store hashes. */
export function entryPreimage(prevHash: string, entry: { seq: number; at: number; actor: unknown; commandId: string | null; event: unknown }): string {
  return `${prevHash}\n${canonical({ seq: entry.seq, at: entry.at, actor: entry.actor, commandId: entry.commandId, event: entry.event })}`;
}

export const genesisPreimage = (meetingId: string): string => `yishi-genesis\n${meetingId}`;

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);

/** SHA-256 of a string's UTF-8 bytes, as lowercase hex (FIPS 180-4). */
export function sha256Hex(text: string): string {
  const data = new TextEncoder().encode(text);
  const bitLength = data.length * 8;
  const padded = new Uint8Array((((data.length + 9 + 63) >> 6) << 6));
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) >>> 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0]! + a) >>> 0;
    h[1] = (h[1]! + b) >>> 0;
    h[2] = (h[2]! + c) >>> 0;
    h[3] = (h[3]! + d) >>> 0;
    h[4] = (h[4]! + e) >>> 0;
    h[5] = (h[5]! + f) >>> 0;
    h[6] = (h[6]! + g) >>> 0;
    h[7] = (h[7]! + hh) >>> 0;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

/**
 * Recomputes a meeting's chain from its genesis over entries as they were stored (parsed JSON, in
 * stored order) and names the first seq that does not hold up, with the store's rules (S8–S10):
 * a skipped seq is `missing`, an entry that does not link to the one before is `re-linked`, one whose
 * content no longer matches its hash is `altered`, one that is not a log entry is `unreadable`.
 * `head` (the head the log was stored against) also catches entries cut off the end.
 */
export function checkChain(meetingId: string, entries: readonly unknown[], head: ChainHead | null): ChainReport {
  let prev: ChainHead = { seq: 0, hash: sha256Hex(genesisPreimage(meetingId)) };
  let count = 0;
  const fail = (seq: number, kind: ChainProblemKind, detail: string): ChainReport => ({ ok: false, count, problem: { seq, kind, detail } });
  for (const raw of entries) {
    const seq = prev.seq + 1;
    const stored = typeof raw === 'object' && raw !== null && typeof (raw as { seq?: unknown }).seq === 'number' ? (raw as { seq: number }).seq : seq;
    if (stored > seq) return fail(seq, 'missing', `seq ${seq} is missing; next entry is ${stored}`);
    if (stored < seq) return fail(stored, 'altered', `seq ${stored} out of order after ${prev.seq}`);
    const parsed = LogEntrySchema.safeParse(raw);
    if (!parsed.success) return fail(seq, 'unreadable', `not a log entry: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const entry = parsed.data;
    if (entry.prevHash !== prev.hash) return fail(seq, 're-linked', `prevHash does not match the hash of seq ${prev.seq}`);
    if (sha256Hex(entryPreimage(prev.hash, entry)) !== entry.hash) return fail(seq, 'altered', 'content does not match its hash');
    prev = { seq, hash: entry.hash };
    count++;
  }
  if (head) {
    if (head.seq > prev.seq) return fail(prev.seq + 1, 'missing', `head is at seq ${head.seq} but the log ends at ${prev.seq}`);
    if (head.seq < prev.seq) return fail(head.seq + 1, 'altered', `entries beyond the head at seq ${head.seq}`);
    if (head.hash !== prev.hash) return fail(prev.seq, 'altered', 'head hash does not match the last entry');
  }
  return { ok: true, count, head: prev };
}

/** Whether the entry at `seq` of a log that verified is in it with exactly this hash (a printed copy's reference). */
export function entryHashMatches(entries: readonly { seq: number; hash: string }[], seq: number, hash: string): boolean {
  const entry = entries[seq - 1];
  return entry !== undefined && entry.seq === seq && entry.hash === normalizeHash(hash);
}

/** A hash as a person types it from paper: spaces and line breaks dropped, lowercase. */
export function normalizeHash(input: string): string {
  return input.replace(/\s+/g, '').toLowerCase();
}
