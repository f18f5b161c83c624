export { createYishiServer, type YishiServer, type YishiServerOptions } from './server.ts';
export { loadConfig, ConfigError, type Config } from './config.ts';
export { createLogger } from './logger.ts';
export type { DocRelay } from './yjs/yjsServer.ts';
