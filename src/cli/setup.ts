/** What most commands need: the project config, a logger with a runId, pseudonyms, styles. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { loadProjectConfig, type LogLevel, type ProjectConfig } from '../config/project-config.js';
import { TmtError } from '../errors.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createPseudonymizer, resolvePseudonymSecret, type Pseudonymizer } from '../logging/pseudonym.js';
import type { CommandContext } from './command.js';
import { makeStyle, type Style } from './io.js';

export interface Session {
  config: ProjectConfig;
  logger: Logger;
  runId: string;
  out: Style;
  err: Style;
  json: boolean;
  quiet: boolean;
  pseudonymize(): Pseudonymizer;
  /** The key of the pseudonyms (for mapping threads, which build their own pseudonymizer). */
  pseudonymSecret(): string | Buffer;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function startSession(ctx: CommandContext, base: Record<string, unknown> = {}): Promise<Session> {
  const v = ctx.values;
  const noColor = v['no-color'] === true;
  const loaded = await loadProjectConfig({ cwd: ctx.io.cwd, ...(typeof v.config === 'string' ? { configFile: v.config } : {}) });
  const config = typeof v['state-dir'] === 'string' ? { ...loaded, stateDir: resolve(ctx.io.cwd, v['state-dir']) } : loaded;
  const requested = typeof v['log-level'] === 'string' ? v['log-level'] : undefined;
  if (requested !== undefined && !LEVELS.includes(requested)) throw new TmtError('CLI_USAGE', `--log-level must be one of ${LEVELS.join(', ')}`);
  const quiet = v.quiet === true;
  let level = (requested ?? config.logLevel) as LogLevel;
  if (quiet && !requested && LEVELS.indexOf(level) > LEVELS.indexOf('warn')) level = 'warn';
  const runId = newRunId();
  const err = makeStyle(ctx.io, 'stderr', noColor);
  const logger = createLogger({ level, destination: ctx.io.stderr, pretty: Boolean(ctx.io.stderr.isTTY), color: err.color, base: { runId, ...base } });
  let pseudo: Pseudonymizer | undefined;
  let pseudoSecret: string | Buffer | undefined;
  return {
    config,
    logger,
    runId,
    out: makeStyle(ctx.io, 'stdout', noColor),
    err,
    json: v.json === true,
    quiet,
    pseudonymSecret,
    pseudonymize() {
      pseudo ??= createPseudonymizer(pseudonymSecret());
      return pseudo;
    },
  };
  function pseudonymSecret(): string | Buffer {
    if (pseudoSecret === undefined) {
      const { secret, source } = resolvePseudonymSecret({ env: ctx.io.env, envName: config.pseudonymSecretEnv, stateDir: config.stateDir });
      if (source === 'ephemeral') logger.warn({ envName: config.pseudonymSecretEnv }, 'no pseudonym secret in the environment and the state folder is not writable: pseudonyms are stable only within this run');
      pseudoSecret = secret;
    }
    return pseudoSecret;
  }
}
