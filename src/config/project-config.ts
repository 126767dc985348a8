/**
 * Project config: named target environments, where secrets come from (names of environment
 * variables only), the state directory and the log level. Found with cosmiconfig; every key has a
 * default, so no config file is needed at all.
 */
import { dirname, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { Ajv } from 'ajv';
import { TmtError, issue, type Issue, errorMessage } from '../errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface EnvironmentConfig {
  /** Base URL of the import API (`PUT {baseUrl}/v1/profile`). */
  baseUrl: string;
  /** OAuth2 token endpoint. */
  tokenUrl: string;
  /** The person's permit page (OAuth2 authorization endpoint). */
  authorizeUrl: string;
  /** OAuth2 client id (not a secret). */
  clientId?: string;
  /** Name of the environment variable that holds the OAuth2 client secret. */
  clientSecretEnv: string;
  /** Name of the environment variable that holds the KIPA subscription key. */
  subscriptionKeyEnv: string;
  /** Marks an environment where real persons' profiles change; sending there needs allowProduction. */
  production?: boolean;
  /** OAuth2 redirect URI registered with TMT for this client (default: the permits server's own callback URL). */
  redirectUri?: string;
}

export interface ProjectConfig {
  environments: Record<string, EnvironmentConfig>;
  /** Folder for permits, run state and the pseudonym key; absolute after loading. */
  stateDir: string;
  logLevel: LogLevel;
  /** Must be true, together with `--env production`, before anything is sent to production. */
  allowProduction: boolean;
  /** Name of the environment variable holding the secret that keys person pseudonyms. */
  pseudonymSecretEnv: string;
  /** How long things are kept (a run applies these at its end; `tmt-import purge` on demand). */
  retention: { deadLetterPayloadDays: number; permitRecordDays: number };
  /** The file the config came from, if any. */
  configFile?: string;
}

/** Documented guesses for TMT's addresses (not published); override them in the project config. */
export const DEFAULT_ENVIRONMENTS: Record<string, EnvironmentConfig> = {
  sandbox: {
    baseUrl: 'http://127.0.0.1:8640',
    tokenUrl: 'http://127.0.0.1:8640/v1/request-token',
    authorizeUrl: 'http://127.0.0.1:8640/authorize',
    clientId: 'tmt-import-sandbox',
    clientSecretEnv: 'TMT_SANDBOX_CLIENT_SECRET',
    subscriptionKeyEnv: 'TMT_SANDBOX_SUBSCRIPTION_KEY',
  },
  test: {
    baseUrl: 'https://api-qa.ahtp.fi/kipa/tmt-profile-import',
    tokenUrl: 'https://api-qa.ahtp.fi/kipa/tmt-profile-import/v1/request-token',
    authorizeUrl: 'https://tyomarkkinatori-qa.ahtp.fi/en/personal-customers/my-job-path/permission-to-import-profile-data',
    clientSecretEnv: 'TMT_TEST_CLIENT_SECRET',
    subscriptionKeyEnv: 'TMT_TEST_SUBSCRIPTION_KEY',
  },
  production: {
    baseUrl: 'https://api.ahtp.fi/kipa/tmt-profile-import',
    tokenUrl: 'https://api.ahtp.fi/kipa/tmt-profile-import/v1/request-token',
    authorizeUrl: 'https://tyomarkkinatori.fi/en/personal-customers/my-job-path/permission-to-import-profile-data',
    clientSecretEnv: 'TMT_PRODUCTION_CLIENT_SECRET',
    subscriptionKeyEnv: 'TMT_PRODUCTION_SUBSCRIPTION_KEY',
    production: true,
  },
};

export const CONFIG_SEARCH_PLACES = [
  'package.json',
  'tmt-import.config.yaml',
  'tmt-import.config.yml',
  'tmt-import.config.json',
  'tmt-import.config.js',
  'tmt-import.config.mjs',
  '.tmt-importrc',
  '.tmt-importrc.json',
  '.tmt-importrc.yaml',
  '.tmt-importrc.yml',
  '.tmt-importrc.js',
];

const envVarName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' };
const httpUrl = { type: 'string', pattern: '^https?://' };

