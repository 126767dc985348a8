/**
 * `tmt-import sandbox`: runs the local TMT sandbox in the foreground until SIGINT or SIGTERM.
 * Credentials come from the environment variables that the project config's `sandbox` environment
 * names, else from the sandbox defaults (sandbox-only values, printed so another shell can use them).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { EnvironmentConfig } from '../../config/project-config.js';
import { TmtError, errorMessage } from '../../errors.js';
import { parseRateLimit } from '../../sandbox/faults.js';
import { SANDBOX_DEFAULTS, SANDBOX_DEFAULT_RATE_LIMIT, SANDBOX_DEFAULT_REDIRECT_URIS, startSandbox, type RunningSandbox, type SandboxClient, type SandboxOptions } from '../../sandbox/sandbox-server.js';
import { intOption, type CommandContext, type CommandDef } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { startSession } from '../setup.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The optional --config-file: more clients, more subscription keys, profiles held from the start. */
export interface SandboxConfigFile {
  clients?: SandboxClient[];
  subscriptionKeys?: string[];
  persons?: Record<string, Record<string, unknown>>;
}

export async function readSandboxConfigFile(file: string): Promise<SandboxConfigFile> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (e) {
    throw new TmtError('CONFIG_UNREADABLE', `cannot read the sandbox config file: ${errorMessage(e).split('\n')[0]}`, { file });
  }
  const bad = (pointer: string, what: string) => new TmtError('CONFIG_INVALID', `sandbox config ${pointer || '/'}: ${what}`, { file, pointer });
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('', 'must be a mapping with clients, subscriptionKeys and/or persons');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!['clients', 'subscriptionKeys', 'persons'].includes(k)) throw bad(`/${k}`, 'unknown key (known: clients, subscriptionKeys, persons)');
  const out: SandboxConfigFile = {};
  if (r.clients !== undefined) {
    if (!Array.isArray(r.clients)) throw bad('/clients', 'must be a list of {clientId, clientSecret, name, redirectUris}');
    out.clients = r.clients.map((c: unknown, i) => {
      const o = c as Record<string, unknown> | null;
      const ok = o !== null && typeof o === 'object' && typeof o.clientId === 'string' && typeof o.clientSecret === 'string' && typeof o.name === 'string' && Array.isArray(o.redirectUris) && o.redirectUris.every((u) => typeof u === 'string');
      if (!ok) throw bad(`/clients/${i}`, 'needs clientId, clientSecret, name (strings) and redirectUris (a list of URLs)');
      return { clientId: o.clientId, clientSecret: o.clientSecret, name: o.name, redirectUris: o.redirectUris } as SandboxClient;
    });
  }
  if (r.subscriptionKeys !== undefined) {
    if (!Array.isArray(r.subscriptionKeys) || !r.subscriptionKeys.every((k) => typeof k === 'string' && k !== '')) throw bad('/subscriptionKeys', 'must be a list of non-empty strings');
    out.subscriptionKeys = r.subscriptionKeys as string[];
  }
  if (r.persons !== undefined) {
    if (r.persons === null || typeof r.persons !== 'object' || Array.isArray(r.persons)) throw bad('/persons', 'must map person ids to profiles');
    for (const [id, p] of Object.entries(r.persons)) if (p === null || typeof p !== 'object' || Array.isArray(p)) throw bad(`/persons/${id}`, 'must be a profile (a mapping of sections)');
    out.persons = r.persons as Record<string, Record<string, unknown>>;
  }
  return out;
}

/** `N/S`: N requests per S seconds. */
function rateLimitOption(v: unknown): SandboxOptions['rateLimit'] {
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(v.trim()) : null;
  const parsed = m ? parseRateLimit({ limit: Number(m[1]), windowSeconds: Number(m[2]) }) : 'bad';
  if (typeof parsed === 'string') throw new TmtError('CLI_USAGE', '--rate-limit must be N/S: N requests (at least 1) per S seconds, e.g. 100/1');
  return parsed;
}

/** Host and port of the config's sandbox baseUrl when it is a loopback http URL with an explicit port. */
function configuredAddress(env: EnvironmentConfig | undefined): { host: string; port: number } | undefined {
  if (!env) return undefined;
  try {
    const u = new URL(env.baseUrl);
    if (u.protocol !== 'http:' || !LOOPBACK.has(u.hostname) || u.port === '') return undefined;
    return { host: u.hostname === '[::1]' ? '::1' : u.hostname, port: Number(u.port) };
  } catch {
    return undefined;
  }
}

