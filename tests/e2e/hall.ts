import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../../packages/store/test/redisServer.ts';
import { startBackend, startProcess, type ServerProcess, type StoreKind } from '../helpers/servers.ts';

/** The host name phones use on the hall LAN; Chromium maps it to loopback, so pages are not a secure context. */
export const HALL_HOST = 'yishi.hall';

/** One Chromium for a whole test file (launching it is the slow part); each test makes its own contexts. */
export function launchHallBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${HALL_HOST} 127.0.0.1`
    ]
  });
}

export interface Hall {
  server: ServerProcess;
  store: StoreKind;
  /** What a phone on the hall Wi-Fi opens. */
  base: string;
  /** The same server over loopback, for Node-side clients (they do not know the hall host name). */
  url: string;
  stop(): Promise<void>;
}

/**
 * The real server (with the built web app) as its own process on the given store: a temp SQLite dir,
 * or an own redis-server on a free port (`REDIS_URL` makes the server pick the Redis store).
 */
export async function openHall(store: StoreKind, env: Record<string, string> = {}): Promise<Hall> {
  const port = await freePort();
  const base = `http://${HALL_HOST}:${port}`;
  const backend = await startBackend(store);
  try {
    const server = await startProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      LOG_LEVEL: 'info', // startProcess waits for the 'yishi listening' line
      ...backend.env,
      ...env
    });
    return {
      server,
      store,
      base,
      url: server.url,
      async stop() {
        server.child.kill('SIGTERM');
        await server.exited;
        await backend.dispose();
      }
    };
  } catch (err) {
    await backend.dispose();
    throw err;
  }
}
