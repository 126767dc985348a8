/**
 * Structured logs: pino JSON lines to stderr (or an injected destination), a runId on every line,
 * secrets redacted by path. Personal data never reaches a log call: persons appear only as
 * pseudonyms and origins. When a person watches a terminal, lines are rendered readably.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/project-config.js';

export type { Logger };

export const REDACT_PATHS = [
  'token', 'accessToken', 'access_token', 'refreshToken', 'authorization', 'Authorization',
  'subscriptionKey', 'clientSecret', 'password', 'secret', 'personKey', 'key', 'email',
  '*.token', '*.accessToken', '*.access_token', '*.authorization', '*.Authorization', '*.subscriptionKey',
  '*.clientSecret', '*.password', '*.secret', '*.personKey', '*.email',
  'headers.authorization', 'headers["kipa-subscription-key"]', 'headers["KIPA-Subscription-Key"]',
];

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default process.stderr. */
  destination?: NodeJS.WritableStream;
  /** Render for a person (time, level, message, fields) instead of JSON lines. */
  pretty?: boolean;
  color?: boolean;
  /** Fields on every line, e.g. { runId, pipeline }. */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.destination ?? process.stderr;
  const stream: DestinationStream = options.pretty ? prettyStream(out, options.color ?? false) : { write: (s: string) => void out.write(s) };
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** A logger that drops everything (library use without logging, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const LEVEL_COLORS: Record<string, string> = { fatal: '\x1b[41m', error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[36m', debug: '\x1b[90m', trace: '\x1b[90m' };

function prettyStream(out: NodeJS.WritableStream, color: boolean): DestinationStream {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { time, level, msg, runId: _runId, pid: _pid, hostname: _h, ...rest } = rec;
      const t = typeof time === 'string' ? time.slice(11, 19) : '';
      const lvl = String(level ?? '').toUpperCase().padEnd(5);
      const fields = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const lv = color ? `${LEVEL_COLORS[String(level)] ?? ''}${lvl}\x1b[0m` : lvl;
      out.write(`${t} ${lv} ${String(msg ?? '')}${fields ? `  ${color ? '\x1b[90m' : ''}${fields}${color ? '\x1b[0m' : ''}` : ''}\n`);
    },
  };
}
