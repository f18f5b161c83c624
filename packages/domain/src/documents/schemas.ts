import { z } from 'zod';
import { IdSchema, text } from '@yishi/protocol';
import { cmd, ev } from '../feature.ts';

/** Co-edited documents (rich text here; the diagrams issue adds its kinds to this list). */
export const DOCUMENT_KINDS = ['charter', 'notes', 'minutesDraft'] as const;
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
  editors: 100
} as const;

const DocumentTitleSchema = text({ max: DOCUMENT_LIMITS.title });
const EditorsSchema = z
  .array(IdSchema)
  .max(DOCUMENT_LIMITS.editors)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'duplicate participant ids' });

export const documentCommandSchemas = [
  /** `editors` only with `named` access (and then at least one). The server makes the document's id. */
  cmd('document.create', { kind: DocumentKindSchema, title: DocumentTitleSchema, access: DocumentAccessSchema, editors: EditorsSchema.default([]) }),
  cmd('document.rename', { docId: IdSchema, title: DocumentTitleSchema }),
  cmd('document.access.set', { docId: IdSchema, access: DocumentAccessSchema, editors: EditorsSchema.default([]) })
] as const;
export type DocumentCommand = z.infer<(typeof documentCommandSchemas)[number]>;

/**
 * `editors` in the log is the whole named set; a public view receives only the participant's own id, in
 * their own private part (or nothing) [D21].
 */
export const documentEventSchemas = [
  ev('document.created', { docId: IdSchema, kind: DocumentKindSchema, title: z.string(), access: DocumentAccessSchema, editors: z.array(IdSchema), createdBy: z.enum(['facilitator', 'secretary']) }),
  ev('document.renamed', { docId: IdSchema, title: z.string() }),
  ev('document.accessChanged', { docId: IdSchema, access: DocumentAccessSchema, editors: z.array(IdSchema) })
] as const;
export type DocumentEvent = z.infer<(typeof documentEventSchemas)[number]>;

export type DocumentCmd<T extends DocumentCommand['type']> = Extract<DocumentCommand, { type: T }>;
export type DocumentEv<T extends DocumentEvent['type']> = Extract<DocumentEvent, { type: T }>;
