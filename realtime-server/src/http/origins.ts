import os from 'node:os';

/**
 * Which browser origins may open Socket.IO and /yjs. By default: the PUBLIC_URL origin and every
 * address the server listens on (all interfaces for 0.0.0.0), so a phone on the hall Wi-Fi that
 * opened http://192.168.1.20:3000 is let in and a page on another site is not.
 */
export class OriginPolicy {
  private allowed = new Set<string>();

  constructor(private readonly explicit: string[] | null) {}

  /** Recomputes the default list once the port is known. */
  update(opts: { host: string; port: number; publicUrl: string | null }): void {
    const set = new Set<string>();
    if (this.explicit) {
      for (const o of this.explicit) set.add(o);
    } else {
      if (opts.publicUrl) set.add(new URL(opts.publicUrl).origin);
      for (const address of listeningAddresses(opts.host)) {
        set.add(`http://${hostForUrl(address)}:${opts.port}`);
        set.add(`https://${hostForUrl(address)}:${opts.port}`);
      }
      if (isLoopbackOrAny(opts.host)) {
        set.add(`http://localhost:${opts.port}`);
        set.add(`https://localhost:${opts.port}`);
      }
    }
    this.allowed = set;
  }

  /** A missing Origin (a non-browser client) is not a browser attack; it still needs a token. */
  isAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    return this.allowed.has(origin);
  }

  list(): string[] {
    return [...this.allowed];
  }
}

function isLoopbackOrAny(host: string): boolean {
  return ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host);
}

export function listeningAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) {
      if (host === '0.0.0.0' && info.family !== 'IPv4') continue;
      out.push(info.address);
    }
  }
  return out;
}

export function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * The address phones should open: PUBLIC_URL, else the first private IPv4 address of this machine
 * (the hall LAN), never localhost unless there is nothing else.
 */
export function reachableUrl(opts: { host: string; port: number; publicUrl: string | null }): string {
  if (opts.publicUrl) return opts.publicUrl;
  if (opts.host === '127.0.0.1' || opts.host === '::1' || opts.host === 'localhost') return `http://localhost:${opts.port}`;
  if (opts.host !== '0.0.0.0' && opts.host !== '::') return `http://${hostForUrl(opts.host)}:${opts.port}`;
  const candidates: { address: string; rank: number }[] = [];
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family !== 'IPv4' || info.internal) continue;
      // Prefer the usual home/hall router ranges over container and VPN bridges.
      const rank = /^192\.168\./.test(info.address) ? 0 : /^10\./.test(info.address) ? 1 : /^172\.(1[6-9]|2\d|3[01])\./.test(info.address) ? 2 : 3;
      candidates.push({ address: info.address, rank: rank + (/^(docker|br-|veth|virbr|tun|tap)/.test(name) ? 10 : 0) });
    }
  }
  candidates.sort((a, b) => a.rank - b.rank);
  const best = candidates[0];
  return best ? `http://${best.address}:${opts.port}` : `http://localhost:${opts.port}`;
}
