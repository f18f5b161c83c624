import { z } from 'zod';
import type { ChainHead, ChainProblem } from './chainCheck.ts';
import { text } from './text.ts';
import { IdSchema } from './model.ts';

/**
 * What `/api/meetings/<id>/export/<what>.<format>` serves, and to whom: minutes in three formats, the
 * door poster and the sign-in sheets as PDF, and the facilitator's archive of the whole log. A document's
 * named version (`version`) is served at `/api/meetings/<id>/documents/<docId>/versions/<versionId>/export.<format>`.
 */
export const EXPORT_FORMATS = {
  minutes: ['md', 'docx', 'pdf'],
  version: ['md', 'docx', 'pdf'],
  poster: ['pdf'],
  signin: ['pdf'],
  archive: ['json']
} as const;
export type ExportWhat = keyof typeof EXPORT_FORMATS;
export type ExportFormat = (typeof EXPORT_FORMATS)[ExportWhat][number];

export function isExport(what: string, format: string): what is ExportWhat {
  return Object.hasOwn(EXPORT_FORMATS, what) && (EXPORT_FORMATS[what as ExportWhat] as readonly string[]).includes(format);
}

/**
 * `POST /api/meetings/<id>/export/links`: a short-lived link a browser download can open without a bearer
 * header. A named version names its document and version; no other export does.
 */
export const ExportLinkRequestSchema = z
  .strictObject({
    what: z.enum(['minutes', 'version', 'poster', 'signin', 'archive']),
    format: z.enum(['md', 'docx', 'pdf', 'json']),
    docId: IdSchema.optional(),
    versionId: IdSchema.optional()
  })
  .refine((r) => isExport(r.what, r.format), { message: 'no such export format', path: ['format'] })
  .refine((r) => (r.what === 'version') === (r.docId !== undefined && r.versionId !== undefined) && (r.docId === undefined) === (r.versionId === undefined), {
    message: 'a version export names its document and version, and only it does',
    path: ['docId']
  });
export type ExportLinkRequest = z.infer<typeof ExportLinkRequestSchema>;
export interface ExportLinkResponse {
  /** `/api/download/<opaque>`, same origin; opens once, within `expiresInMs`. */
  url: string;
  expiresInMs: number;
}

/** `DELETE /api/meetings/<id>`: typed back, as on paper, so a slip of the mouse deletes nothing. */
export const DeleteMeetingRequestSchema = z.strictObject({
  /** The meeting's join code or its title. */
  confirm: text({ max: 200, min: 1 })
});
export type DeleteMeetingRequest = z.infer<typeof DeleteMeetingRequestSchema>;

/**
 * `GET /api/meetings/<id>/verify[?seq=N&hash=H]`: the chain's status, counts and hashes, never content.
 * `problem` names the first entry that does not hold up; `entry` answers whether a printed copy's
 * reference (entry number and hash) is in the chain.
 */
export interface VerifyResponse {
  meetingId: string;
  ok: boolean;
  /** Entries that verified (all of them when `ok`). */
  count: number;
  /** The last entry as stored (its seq and hash). */
  head: ChainHead;
  problem?: ChainProblem;
  entry?: { seq: number; matches: boolean };
}

export const VerifyQuerySchema = z.strictObject({
  seq: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  hash: z
    .string()
    .max(200)
    .transform((h) => h.replace(/\s+/g, '').toLowerCase())
    .pipe(z.string().regex(/^[0-9a-f]{64}$/, { message: 'not a sha256 hash' }))
    .optional()
}).refine((q) => (q.seq === undefined) === (q.hash === undefined), { message: 'give seq and hash together', path: ['hash'] });

/** The archive file: the whole log exactly as stored, which `/verify` checks offline. */
export const ARCHIVE_FORMAT = 'yishi-archive';
export interface ArchiveFile {
  format: typeof ARCHIVE_FORMAT;
  version: 1;
  meetingId: string;
  exportedAt: number;
  head: ChainHead;
  entries: unknown[];
  /** Documents' content, by document id (arrives with the documents issue). */
  documents: Record<string, unknown>;
}

/** Just the frame of an archive; the entries are checked by `checkChain`, one by one. */
export const ArchiveFileSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(1),
  meetingId: z.string().min(1).max(64),
  exportedAt: z.number(),
  head: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }),
  entries: z.array(z.unknown()),
  documents: z.record(z.string(), z.unknown())
});
