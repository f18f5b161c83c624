import os from 'node:os';
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  /** The address people open (and the QR encodes). Null: derived from the LAN address at start-up. */
  publicUrl: string | null;
  dataDir: string;
  redisUrl: string | null;
  /** How many proxies in front of us to trust for X-Forwarded-For; 0 ignores the header. */
  trustProxy: number;
  /** Explicit Origin allow-list; null means the default (PUBLIC_URL origin + the addresses we listen on). */
  allowedOrigins: string[] | null;
  logLevel: LogLevel;
  nodeId: string;
  /** Commands per second a connection may send, and the burst it may save up. */
  commandRate: { perSecond: number; burst: number };
  /**
   * Failed join-code attempts per client address per minute before the address is slowed to one
   * attempt per (60 s / this); each code that was found raises it by one, up to twice this (README).
   */
  joinFailuresPerMinute: number;
  /** Meetings one client address may create per hour (`POST /api/meetings`). */
  meetingsPerHour: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function bad(name: string, value: string, expected: string): never {
  throw new ConfigError(`${name} must be ${expected} (got ${JSON.stringify(value)})`);
}

function parseOrigin(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    bad(name, value, 'an http(s) URL such as http://192.168.1.20:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') bad(name, value, 'an http(s) URL');
  return url.origin;
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim())) bad(name, value, `an integer from ${min} to ${max}`);
  const n = Number(value);
  if (n < min || n > max) bad(name, value, `an integer from ${min} to ${max}`);
  return n;
}

/** Reads the configuration from the environment; throws ConfigError with a message a person can act on. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : parseInteger('PORT', env.PORT, 0, 65535);
  const host = env.HOST?.trim() || '0.0.0.0';

  let publicUrl: string | null = null;
  if (env.PUBLIC_URL) {
    parseOrigin('PUBLIC_URL', env.PUBLIC_URL);
    publicUrl = env.PUBLIC_URL.replace(/\/+$/, '');
  }

  let redisUrl: string | null = null;
  if (env.REDIS_URL) {
    let url: URL | null = null;
    try {
      url = new URL(env.REDIS_URL);
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) bad('REDIS_URL', env.REDIS_URL, 'a redis:// or rediss:// URL');
    redisUrl = env.REDIS_URL;
  }

  let trustProxy = 0;
  const tp = env.TRUST_PROXY?.trim().toLowerCase();
  if (tp) {
    if (tp === 'false' || tp === '0' || tp === 'no') trustProxy = 0;
    else if (tp === 'true' || tp === 'yes') trustProxy = 1;
    else trustProxy = parseInteger('TRUST_PROXY', tp, 0, 10);
  }

  let allowedOrigins: string[] | null = null;
  if (env.ALLOWED_ORIGINS?.trim()) {
    allowedOrigins = env.ALLOWED_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((o) => parseOrigin('ALLOWED_ORIGINS', o));
  }

  const level = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) bad('LOG_LEVEL', env.LOG_LEVEL ?? '', `one of ${LOG_LEVELS.join(', ')}`);

  return {
    port,
    host,
    publicUrl,
    dataDir: path.resolve(env.DATA_DIR?.trim() || 'data'),
    redisUrl,
    trustProxy,
    allowedOrigins,
    logLevel: level,
    nodeId: parseNodeId(env.NODE_ID?.trim() || `${os.hostname().slice(0, 48)}-${process.pid}`),
    commandRate: {
      perSecond: env.COMMAND_RATE ? parseInteger('COMMAND_RATE', env.COMMAND_RATE, 1, 10_000) : 10,
      burst: env.COMMAND_BURST ? parseInteger('COMMAND_BURST', env.COMMAND_BURST, 1, 10_000) : 30
    },
    joinFailuresPerMinute: env.JOIN_FAILURES_PER_MINUTE
      ? parseInteger('JOIN_FAILURES_PER_MINUTE', env.JOIN_FAILURES_PER_MINUTE, 1, 100_000)
      : 30,
    meetingsPerHour: env.MEETINGS_PER_HOUR ? parseInteger('MEETINGS_PER_HOUR', env.MEETINGS_PER_HOUR, 1, 1_000_000) : 20
  };
}

/** A node id names Redis connections (CLIENT SETNAME takes no spaces) and appears in logs and /healthz. */
function parseNodeId(value: string): string {
  if (/^[A-Za-z0-9._:-]{1,64}$/.test(value)) return value;
  return bad('NODE_ID', value, 'up to 64 letters, digits, dots, colons, dashes or underscores');
}
