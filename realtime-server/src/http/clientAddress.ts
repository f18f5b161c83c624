import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

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

/**
 * The key an address is counted under. One IPv6 subscriber commonly holds a whole /64, so IPv6 is
 * counted per /64 prefix (else every address of it would get its own allowance); an IPv4-mapped
 * address is its IPv4 address.
 */
export function throttleKey(address: string): string {
  const mapped = /^::ffff:(.+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [head = '', tail] = bare.split('::');
  const left = groups(head);
  const full = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - groups(tail).length).fill('0'), ...groups(tail)];
  return `${full
    .slice(0, 4)
    .map((g) => g.toLowerCase().padStart(4, '0'))
    .join(':')}::/64`;
}
