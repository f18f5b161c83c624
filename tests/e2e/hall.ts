import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
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

/** A phone and the facilitator's laptop, as the browser tests emulate them. */
export const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' } as const;
export const LAPTOP = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN' } as const;

export interface HallSession {
  readonly browser: Browser;
  readonly hall: Hall;
  /** A browser context (a person's browser) with the step bound every test uses; closed after the test. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  /** A Node client (a TestClient) to close after the test. */
  keep<T extends { close(): void }>(client: T): T;
}

/**
 * What a browser test file shares: one Chromium and one hall for the file (launching them is the slow
 * part), screenshots' folder made, and after each test every context and client it made closed.
 */
export function hallSession(opts: { store?: StoreKind; env?: Record<string, string>; shots?: string; onContext?: (context: BrowserContext) => void } = {}): HallSession {
  let browser: Browser | undefined;
  let hall: Hall | undefined;
  let contexts: BrowserContext[] = [];
  let clients: { close(): void }[] = [];
  beforeAll(async () => {
    if (opts.shots) await mkdir(opts.shots, { recursive: true });
    browser = await launchHallBrowser();
    hall = await openHall(opts.store ?? 'sqlite', opts.env);
  });
  afterEach(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const c of clients) c.close();
    contexts = [];
    clients = [];
  });
  afterAll(async () => {
    await browser?.close();
    await hall?.stop();
  });
  const must = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not up yet (used outside a test?)`);
    return value;
  };
  return {
    get browser() {
      return must(browser, 'the browser');
    },
    get hall() {
      return must(hall, 'the hall');
    },
    async newContext(options) {
      const context = await must(browser, 'the browser').newContext(options);
      context.setDefaultTimeout(10_000);
      opts.onContext?.(context);
      contexts.push(context);
      return context;
    },
    keep(client) {
      clients.push(client);
      return client;
    }
  };
}
