import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidFromZod, protocolError, type ErrorCode, type ProtocolError } from '@yishi/protocol';
import type { z } from 'zod';

/** How the HTTP routes answer: typed errors with their status, JSON bodies and JSON request bodies. */

const MAX_BODY_BYTES = 16 * 1024;

export const STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  wrong_phase: 409,
  closed: 409,
  too_large: 413,
  rate_limited: 429,
  version_mismatch: 400,
  internal: 500
};

export class HttpError extends Error {
  constructor(
    readonly error: ProtocolError,
    readonly headers: Record<string, string> = {}
  ) {
    super(error.message);
  }
}

export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  const type = req.headers['content-type'] ?? '';
  // Requiring JSON also means a cross-site form cannot post here without a CORS preflight we never grant.
  if (!/^application\/json\b/i.test(type)) throw new HttpError(protocolError('invalid', 'expected Content-Type: application/json'));
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(protocolError('too_large', `request body over ${MAX_BODY_BYTES} bytes`));
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new HttpError(protocolError('too_large', `request body over ${MAX_BODY_BYTES} bytes`));
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    // A body cut short or malformed on the wire (the client went away, a bad chunk) is the client's error.
    if (err instanceof HttpError) throw err;
    throw new HttpError(protocolError('invalid', 'request body was not received whole'));
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(protocolError('invalid', 'request body is not valid JSON'));
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HttpError(invalidFromZod(parsed.error));
  return parsed.data;
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers
  });
  res.end(text);
}

/** A file rendered whole: its headers and bytes go out together, so a failure before this sends a JSON error instead. */
export function sendFile(res: ServerResponse, status: number, file: { bytes: Uint8Array; headers: Record<string, string> }): void {
  if (res.headersSent) return;
  res.writeHead(status, file.headers);
  res.end(file.bytes);
}