function stringOption(values: CommandContext['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Resolves when the process gets SIGINT or SIGTERM. */
function processSignal(): { promise: Promise<string>; dispose(): void } {
  let on: (sig: NodeJS.Signals) => void = () => {};
  const promise = new Promise<string>((r) => {
    on = (sig) => r(sig);
  });
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return {
    promise,
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

/**
 * Starts the sandbox, prints how to use it, waits for `stop`, closes cleanly. Exit 0.
 * `stop` is injectable for in-process tests; the command passes the process signals.
 */
export async function runSandboxCommand(ctx: CommandContext, stop: Promise<unknown>, onStarted?: (sb: RunningSandbox) => void): Promise<number> {
  const v = ctx.values;
  if (ctx.positionals.length > 0) throw new TmtError('CLI_USAGE', `sandbox: unexpected argument "${ctx.positionals[0]}"`, { hint: 'Example: tmt-import sandbox --port 8640' });
  const portFlag = intOption(v, 'port', 0);
  if (portFlag !== undefined && portFlag > 65535) throw new TmtError('CLI_USAGE', '--port must be from 0 to 65535');
  const tokenTtl = intOption(v, 'token-ttl', 1);
  const rateLimit = rateLimitOption(v['rate-limit']);
  const session = await startSession(ctx, { command: 'sandbox' });
  const envConfig = session.config.environments['sandbox'];
  const configFile = stringOption(v, 'config-file');
  const fileConfig = configFile ? await readSandboxConfigFile(resolve(ctx.io.cwd, configFile)) : {};

  const secretEnv = envConfig?.clientSecretEnv ?? 'TMT_SANDBOX_CLIENT_SECRET';
  const keyEnv = envConfig?.subscriptionKeyEnv ?? 'TMT_SANDBOX_SUBSCRIPTION_KEY';
  const envSecret = ctx.io.env[secretEnv];
  const envKey = ctx.io.env[keyEnv];
  const clientSecret = envSecret ? envSecret : SANDBOX_DEFAULTS.clientSecret;
  const subscriptionKey = envKey ? envKey : SANDBOX_DEFAULTS.subscriptionKey;
  const clientId = envConfig?.clientId ?? SANDBOX_DEFAULTS.clientId;
  const extraUris = [...(envConfig?.redirectUri ? [envConfig.redirectUri] : []), ...((v['redirect-uri'] as string[] | undefined) ?? [])];
  const redirectUris = [...new Set([...SANDBOX_DEFAULT_REDIRECT_URIS, ...extraUris])];
  const clients: SandboxClient[] = [{ clientId, clientSecret, name: SANDBOX_DEFAULTS.organisation, redirectUris }, ...(fileConfig.clients ?? [])];

  const configured = configuredAddress(envConfig);
  const host = stringOption(v, 'host') ?? configured?.host ?? '127.0.0.1';
  const port = portFlag ?? configured?.port ?? SANDBOX_DEFAULTS.port;

  const sandbox = await startSandbox({
    host,
    port,
    clients,
    subscriptionKeys: [subscriptionKey, ...(fileConfig.subscriptionKeys ?? [])],
    autoApprove: v['auto-approve'] === true,
    ...(tokenTtl !== undefined ? { tokenTtlSeconds: tokenTtl } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(fileConfig.persons ? { profiles: fileConfig.persons } : {}),
    logger: session.logger,
  });
  onStarted?.(sandbox);

  const exportsNeeded: Record<string, string> = {};
  if (!envSecret) exportsNeeded[secretEnv] = clientSecret;
  if (!envKey) exportsNeeded[keyEnv] = subscriptionKey;
  const expected = { baseUrl: sandbox.url, tokenUrl: `${sandbox.url}/v1/request-token`, authorizeUrl: `${sandbox.url}/authorize` };
  const mismatches = envConfig ? (Object.keys(expected) as Array<keyof typeof expected>).filter((k) => envConfig[k] !== expected[k]) : [];
  const rl = rateLimit ?? SANDBOX_DEFAULT_RATE_LIMIT;
  const callback = envConfig?.redirectUri ?? 'http://127.0.0.1:8641/permits/callback';
  const example = `${sandbox.url}/authorize?response_type=code&client_id=${encodeURIComponent(clientId)}&redirect_uri=${encodeURIComponent(callback)}&state=demo`;

  if (session.json) {
    ctx.io.stdout.write(
      JSON.stringify({
        url: sandbox.url,
        port: sandbox.port,
        clientId,
        clientSecretFrom: envSecret ? secretEnv : 'default',
        subscriptionKeyFrom: envKey ? keyEnv : 'default',
        exports: exportsNeeded,
        redirectUris,
        autoApprove: v['auto-approve'] === true,
        rateLimit: rl,
        configMismatches: mismatches,
      }) + '\n',
    );
  } else {
    const s = session.out;
    const lines = [
      `${s.bold('tmt-import sandbox')}: a local stand-in for Job Market Finland (TMT) at ${s.cyan(sandbox.url)}`,
      s.dim('Data lives in memory and is lost when the sandbox stops. Real TMT identifies persons strongly; here a person is a typed sandbox identity.'),
      '',
      `  client id         ${clientId} (${SANDBOX_DEFAULTS.organisation})`,
      `  client secret     ${envSecret ? `from ${secretEnv}` : `sandbox default (${secretEnv} is not set)`}`,
      `  subscription key  ${envKey ? `from ${keyEnv}` : `sandbox default (${keyEnv} is not set)`}`,
      `  redirect URIs     ${redirectUris.join('\n                    ')}  ${s.dim('(loopback: any port)')}`,
      `  auto-approve      ${v['auto-approve'] === true ? 'on' : 'off'}`,
      `  rate limit        ${rl.limit} requests per ${rl.windowSeconds} s per subscription key`,
      `  token lifetime    ${tokenTtl ?? 3600} s`,
      ...(fileConfig.clients?.length ? [`  more clients      ${fileConfig.clients.map((c) => c.clientId).join(', ')}`] : []),
      ...(fileConfig.persons ? [`  seeded persons    ${Object.keys(fileConfig.persons).length}`] : []),
    ];
    if (Object.keys(exportsNeeded).length > 0) {
      lines.push('', 'So that `tmt-import run` in another shell uses the same values (sandbox-only, safe to share):');
      for (const [k, val] of Object.entries(exportsNeeded)) lines.push(`  export ${k}=${val}`);
    }
    if (mismatches.length > 0) {
      lines.push('', s.yellow(`warning: the project config's sandbox environment does not point here (${mismatches.map((k) => `${k} is ${envConfig?.[k]}`).join(', ')}); set them to ${expected.baseUrl}, ${expected.tokenUrl} and ${expected.authorizeUrl}, or start on its port.`));
    }
    lines.push(
      '',
      'Routes:',
      '  GET  /authorize            the permit page (response_type=code, client_id, redirect_uri, state[, scope=import|read][, login_hint])',
      '  POST /v1/request-token     code → access token (HTTP Basic client auth, KIPA-Subscription-Key)',
      '  PUT  /v1/profile           one import per token; GET /v1/profile reads back with a scope=read token',
      '  GET  /_sandbox/imports     the import log;  /_sandbox/profiles[/ID]  what the sandbox holds',
      '  POST /_sandbox/faults      {"latencyMs":200,"errorRate":0.1,"dropRate":0.05}   ({} clears)',
      '  POST /_sandbox/auto-approve {"enabled":true};  POST /_sandbox/reset;  GET /_sandbox/health',
      '',
      'Example:',
      `  open "${example}"`,
      `  curl -s ${sandbox.url}/_sandbox/imports`,
      '',
      s.dim('Stop with Ctrl+C.'),
      '',
    );
    ctx.io.stdout.write(lines.join('\n'));
  }

  const why = await stop;
  session.logger.info({ signal: typeof why === 'string' ? why : 'stop' }, 'stopping the sandbox');
  await sandbox.close();
  if (!session.json) ctx.io.stdout.write('sandbox stopped\n');
  return EXIT.OK;
}

export const sandboxCommand: CommandDef = {
  name: 'sandbox',
  summary: 'Run a local stand-in for TMT (permit page, token endpoint, PUT/GET /v1/profile) until Ctrl+C.',
  usage: 'tmt-import sandbox [--port N] [--host ADDRESS] [--auto-approve] [--rate-limit N/S] [--token-ttl SECONDS] [--redirect-uri URI] [--config-file FILE]',
  description:
    'Serves the permit page (/authorize, Finnish and English), the token endpoint (/v1/request-token),\n' +
    'PUT /v1/profile (one import per token, checked against the profile contract) and GET /v1/profile,\n' +
    'plus /_sandbox/* routes to read the import log and stored profiles and to inject faults.\n' +
    "The client secret and subscription key come from the environment variables named by the project\n" +
    "config's sandbox environment (TMT_SANDBOX_CLIENT_SECRET, TMT_SANDBOX_SUBSCRIPTION_KEY by default),\n" +
    'else sandbox defaults, which are printed as export lines. The port defaults to the one in the\n' +
    "sandbox environment's baseUrl (8640). --config-file is YAML with optional `clients:` (clientId,\n" +
    'clientSecret, name, redirectUris), `subscriptionKeys:` and `persons:` (person id → profile held from\n' +
    'the start). Stops cleanly on SIGINT/SIGTERM with exit code 0.',
  options: {
    port: { type: 'string', short: 'p', value: 'N', description: 'Port to listen on (0 = any free port; default from the config, else 8640).' },
    host: { type: 'string', value: 'ADDRESS', description: 'Address to listen on (default 127.0.0.1).' },
    'auto-approve': { type: 'boolean', description: 'Approve every permit request at once, without the page (person = login_hint or a fresh id).' },
    'rate-limit': { type: 'string', value: 'N/S', description: 'N requests per S seconds per subscription key (default 1000/1).' },
    'token-ttl': { type: 'string', value: 'SECONDS', description: 'Lifetime of access tokens (default 3600).' },
    'redirect-uri': { type: 'string', multiple: true, value: 'URI', description: 'Register another redirect URI for the client (repeatable; loopback URIs match any port).' },
    'config-file': { type: 'string', value: 'FILE', description: 'YAML with extra clients, subscription keys and seeded profiles.' },
  },
  examples: [
    'tmt-import sandbox',
    'tmt-import sandbox --port 9000 --auto-approve --rate-limit 50/1',
    'tmt-import sandbox --redirect-uri https://cv.example.test/tmt/callback --config-file sandbox.yaml',
  ],
  async run(ctx) {
    const signal = processSignal();
    try {
      return await runSandboxCommand(ctx, signal.promise);
    } finally {
      signal.dispose();
    }
  },
};
