import { createHmac, timingSafeEqual } from 'node:crypto';
import { EXPORT_FORMATS, isExport, type ExportFormat, type ExportWhat } from '@yishi/protocol';
import type { TokenRecord } from '@yishi/store';
import { z } from 'zod';

/**
 * Download links. A browser download cannot send a bearer header, and a long-lived token must never
 * sit in a URL (history, proxy logs, a screenshot of the address bar). So a bearer asks for a link
 * that opens one file — this meeting, this document (or this named version), this format — for 60 seconds, on the rights of
 * the token it was issued to.
 *
 * The link is self-contained and signed, so any node behind a load balancer without sticky sessions
 * serves it with no shared link table: `<payload>.<mac>`, where the payload names the meeting, the
 * export, the issuing token's public id and the expiry, and the MAC is an HMAC-SHA256 keyed with the
 * issuing token's stored hash. That key is secret (only the token's holder and the store know it),
 * the same on every node (it lives in the store), and dies with the token: revoking the token,
 * its expiry, or deleting the meeting voids every link issued to it, and the download re-checks the
 * token's rights at the moment it is opened.
 *
 * Not single-use: that would need a shared write per download. Within its 60 s a link gives its
 * holder nothing the bearer who asked for it could not fetch with the bearer itself, it is asked for
 * over an authenticated POST and opened at once by the same browser, and it never carries the bearer.
 */

export const DOWNLOAD_LINK_TTL_MS = 60_000;
const MAX_LINK_CHARS = 600;

const PayloadSchema = z.strictObject({
  v: z.literal(1),
  m: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/),
  w: z.enum(Object.keys(EXPORT_FORMATS) as [ExportWhat, ...ExportWhat[]]),
  f: z.string().max(8),
  t: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  e: z.number().int().positive(),
  /** A named version's document and version (`w` = version only). */
  d: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/).optional(),
  r: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/).optional()
});

export interface DownloadTarget {
  meetingId: string;
  what: ExportWhat;
  format: ExportFormat;
  /** The public id of the token the link was issued to. */
  tokenId: string;
  expiresAt: number;
  /** For a named version: which one. */
  version?: VersionRef;
}

/** A document's named version, as an export names it. */
export interface VersionRef {
  docId: string;
  versionId: string;
}

function mac(token: Pick<TokenRecord, 'tokenHash'>, payload: string): Buffer {
  return createHmac('sha256', token.tokenHash).update(`yishi-download\n${payload}`).digest();
}

/** The opaque part of `/api/download/<link>` for `target`, signed for the token it is issued to. */
export function signDownloadLink(token: Pick<TokenRecord, 'tokenHash' | 'tokenId' | 'meetingId'>, what: ExportWhat, format: ExportFormat, now: number, version?: VersionRef): string {
  const ref = version ? { d: version.docId, r: version.versionId } : {};
  const payload = Buffer.from(JSON.stringify({ v: 1, m: token.meetingId, w: what, f: format, t: token.tokenId, e: now + DOWNLOAD_LINK_TTL_MS, ...ref })).toString('base64url');
  return `${payload}.${mac(token, payload).toString('base64url')}`;
}

/** What a link claims to open, read before its signature can be checked (the key is the named token's). Null: not a link. */
export function readDownloadLink(link: string): (DownloadTarget & { payload: string; mac: string }) | null {
  if (link.length > MAX_LINK_CHARS) return null;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(link);
  if (!m) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = PayloadSchema.safeParse(json);
  if (!parsed.success || !isExport(parsed.data.w, parsed.data.f)) return null;
  const p = parsed.data;
  // A version link names one; no other link does.
  const named = p.d !== undefined && p.r !== undefined;
  if ((p.w === 'version') !== named || (p.d === undefined) !== (p.r === undefined)) return null;
  const version = named ? { version: { docId: p.d!, versionId: p.r! } } : {};
  return { meetingId: p.m, what: p.w, format: p.f as ExportFormat, tokenId: p.t, expiresAt: p.e, ...version, payload: m[1]!, mac: m[2]! };
}

/** Whether the link was signed for this token and is still within its time. */
export function downloadLinkValid(link: { payload: string; mac: string; expiresAt: number }, token: Pick<TokenRecord, 'tokenHash'>, now: number): boolean {
  if (link.expiresAt <= now) return false;
  const given = Buffer.from(link.mac, 'base64url');
  const expected = mac(token, link.payload);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
