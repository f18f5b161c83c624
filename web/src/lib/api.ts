import type { ErrorCode, ProtocolError } from '@yishi/protocol';

/** A failed API call: a typed protocol error from the server, or the network itself. */
export class ApiError extends Error {
  constructor(readonly error: Pick<ProtocolError, 'code' | 'field'> | 'network') {
    super(error === 'network' ? 'network' : error.code);
  }
}

export async function postJson<T>(path: string, body: unknown, token?: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body)
    });
  } catch {
    throw new ApiError('network');
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    /* not JSON: treated below */
  }
  if (res.ok) return json as T;
  const error = (json as { error?: { code?: ErrorCode; field?: string } } | null)?.error;
  throw new ApiError(error?.code ? { code: error.code, ...(error.field ? { field: error.field } : {}) } : { code: 'internal' });
}
