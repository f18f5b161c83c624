import { openStore } from '@yishi/store';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createRedisScaleOut } from './scale/redisScaleOut.ts';
import { createYishiServer } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`yishi: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, config.nodeId);
  const store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
  // Several nodes on one Redis share Socket.IO rooms and relay Yjs updates through it.
  const scale = config.redisUrl ? await createRedisScaleOut({ redisUrl: config.redisUrl, nodeId: config.nodeId, log, store, failuresPerMinute: config.joinFailuresPerMinute }) : null;
  const server = await createYishiServer({ config, store, log, relay: scale?.relay ?? null, socketAdapter: scale?.adapter ?? null, failures: scale?.failures ?? null });
  scale?.onResubscribed(() => void server.sockets.resyncLocal());
  const { port, url } = await server.listen();
  log.info({ port, host: config.host, store: store.kind, url, origins: server.origins.list() }, 'yishi listening');
  // A plain line for the person who started it: this is what to open and what phones should reach.
  process.stdout.write(`\n  议事 Yishi is running (${store.kind} store). Open: ${url}\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long, exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    server
      .close()
      .then(() => scale?.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        }
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`yishi: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
