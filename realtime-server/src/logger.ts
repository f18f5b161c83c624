import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** Structured JSON logs. Secrets are redacted by key wherever they appear. */
export function createLogger(level: LogLevel, nodeId: string): Logger {
  return pino({
    level,
    base: { node: nodeId },
    redact: {
      paths: ['token', '*.token', '*.*.token', 'facilitatorToken', '*.facilitatorToken', 'recoveryCode', '*.recoveryCode', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]'
    }
  });
}

/** A path safe to log: the query string (which may carry `?token=`) and fragment are dropped. */
export function loggablePath(url: string | undefined): string {
  if (!url) return '';
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}
