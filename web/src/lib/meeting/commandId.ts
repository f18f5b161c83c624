/**
 * A command id for idempotent retries. Pages on a hall LAN are plain HTTP, not a secure context, so
 * `crypto.randomUUID` is missing there; `crypto.getRandomValues` is available in every context.
 */
export function newCommandId(): string {
  const bytes = new Uint8Array(16);
  if (typeof crypto !== 'undefined' && typeof crypto.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return 'c' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
