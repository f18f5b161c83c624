import { z } from 'zod';

/**
 * Every error a client can cause, in one list. The UI maps `code` to a message in its catalogue;
 * `message` is for developers and logs and is never shown to a person as is.
 */
export const ERROR_CODES = [
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'wrong_phase',
  'rate_limited',
  'too_large',
  'closed',
  'version_mismatch',
  'internal'
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ProtocolErrorSchema = z.strictObject({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Which field was wrong, for `invalid` (a dotted path such as `title`). */
  field: z.string().optional(),
  /** For `rate_limited`: how long to wait before trying again. */
  retryAfterMs: z.number().int().nonnegative().optional(),
  /**
   * A finer reason within the code, for the UI to say exactly what happened: `meeting_ended` refuses a
   * join, `after_end` any other command once the meeting is over (only the record can still be completed).
   */
  reason: z.enum(['joining_closed', 'meeting_ended', 'after_end']).optional()
});
export type ProtocolError = z.infer<typeof ProtocolErrorSchema>;

export function protocolError(code: ErrorCode, message: string, extra: Omit<ProtocolError, 'code' | 'message'> = {}): ProtocolError {
  return { code, message, ...extra };
}

/** Turns a failed schema parse into one typed `invalid` error naming the first bad field. */
export function invalidFromZod(error: z.ZodError): ProtocolError {
  const first = error.issues[0];
  const field = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  const message = first ? `${field ?? 'input'}: ${first.message}` : 'invalid input';
  return field === undefined ? protocolError('invalid', message) : protocolError('invalid', message, { field });
}

/** Socket.IO disconnect / WebSocket close reasons, in one place. */
export const CLOSE_REASONS = {
  frameTooLarge: 'frame_too_large',
  unauthorized: 'unauthorized',
  versionMismatch: 'version_mismatch',
  removed: 'participant_removed',
  revoked: 'token_revoked',
  /** The facilitator deleted the meeting with all its data. */
  deleted: 'meeting_deleted',
  shuttingDown: 'server_shutting_down'
} as const;

/** WebSocket close codes used on /yjs (4000-4999 is the application range). */
export const WS_CLOSE = {
  /** A message or Yjs update that does not decode or would not apply cleanly; nothing of it was applied. */
  badUpdate: 4400,
  /** An update that applies cleanly but breaks the document's shape (a diagram's node kind, label, edge, size [D31]); nothing of it was applied. */
  badContent: 4422,
  /** The token was revoked, or is unknown. */
  unauthorized: 4401,
  /** No right to this document (e.g. the participant was removed). */
  forbidden: 4403,
  notFound: 4404,
  /** The meeting already has as many documents as it may; this one would be one more. */
  tooManyDocs: 4409,
  /** One update over the update size limit. */
  updateTooLarge: 4413,
  /** More updates per second than the connection's allowance. */
  rateLimited: 4429,
  /** The document's stored size would pass its limit; it can still be read. */
  docFull: 4507,
  tooLarge: 1009,
  shuttingDown: 1001
} as const;

/** The typed error for a /yjs close code, for a document over Socket.IO (`doc:closed`, a refused `doc:open`). */
export function closeCodeError(code: number, message: string): ProtocolError {
  switch (code) {
    case WS_CLOSE.badUpdate:
    case WS_CLOSE.badContent:
      return protocolError('invalid', message);
    case WS_CLOSE.unauthorized:
      return protocolError('unauthorized', message);
    case WS_CLOSE.forbidden:
      return protocolError('forbidden', message);
    case WS_CLOSE.notFound:
      return protocolError('not_found', message);
    case WS_CLOSE.tooManyDocs:
      return protocolError('conflict', message);
    case WS_CLOSE.updateTooLarge:
    case WS_CLOSE.docFull:
    case WS_CLOSE.tooLarge:
      return protocolError('too_large', message);
    case WS_CLOSE.rateLimited:
      return protocolError('rate_limited', message);
    default:
      return protocolError('closed', message);
  }
}
