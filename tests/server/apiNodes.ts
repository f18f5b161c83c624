import { createLogger, createYishiServer, loadConfig, type YishiServer } from '@yishi/realtime-server';
import { openStore } from '@yishi/store';
import { RedisFailureThrottle } from '../../realtime-server/src/scale/redisThrottle.ts';
import { postJson, startBackend, type Backend, type StoreKind } from '../helpers/servers.ts';

/**
 * The API as a deployment sees it: on SQLite one node; on Redis two nodes on one store sharing the
 * Redis counters (as main.ts wires them), so a limit is shown to hold however requests are spread.
 * Requests behind a trusted proxy name their client address in X-Forwarded-For.
 */
export interface ApiNodes {
  urls: string[];
  backend: Backend;
  servers: YishiServer[];
  /** The node for the i-th request: alternating on Redis. */
  url(i: number): string;
  post<T = unknown>(i: number, path: string, body: unknown, from: string): Promise<{ status: number; body: T; headers: Headers }>;
  get<T = unknown>(i: number, path: string, from: string): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startApiNodes(kind: StoreKind, env: Record<string, string> = {}): Promise<ApiNodes> {
  const backend = await startBackend(kind);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TRUST_PROXY: '1', ...backend.env, ...env });
  const log = createLogger('silent', 'test');
  const failures = config.redisUrl ? new RedisFailureThrottle({ redisUrl: config.redisUrl, limitPerWindow: config.joinFailuresPerMinute, log }) : null;
  await failures?.connected();
  const servers: YishiServer[] = [];
  const urls: string[] = [];
  for (let n = 0; n < (kind === 'redis' ? 2 : 1); n++) {
    const store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
    const server = await createYishiServer({ config, store, log, webHandlerPath: null, failures });
    servers.push(server);
    urls.push(`http://127.0.0.1:${(await server.listen()).port}`);
  }
  const url = (i: number) => urls[i % urls.length]!;
  return {
    urls,
    backend,
    servers,
    url,
    post: (i, path, body, from) => postJson(`${url(i)}${path}`, body, { 'x-forwarded-for': from }),
    async get(i, path, from) {
      const res = await fetch(`${url(i)}${path}`, { headers: { 'x-forwarded-for': from } });
      return { status: res.status, body: (await res.json()) as never, headers: res.headers };
    },
    async stop() {
      for (const s of servers) await s.close();
      failures?.close();
      await backend.dispose();
    }
  };
}
