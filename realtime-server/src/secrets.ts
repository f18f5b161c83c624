import { randomBytes, randomInt } from 'node:crypto';
import { hashToken } from '@yishi/store';

/** Server-made ids: 16 url-safe characters (96 bits). */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}

/** Bearer secrets: 256 bits. Only `hashToken(secret)` is ever stored. */
export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function newJoinCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

// Crockford's base32: no I, L, O, U, so a code copied by hand onto paper reads back unambiguously.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A facilitator recovery code, 80 bits, written as XXXX-XXXX-XXXX-XXXX. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += CROCKFORD[bytes[i]! & 31];
  return out.match(/.{4}/g)!.join('-');
}

export function normalizeRecoveryCode(input: string): string {
  return input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

/** Recovery codes are short enough that the hash is bound to the meeting as well. */
export function recoveryHash(meetingId: string, code: string): string {
  return hashToken(`recovery\n${meetingId}\n${normalizeRecoveryCode(code)}`);
}