const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    environments: {
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z0-9-]*$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          baseUrl: httpUrl,
          tokenUrl: httpUrl,
          authorizeUrl: httpUrl,
          clientId: { type: 'string' },
          clientSecretEnv: envVarName,
          subscriptionKeyEnv: envVarName,
          production: { type: 'boolean' },
          redirectUri: httpUrl,
        },
      },
    },
    stateDir: { type: 'string', minLength: 1 },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    allowProduction: { type: 'boolean' },
    pseudonymSecretEnv: envVarName,
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: {
        deadLetterPayloadDays: { type: 'number', minimum: 0 },
        permitRecordDays: { type: 'number', minimum: 0 },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateConfigShape = ajv.compile(CONFIG_SCHEMA);

export interface LoadConfigOptions {
  /** Folder to search from (and up to the nearest package.json). */
  cwd: string;
  /** An explicit config file (the --config flag). */
  configFile?: string;
}

/** Find, load and check the project config; throws TmtError CONFIG_* with the file named. */
export async function loadProjectConfig(options: LoadConfigOptions): Promise<ProjectConfig> {
  const explorer = cosmiconfig('tmt-import', { searchPlaces: CONFIG_SEARCH_PLACES, searchStrategy: 'project', cache: false });
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = options.configFile ? await explorer.load(resolve(options.cwd, options.configFile)) : await explorer.search(options.cwd);
  } catch (e) {
    const file = options.configFile ? resolve(options.cwd, options.configFile) : undefined;
    const pos = /at line (\d+), column (\d+)/.exec(errorMessage(e));
    throw new TmtError('CONFIG_UNREADABLE', `cannot read the project config: ${firstLine(errorMessage(e))}`, {
      file: file ?? fileFromError(e),
      ...(pos ? { line: Number(pos[1]), column: Number(pos[2]) } : {}),
    });
  }
  if (!found || found.isEmpty) return resolveConfig({}, options.cwd, undefined);
  return resolveConfig(found.config ?? {}, dirname(found.filepath), found.filepath);
}

/** Apply defaults and check a raw config object (also used by tests and the library API). */
export function resolveConfig(raw: unknown, baseDir: string, configFile?: string): ProjectConfig {
  if (!validateConfigShape(raw)) {
    const issues: Issue[] = (validateConfigShape.errors ?? []).map((err) => {
      const where = err.instancePath || '/';
      const extra = err.keyword === 'additionalProperties' ? ` (unknown key "${String((err.params as { additionalProperty?: string }).additionalProperty)}")` : '';
      return issue('CONFIG_INVALID', `config ${where}: ${err.message ?? 'invalid'}${extra}`, { pointer: err.instancePath, ...(configFile ? { file: configFile } : {}) });
    });
    throw TmtError.fromIssues(issues);
  }
  const r = raw as Partial<Omit<ProjectConfig, 'environments'>> & { environments?: Record<string, Partial<EnvironmentConfig>> };
  const environments: Record<string, EnvironmentConfig> = {};
  for (const [name, env] of Object.entries(DEFAULT_ENVIRONMENTS)) environments[name] = { ...env };
  for (const [name, env] of Object.entries(r.environments ?? {})) {
    const merged = { ...(environments[name] ?? {}), ...env } as Partial<EnvironmentConfig>;
    const missing = (['baseUrl', 'tokenUrl', 'authorizeUrl', 'clientSecretEnv', 'subscriptionKeyEnv'] as const).filter((k) => !merged[k]);
    if (missing.length > 0) {
      throw new TmtError('CONFIG_INVALID', `environment "${name}" lacks ${missing.join(', ')}`, { pointer: `/environments/${name}`, ...(configFile ? { file: configFile } : {}) });
    }
    environments[name] = merged as EnvironmentConfig;
  }
  return {
    environments,
    stateDir: resolve(baseDir, r.stateDir ?? '.tmt-import'),
    logLevel: r.logLevel ?? 'info',
    allowProduction: r.allowProduction ?? false,
    pseudonymSecretEnv: r.pseudonymSecretEnv ?? 'TMT_IMPORT_PSEUDONYM_SECRET',
    retention: { deadLetterPayloadDays: r.retention?.deadLetterPayloadDays ?? 14, permitRecordDays: r.retention?.permitRecordDays ?? 30 },
    ...(configFile ? { configFile } : {}),
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function fileFromError(e: unknown): string | undefined {
  const m = /(\/[^\s:]+\.(?:ya?ml|json|js|mjs))/.exec(errorMessage(e));
  return m?.[1];
}
