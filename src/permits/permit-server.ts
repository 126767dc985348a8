/**
 * The organisation's side of the permit flow, as a small HTTP server:
 *
 *   GET /permits/start?person=<key>   → 302 to TMT's permit page with a signed, expiring, single-use state
 *   GET /permits/callback?code&state  → check the state, exchange the code, store the permit, thank the person
 *   GET /permits/callback?error=access_denied&state → record that the person cancelled
 *   GET /permits/health               → 200
 *
 * /permits/start belongs behind the organisation's own login (a reverse proxy or the service's
 * session): anyone who can call it can start an approval for any person key. The person still has
 * to log in to TMT and approve there, so this cannot import anything by itself, but the route should
 * only be reachable for the signed-in person, with their own key. The key travels in the query string:
 * keep it out of the proxy's access logs.
 *
 * Logs carry the person's pseudonym, the environment and codes; never the key, token, code or state.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProjectConfig } from '../config/project-config.js';
import { requireSecret } from '../config/secrets.js';
import { TmtError, isTmtError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { pageOutcome, pageStatus, renderPage, type PermitPage } from './permit-pages.js';
import type { PermitStore } from './permit-store.js';
import { createStateSigner, resolveStateSecret } from './state-token.js';
import { exchangeCode } from './token-exchange.js';

export interface PermitServerOptions {
  config: ProjectConfig;
  /** Name of the environment (in config.environments) permits are obtained for. */
  environment: string;
  /** Where the secrets come from (the variables named by clientSecretEnv / subscriptionKeyEnv). */
  env: Record<string, string | undefined>;
  store: PermitStore;
  pseudonymize: (key: string) => string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: environment.redirectUri, else http://<host>:<port>/permits/callback. */
  redirectUri?: string;
  /** Pass login_hint=<pseudonym> to the permit page; default true when the authorize URL is on loopback (the sandbox). */
  loginHint?: boolean;
  logger?: Logger;
  now?: () => Date;
  /** How long a started approval may take (default 15 minutes). */
  stateTtlMs?: number;
  /** Timeout of the token exchange (default 15 s). */
  exchangeTimeoutMs?: number;
  /** Every this many ms, drop tokens of expired and spent permits (store.purge keeping all records); default 10 minutes, 0 = never. */
  sweepEveryMs?: number;
}

export interface RunningPermitServer {
  /** http://host:port of the server. */
  url: string;
  port: number;
  /** The redirect URI sent to TMT (must be registered for the client). */
  redirectUri: string;
  close(): Promise<void>;
}

export const PERMIT_PATHS = { start: '/permits/start', callback: '/permits/callback', health: '/permits/health' } as const;

const OAUTH_ERROR = /^[a-z_]{1,64}$/;

