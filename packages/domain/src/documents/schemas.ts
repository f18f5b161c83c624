import { z } from 'zod';
import { CommandIdSchema, IdSchema, text } from '@yishi/protocol';
import { cmd, ev, serverCmd } from '../feature.ts';
import { DIAGRAM_KINDS } from './diagram.ts';

/** Co-edited documents: rich text (charter, notes, minutes draft) and diagrams (diagram.ts) [D21, D31]. */
export const DOCUMENT_KINDS = ['charter', 'notes', 'minutesDraft', ...DIAGRAM_KINDS] as const;
export const DocumentKindSchema = z.enum(DOCUMENT_KINDS);
export type DocumentKind = z.infer<typeof DocumentKindSchema>;

/**
 * Who edits a document besides the staff: `everyone` (every participant), `named` (the participants in
 * `editors`; the others read) or `readonly` (participants read). The board always reads [D21].
 */
export const DOCUMENT_ACCESS = ['everyone', 'named', 'readonly'] as const;
export const DocumentAccessSchema = z.enum(DOCUMENT_ACCESS);
export type DocumentAccess = z.infer<typeof DocumentAccessSchema>;

export const DOCUMENT_LIMITS = {
  title: 120,
  /** Documents a meeting may have (the same as the /yjs endpoint's limit per meeting). */
  perMeeting: 50,
  /** Participants a named set may hold: a drafting committee, not the hall. */
  editors: 100,
  /** A named version's name ("章程 v3 征求意见稿"). */
  versionName: 60,
  /** Named versions a document may have: a drafting process over a few evenings, not an autosave. */
  versionsPerDoc: 200
} as const;

/** A SHA-256, in lower-case hex. */
export const ContentHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

/** Who saved a version: staff, or a participant with the right to write the document [D22]. */
export const VersionSaverSchema = z.enum(['facilitator', 'secretary', 'participant']);

const DocumentTitleSchema = text({ max: DOCUMENT_LIMITS.title });
const EditorsSchema = z
  .array(IdSchema)
  .max(DOCUMENT_LIMITS.editors)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'duplicate participant ids' });

export const documentCommandSchemas = [
  /** `editors` only with `named` access (and then at least one). The server makes the document's id. */
  cmd('document.create', { kind: DocumentKindSchema, title: DocumentTitleSchema, access: DocumentAccessSchema, editors: EditorsSchema.default([]) }),
  cmd('document.rename', { docId: IdSchema, title: DocumentTitleSchema }),
  cmd('document.access.set', { docId: IdSchema, access: DocumentAccessSchema, editors: EditorsSchema.default([]) }),
  /**
   * Saves the document's current content as a named version [D22]. What a client sends; the server
   * fills in the content (its id, hash and size) and records it as `document.version.record`.
   */
  cmd('document.version.save', { docId: IdSchema, name: text({ max: DOCUMENT_LIMITS.versionName }) }),
  /**
   * The facilitator shows a document on the board in place of the topic wall (null takes it down), and
   * may name the article under discussion (its stable id), which the board scrolls to [D23].
   */
  cmd('board.document', { docId: IdSchema.nullable(), articleId: IdSchema.nullable().default(null) })
] as const;
export type DocumentCommand = z.infer<(typeof documentCommandSchemas)[number]>;

/**
 * A named version whose content the server has stored (put-if-absent under `versionId`): the command
 * carries what the log vouches for, the SHA-256 of those bytes and their size [D22]. Issued by the
 * server only, for the person who asked (`document.version.save`), with that command's id.
 */
export const documentServerCommandSchemas = [
  serverCmd('document.version.record', {
    commandId: CommandIdSchema,
    docId: IdSchema,
    name: text({ max: DOCUMENT_LIMITS.versionName }),
    versionId: IdSchema,
    contentHash: ContentHashSchema,
    bytes: z.number().int().nonnegative()
  })
] as const;
export type DocumentServerCommand = z.infer<(typeof documentServerCommandSchemas)[number]>;

/**
 * `editors` in the log is the whole named set; a public view receives only the participant's own id, in
 * their own private part (or nothing) [D21].
 */
export const documentEventSchemas = [
  ev('document.created', { docId: IdSchema, kind: DocumentKindSchema, title: z.string(), access: DocumentAccessSchema, editors: z.array(IdSchema), createdBy: z.enum(['facilitator', 'secretary']) }),
  ev('document.renamed', { docId: IdSchema, title: z.string() }),
  ev('document.accessChanged', { docId: IdSchema, access: DocumentAccessSchema, editors: z.array(IdSchema) }),
  /** A named version: its content (stored apart, immutable) is vouched for by `contentHash` in the chained log [D22]. */
  ev('document.versioned', { docId: IdSchema, versionId: IdSchema, name: z.string(), contentHash: ContentHashSchema, bytes: z.number().int().nonnegative(), by: VersionSaverSchema }),
  /** What the board shows in place of the topic wall: a document (and the article under discussion), or nothing [D23]. */
  ev('board.documentShown', { docId: IdSchema.nullable(), articleId: IdSchema.nullable() })
] as const;
export type DocumentEvent = z.infer<(typeof documentEventSchemas)[number]>;

export type DocumentCmd<T extends (DocumentCommand | DocumentServerCommand)['type']> = Extract<DocumentCommand | DocumentServerCommand, { type: T }>;
export type DocumentEv<T extends DocumentEvent['type']> = Extract<DocumentEvent, { type: T }>;
