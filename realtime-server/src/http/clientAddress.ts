import type { IncomingMessage } from 'node:http';

/**
 * The client's address. X-Forwarded-For is believed only for as many proxies as TRUST_PROXY says
 * (the right-most entries are the ones our own proxies added); otherwise anybody could pick an
 * address and escape the join throttle.
 */
export function clientAddress(req: IncomingMessage, trustProxy: number): string {
  const direct = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return direct;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return direct;
  const hops = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // The chain is client, proxy1, ..., and the last proxy is `direct`. Trusting n proxies means the
  // n-th entry from the right was written by a proxy we trust.
  const idx = hops.length - trustProxy;
  return hops[Math.max(0, idx)] ?? direct;
}