export async function startPermitServer(o: PermitServerOptions): Promise<RunningPermitServer> {
  const environment = o.config.environments[o.environment];
  if (!environment) {
    throw new TmtError('CONFIG_ENV_UNDEFINED', `environment "${o.environment}" is not defined in the project config (defined: ${Object.keys(o.config.environments).join(', ')})`);
  }
  if (!environment.clientId) {
    throw new TmtError('CONFIG_INVALID', `environment "${o.environment}" has no clientId (the OAuth2 client id KEHA gave the organisation)`, {
      pointer: `/environments/${o.environment}/clientId`,
      ...(o.config.configFile ? { file: o.config.configFile } : {}),
    });
  }
  const clientId = environment.clientId;
  const clientSecret = requireSecret(o.env, environment.clientSecretEnv, `the OAuth2 client secret of environment "${o.environment}"`);
  const subscriptionKey = requireSecret(o.env, environment.subscriptionKeyEnv, `the KIPA subscription key of environment "${o.environment}"`);
  const now = o.now ?? (() => new Date());
  const { secret } = resolveStateSecret({ env: o.env, stateDir: o.config.stateDir });
  const signer = createStateSigner({ secret, now, ...(o.stateTtlMs !== undefined ? { ttlMs: o.stateTtlMs } : {}) });
  const log = (o.logger ?? silentLogger()).child({ component: 'permits', environment: o.environment });
  const authorizeUrl = new URL(environment.authorizeUrl);
  const loginHint = o.loginHint ?? isLoopback(authorizeUrl.hostname);
  const host = o.host ?? '127.0.0.1';

  let redirectUri = '';
  const callbackPaths = new Set<string>([PERMIT_PATHS.callback]);

  const send = (res: ServerResponse, page: PermitPage, extra: Record<string, string> = {}) => {
    const outcome = pageOutcome(page);
    res.writeHead(pageStatus(page), {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      ...(outcome ? { 'x-permit-status': outcome } : {}),
      ...extra,
    });
    res.end(renderPage(page));
  };

  const start = (q: URLSearchParams, res: ServerResponse) => {
    const key = q.get('person');
    if (key === null || key.length === 0 || key.length > 1000) {
      log.info({ step: 'permit-start' }, 'approval start without a person');
      return send(res, 'person-missing');
    }
    const person = o.pseudonymize(key);
    const target = new URL(authorizeUrl);
    target.searchParams.set('response_type', 'code');
    target.searchParams.set('client_id', clientId);
    target.searchParams.set('redirect_uri', redirectUri);
    target.searchParams.set('state', signer.sign({ person, environment: o.environment }));
    if (loginHint) target.searchParams.set('login_hint', person);
    log.info({ step: 'permit-start', person }, 'approval started: person sent to the permit page');
    res.writeHead(302, { ...SECURITY_HEADERS, location: target.toString(), 'content-type': 'text/plain; charset=utf-8' });
    res.end('Redirecting to the permit page.\n');
  };

  const callback = async (q: URLSearchParams, res: ServerResponse) => {
    const state = q.get('state');
    const check = state ? signer.verify(state) : ({ ok: false, reason: 'missing' } as const);
    if (!check.ok || check.environment !== o.environment) {
      const reason = check.ok ? 'other-environment' : check.reason;
      log.warn({ step: 'permit-callback', code: 'PERMIT_STATE_INVALID', reason }, 'callback refused: the state is missing, forged, expired or used');
      return send(res, 'state-invalid');
    }
    const person = check.person;
    const base = { person, environment: o.environment };
    const error = q.get('error');
    if (error !== null) {
      const err = OAUTH_ERROR.test(error) ? error : 'unrecognised';
      if (err === 'access_denied') {
        await o.store.recordFailure({ ...base, status: 'denied', reason: 'PERMIT_DENIED: the person cancelled the approval' });
        log.info({ step: 'permit-callback', person, code: 'PERMIT_DENIED' }, 'the person cancelled the approval');
        return send(res, 'cancelled');
      }
      await o.store.recordFailure({ ...base, status: 'denied', reason: `PERMIT_DENIED: the permit page answered error=${err}` });
      log.warn({ step: 'permit-callback', person, code: 'PERMIT_DENIED', error: err }, `the permit page answered error=${err}`);
      return send(res, 'refused');
    }
    const code = q.get('code');
    if (!code) {
      await o.store.recordFailure({ ...base, status: 'failed', reason: 'PERMIT_EXCHANGE_FAILED: the callback carried neither code nor error' });
      log.warn({ step: 'permit-callback', person, code: 'PERMIT_EXCHANGE_FAILED' }, 'the callback carried neither code nor error');
      return send(res, 'exchange-failed');
    }
    let exchanged;
    try {
      exchanged = await exchangeCode({ environment, clientSecret, subscriptionKey, code, redirectUri, now, ...(o.exchangeTimeoutMs !== undefined ? { timeoutMs: o.exchangeTimeoutMs } : {}) });
    } catch (e) {
      // exchangeCode's messages name the URL, status and OAuth2 error code only.
      const message = isTmtError(e) ? e.message : 'unexpected error during the token exchange';
      await o.store.recordFailure({ ...base, status: 'failed', reason: `PERMIT_EXCHANGE_FAILED: ${message}` });
      log.warn({ step: 'permit-callback', person, code: 'PERMIT_EXCHANGE_FAILED' }, message);
      return send(res, 'exchange-failed');
    }
    const expiresAt = new Date(now().getTime() + exchanged.expiresIn * 1000).toISOString();
    const record = await o.store.add({ ...base, token: exchanged.token, ...(exchanged.jti ? { jti: exchanged.jti } : {}), expiresAt });
    log.info({ step: 'permit-callback', person, permit: record.id, expiresAt }, 'permit received');
    return send(res, 'received');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let path: string;
    let query: URLSearchParams;
    try {
      const u = new URL(req.url ?? '/', 'http://permits.invalid');
      path = u.pathname;
      query = u.searchParams;
    } catch {
      return send(res, 'not-found');
    }
    const known = path === PERMIT_PATHS.start || path === PERMIT_PATHS.health || callbackPaths.has(path);
    if (!known) return send(res, 'not-found');
    if (req.method !== 'GET') return send(res, 'method', { allow: 'GET' });
    if (path === PERMIT_PATHS.health) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
      return res.end(JSON.stringify({ status: 'ok', environment: o.environment }) + '\n');
    }
    if (path === PERMIT_PATHS.start) return start(query, res);
    return callback(query, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const code = isTmtError(e) ? e.code : 'INTERNAL';
      log.error({ step: 'permit-callback', code }, isTmtError(e) ? e.message : `unexpected ${e instanceof Error ? e.name : 'error'} while handling a permit request`);
      if (!res.headersSent) send(res, 'internal');
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(new TmtError('PERMIT_SERVER_START_FAILED', `the permit server cannot listen on ${host}:${o.port ?? 0}: ${e.code ?? e.message}`, { hint: 'Choose another --port or --host, or stop what is using it.', cause: e }));
    };
    server.once('error', onError);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  redirectUri = o.redirectUri ?? environment.redirectUri ?? `${url}${PERMIT_PATHS.callback}`;
  try {
    callbackPaths.add(new URL(redirectUri).pathname);
  } catch {
    await closeServer(server);
    throw new TmtError('CLI_USAGE', 'the redirect URI is not a URL');
  }
  if ((host === '0.0.0.0' || host === '::') && !o.redirectUri && !environment.redirectUri) {
    log.warn({ step: 'permit-serve' }, 'listening on every interface without a configured redirect URI: set redirectUri (or --redirect-uri) to the address TMT should send persons back to');
  }

  const sweepEvery = o.sweepEveryMs ?? 10 * 60_000;
  const sweeper =
    sweepEvery > 0
      ? setInterval(() => {
          o.store.purge(now(), { keepDays: Infinity }).then(
            (r) => {
              if (r.tokensDeleted > 0) log.info({ step: 'permit-sweep', tokensDeleted: r.tokensDeleted }, 'tokens of expired or spent permits deleted');
            },
            (e: unknown) => log.error({ step: 'permit-sweep', code: isTmtError(e) ? e.code : 'INTERNAL' }, isTmtError(e) ? e.message : 'sweeping expired permits failed'),
          );
        }, sweepEvery)
      : undefined;
  sweeper?.unref();

  log.info({ step: 'permit-serve', url, redirectUri, loginHint }, 'permit server listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    redirectUri,
    close() {
      if (sweeper) clearInterval(sweeper);
      closing ??= closeServer(server);
      return closing;
    },
  };
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}
