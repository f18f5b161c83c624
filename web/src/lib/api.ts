import type { ErrorCode, ProtocolError } from '@yishi/protocol';

/** What the page needs of a typed protocol error to say it to a person. */
export type ShownError = Pick<ProtocolError, 'code' | 'field' | 'reason'>;

/** A failed API call: a typed protocol error from the server, or the network itself. */
export class ApiError extends Error {
  constructor(readonly error: ShownError | 'network') {
    super(error === 'network' ? 'network' : error.code);
  }
}

const bearer = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

export function getJson<T>(path: string, token?: string): Promise<T> {
  return request<T>(path, { method: 'GET', headers: bearer(token) });
}

export function postJson<T>(path: string, body: unknown, token?: string): Promise<T> {
  return request<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify(body)
  });
}

export function deleteJson<T>(path: string, token: string): Promise<T> {
  return request<T>(path, { method: 'DELETE', headers: bearer(token) });
}

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
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
  const error = (json as { error?: { code?: ErrorCode; field?: string; reason?: ProtocolError['reason'] } } | null)?.error;
  if (!error?.code) throw new ApiError({ code: 'internal' });
  throw new ApiError({ code: error.code, ...(error.field ? { field: error.field } : {}), ...(error.reason ? { reason: error.reason } : {}) });
}
