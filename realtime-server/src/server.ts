import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MeetingEventType } from '@yishi/domain';
import type { Store } from '@yishi/store';
import { createApi } from './http/api.ts';
import { defaultRenderers, type ExportRenderers } from './http/exportRenderers.ts';
import { MeetingDeletion } from './meetings/deletion.ts';
import type { FailureCounter } from './http/failureThrottle.ts';
import { OriginPolicy, reachableUrl } from './http/origins.ts';
import { requestPath } from './http/requestTarget.ts';
import type { Config } from './config.ts';
import { loggablePath, type Logger } from './logger.ts';
import { MeetingService } from './meetings/meetingService.ts';
import { attachSocketServer, type SocketServer, type SocketServerDeps } from './realtime/socketServer.ts';
import { DocVersions } from './yjs/docVersions.ts';
import { YjsServer, type DocRelay } from './yjs/yjsServer.ts';

type WebHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

const here = path.dirname(fileURLToPath(import.meta.url));

/** Events after which open /yjs connections are re-decided (downgraded to read, or closed) at once. */
const RIGHTS_EVENTS: ReadonlySet<MeetingEventType> = new Set(['participant.removed', 'document.accessChanged', 'meeting.ended', 'minutes.unpublished']);
export const DEFAULT_WEB_BUILD = path.resolve(here, '../../web/build/handler.js');

export interface YishiServerOptions {
  config: Config;
  store: Store;
  log: Logger;
  /** Path to the adapter-node handler; null serves no web app (API and realtime only). */
  webHandlerPath?: string | null;
  relay?: DocRelay | null;
  /** Socket.IO adapter shared by all nodes (see scale/redisScaleOut.ts); null on a single node. */
  socketAdapter?: SocketServerDeps['adapter'];
  /** Failed-attempt counter shared by all nodes; null keeps this node's own. */
  failures?: FailureCounter | null;
  /** What renders exports; `defaultRenderers()` unless given (tests pass their own). */
  renderers?: ExportRenderers;
  /** This node's clock for deciding commands and answering clock pings; `Date.now` unless given (tests skew a node's clock). */
  now?: () => number;
}

export interface YishiServer {
  http: HttpServer;
  sockets: SocketServer;
  yjs: YjsServer;
  meetings: MeetingService;
  origins: OriginPolicy;
  listen(): Promise<{ port: number; url: string }>;
  /** The address phones should open (PUBLIC_URL or the LAN address). */
  publicUrl(): string;
  /** Graceful stop: no new connections, flush documents, close sockets and the store. */
  close(): Promise<void>;
}

/**
 * One HTTP server: the JSON API, Socket.IO, the Yjs endpoint and the built web app, in that order.
 */
export async function createYishiServer(opts: YishiServerOptions): Promise<YishiServer> {
  const { config, store, log } = opts;
  const meetings = new MeetingService(store, log, { snapshotEvery: 100, ...(opts.now ? { now: opts.now } : {}) });
  const origins = new OriginPolicy(config.allowedOrigins);
  let port = config.port;
  const publicUrl = () => reachableUrl({ host: config.host, port, publicUrl: config.publicUrl });

  const web = await loadWebHandler(opts.webHandlerPath === undefined ? DEFAULT_WEB_BUILD : opts.webHandlerPath, log);

  let sockets: SocketServer | null = null;
  let yjsServer: YjsServer | null = null;
  const versions = new DocVersions({ store, meetings, log, yjs: () => yjsServer });
  const deletion = new MeetingDeletion({ store, meetings, log, sockets: () => sockets, yjs: () => yjsServer, relay: opts.relay ?? null });
  const api = createApi({
    renderers: opts.renderers ?? defaultRenderers(),
    deleteMeeting: (meetingId) => deletion.delete(meetingId),
    versions,
    config,
    store,
    meetings,
    log,
    publicUrl,
    failures: opts.failures ?? null,
    onTokenRevoked: (meetingId, tokenId) => {
      sockets?.disconnectToken(tokenId);
      yjsServer?.revokeToken(meetingId, tokenId);
    }
  });

  const http = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => log.debug({ method: req.method, path: loggablePath(req.url), status: res.statusCode, ms: Date.now() - started }, 'http'));
    // Nothing one request carries may bring the process down: a throw here, sync or async, answers that
    // request (if it still can) and is logged.
    const failed = (err: unknown) => {
      log.error({ err, path: loggablePath(req.url) }, 'request failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal error');
      } else res.destroy();
    };
    try {
      void api.handle(req, res).then((handled) => {
        if (handled) return;
        if (web) {
          web(req, res, () => notFound(res));
        } else notFound(res);
      }).catch(failed);
    } catch (err) {
      failed(err);
    }
  });

  sockets = attachSocketServer(http, { config, store, meetings, origins, log, publicUrl, adapter: opts.socketAdapter ?? null, versions, docs: () => yjsServer, ...(opts.now ? { now: opts.now } : {}) });
  const yjs = (yjsServer = new YjsServer({ store, meetings, origins, log, relay: opts.relay ?? null }));

  // Socket.IO registers its own upgrade listener for /socket.io; /yjs is ours; anything else is refused.
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const path = requestPath(req.url);
      if (path === null) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      if (path.startsWith('/socket.io')) return;
      if (!yjs.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } catch (err) {
      log.error({ err, path: loggablePath(req.url) }, 'upgrade failed');
      socket.destroy();
    }
  });

  meetings.onCommit((meetingId, committed) => {
    sockets?.broadcast(meetingId, committed);
    // Removing someone, setting a document's access, ending the meeting or unpublishing the minutes (a minutes draft [D26]) changes who may edit or read the meeting's documents.
    if (committed.some((c) => RIGHTS_EVENTS.has(c.entry.event.type))) {
      yjs.rightsChanged(meetingId, committed.at(-1)!.after);
    }
    if (committed.some((c) => c.entry.event.type === 'meeting.ended')) {
      store.setMeetingStatus(meetingId, 'ended').catch((err: unknown) => log.error({ err, meetingId }, 'could not mark meeting ended'));
    }
  });

  let closed: Promise<void> | null = null;

  return {
    http,
    sockets,
    yjs,
    meetings,
    origins,
    publicUrl,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.port, config.host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      port = (http.address() as AddressInfo).port;
      origins.update({ host: config.host, port, publicUrl: config.publicUrl });
      return { port, url: publicUrl() };
    },
    close() {
      closed ??= (async () => {
        http.close();
        await yjs.close();
        // A batch still waiting goes out now: its timer would fire after the adapter's connection closed.
        sockets!.flushAll();
        await sockets!.io.close().catch(() => undefined);
        api.close();
        http.closeAllConnections();
        await store.close();
      })();
      return closed;
    }
  };
}

async function loadWebHandler(handlerPath: string | null, log: Logger): Promise<WebHandler | null> {
  if (!handlerPath) return null;
  if (!existsSync(handlerPath)) {
    log.warn({ handlerPath }, 'web app not built (run pnpm build); serving the API and realtime endpoints only');
    return null;
  }
  const mod = (await import(pathToFileURL(handlerPath).href)) as { handler: WebHandler };
  return mod.handler;
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found');
}
