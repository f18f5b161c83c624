import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startProcess, type ServerProcess } from '../helpers/servers.ts';

/** The host name phones use on the hall LAN; Chromium maps it to loopback, so pages are not a secure context. */
export const HALL_HOST = 'yishi.hall';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface Hall {
  server: ServerProcess;
  /** What a phone on the hall Wi-Fi opens. */
  base: string;
  browser: Browser;
  stop(): Promise<void>;
}

/** The real server (with the built web app) on the sqlite store, and Chromium reaching it as http://yishi.hall:<port>. */
export async function openHall(): Promise<Hall> {
  const port = await freePort();
  const base = `http://${HALL_HOST}:${port}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yishi-e2e-'));
  const server = await startProcess({ PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, DATA_DIR: dataDir, LOG_LEVEL: 'info' }).catch(async (err: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const browser = await chromium.launch({
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
  return {
    server,
    base,
    browser,
    async stop() {
      await browser.close().catch(() => undefined);
      server.child.kill('SIGTERM');
      await server.exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  };
}
