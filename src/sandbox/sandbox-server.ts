/**
 * The local TMT sandbox: a faithful stand-in for Job Market Finland's permit page, token endpoint
 * and profile import API on loopback, with an import log, inspectable profiles and fault injection.
 *
 * Routes: GET/POST /authorize, POST /v1/request-token, PUT/GET /v1/profile, /_sandbox/* (JSON) and
 * an index at /. Every bad request gets its specific 4xx; unknown paths 404, wrong methods 405.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TmtError, errorMessage } from '../errors.js';
import { silentLogger } from '../logging/logger.js';
import { createProfileValidator } from '../profile/validate-profile.js';
import { getFaults, getHealth, getImports, getIndex, getProfileOf, getProfiles, postAutoApprove, postFaults, postReset } from './admin-routes.js';
import { clientProblems } from './clients.js';
import type { Handler, SandboxContext } from './context.js';
import { FaultPlan, parseFaults, parseRateLimit } from './faults.js';
import { parseTarget, send, sendProblem } from './http-io.js';
import { getAuthorize, postAuthorize, postToken } from './oauth-routes.js';
import { getProfile, profileIssues, putProfile } from './profile-routes.js';
import { FixedWindowLimiter } from './rate-limit.js';
import { SandboxState } from './sandbox-state.js';
import type { Faults, RateLimitSettings, RunningSandbox, SandboxClient, SandboxOptions } from './types.js';

export type { Faults, ImportRecord, IssuedToken, RateLimitSettings, RunningSandbox, SandboxClient, SandboxOptions } from './types.js';

/** Redirect URIs registered for the default client: loopback, so any port matches (RFC 8252 §7.3). */
export const SANDBOX_DEFAULT_REDIRECT_URIS: readonly string[] = [
  'http://127.0.0.1/permits/callback',
  'http://localhost/permits/callback',
  'http://[::1]/permits/callback',
  'http://127.0.0.1/callback',
  'http://localhost/callback',
];

/** Sandbox-only credentials: fine to print, never valid anywhere else. */
export const SANDBOX_DEFAULTS: {
  readonly clientId: 'tmt-import-sandbox';
  readonly clientSecret: string;
  readonly subscriptionKey: string;
  readonly organisation: string;
  readonly port: number;
} = {
  clientId: 'tmt-import-sandbox',
  clientSecret: 'sandbox-client-secret',
  subscriptionKey: 'sandbox-subscription-key',
  organisation: 'Esimerkki Oy (tmt-import sandbox)',
  port: 8640,
};

export const SANDBOX_DEFAULT_RATE_LIMIT: RateLimitSettings = { limit: 1000, windowSeconds: 1 };

interface Route {
  /** Name for logs (never the concrete path: it may hold a person id). */
  name: string;
  match: string | RegExp;
  methods: Record<string, Handler>;
}

function fail(message: string, cause?: unknown): TmtError {
  return new TmtError('SANDBOX_START_FAILED', message, cause === undefined ? {} : { cause });
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1) throw fail(`${name} must be a whole number of at least 1`);
  return v;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? SANDBOX_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw fail('port must be a whole number from 0 to 65535');
  const clients: SandboxClient[] = options.clients ?? [
    { clientId: SANDBOX_DEFAULTS.clientId, clientSecret: SANDBOX_DEFAULTS.clientSecret, name: SANDBOX_DEFAULTS.organisation, redirectUris: [...SANDBOX_DEFAULT_REDIRECT_URIS] },
  ];
  const problems = clientProblems(clients);
  if (problems.length > 0) throw fail(`the sandbox clients are not valid: ${problems.join('; ')}`);
  const subscriptionKeys = options.subscriptionKeys ?? [SANDBOX_DEFAULTS.subscriptionKey];
  if (subscriptionKeys.length === 0 || subscriptionKeys.some((k) => typeof k !== 'string' || k === '')) throw fail('subscriptionKeys must hold at least one non-empty key');
  const baseRateLimit = options.rateLimit ?? SANDBOX_DEFAULT_RATE_LIMIT;
  const rl = parseRateLimit(baseRateLimit);
  if (typeof rl === 'string') throw fail(`rateLimit ${rl}`);
  const tokenTtlSeconds = positiveInt('tokenTtlSeconds', options.tokenTtlSeconds, 3600);
  const codeTtlSeconds = positiveInt('codeTtlSeconds', options.codeTtlSeconds, 120);
  if (options.signingSecret !== undefined && options.signingSecret.length < 16) throw fail('signingSecret must be at least 16 characters');

  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger();
  let validator;
  try {
    validator = createProfileValidator({ now: () => new Date(now()) });
  } catch (e) {
    throw fail(`the profile contract cannot be loaded: ${errorMessage(e)}`, e);
  }
  const state = new SandboxState({
    clients,
    subscriptionKeys,
    signingSecret: options.signingSecret ?? randomBytes(32).toString('base64url'),
    tokenTtlSeconds,
    codeTtlSeconds,
    autoApprove: options.autoApprove ?? false,
    now,
  });
  for (const [personId, profile] of Object.entries(options.profiles ?? {})) {
    const found = profileIssues(validator, profile);
    if (found.length > 0) throw fail(`the seeded profile of "${personId}" breaks the profile contract: ${found.map((i) => i.message).join('; ')}`);
    state.applyImport(personId, profile);
  }

  const timers = new Map<NodeJS.Timeout, (v: boolean) => void>();
  let closed = false;
  const ctx: SandboxContext = {
    state,
    faults: new FaultPlan(options.random ?? Math.random),
    limiter: new FixedWindowLimiter(rl, now),
    validator,
    logger,
    now,
    sleep(ms) {
      if (closed) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve(!closed);
        }, ms);
        timers.set(t, resolve);
      });
    },
  };

  const applyFaults = (f: Faults) => {
    ctx.faults.set(f);
    ctx.limiter.configure(f.rateLimit ?? rl);
  };

  const routes: Route[] = [
    { name: 'index', match: '/', methods: { GET: getIndex } },
    { name: 'authorize', match: '/authorize', methods: { GET: getAuthorize, POST: postAuthorize } },
    { name: 'token', match: '/v1/request-token', methods: { POST: postToken } },
    { name: 'profile', match: '/v1/profile', methods: { PUT: putProfile, GET: getProfile } },
    { name: 'sandbox-health', match: '/_sandbox/health', methods: { GET: getHealth } },
    { name: 'sandbox-imports', match: '/_sandbox/imports', methods: { GET: getImports } },
    { name: 'sandbox-profiles', match: '/_sandbox/profiles', methods: { GET: getProfiles } },
    { name: 'sandbox-profile', match: /^\/_sandbox\/profiles\/([^/]+)$/, methods: { GET: getProfileOf } },
    { name: 'sandbox-faults', match: '/_sandbox/faults', methods: { GET: getFaults, POST: postFaults(applyFaults) } },
    { name: 'sandbox-auto-approve', match: '/_sandbox/auto-approve', methods: { POST: postAutoApprove } },
    { name: 'sandbox-reset', match: '/_sandbox/reset', methods: { POST: postReset } },
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    let routeName = 'unknown';
    res.on('finish', () => logger.debug({ method: req.method, route: routeName, status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request'));
    try {
      const target = parseTarget(req.url);
      if (!target) return sendProblem(res, 400, { type: 'bad-request', title: 'Bad request', detail: 'The request target is not a path.' });
      let params: string[] = [];
      const route = routes.find((r) => {
        if (typeof r.match === 'string') return r.match === target.path;
        const m = r.match.exec(target.path);
        if (m) params = m.slice(1);
        return m !== null;
      });
      if (!route) return sendProblem(res, 404, { type: 'not-found', title: 'Not found', detail: 'No such route in the sandbox. GET / lists the routes.' });
      routeName = route.name;
      const allow = Object.keys(route.methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      allow.push('OPTIONS');
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
      if (method === 'OPTIONS') return send(res, 204, undefined, { Allow: allow.join(', ') });
      const handler = route.methods[method];
      if (!handler) return sendProblem(res, 405, { type: 'method-not-allowed', title: 'Method not allowed', detail: `Use ${allow.join(', ')}.` }, { Allow: allow.join(', ') });
      await handler(req, res, target, ctx, params);
    } catch (e) {
      logger.error({ route: routeName, err: errorMessage(e) }, 'sandbox failure');
      if (!res.headersSent) sendProblem(res, 500, { type: 'internal', title: 'Internal error', detail: 'The sandbox failed; this is a bug in tmt-import.' });
      else res.destroy();
    }
  };

  const server = createServer({ keepAlive: true, requestTimeout: 30_000, headersTimeout: 20_000 }, (req, res) => void handle(req, res));
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || socket.destroyed) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? 'the address is not available here' : errorMessage(e);
    throw fail(`the sandbox cannot listen on ${host}:${port}: ${why}`, e);
  }
  server.on('error', (e) => logger.error({ err: errorMessage(e) }, 'sandbox server error'));

  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${actualPort}`;
  state.issuer = url;
  logger.info({ url, clients: clients.map((c) => c.clientId), autoApprove: state.autoApprove }, 'sandbox listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port: actualPort,
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const [t, wake] of timers) {
          clearTimeout(t);
          wake(false);
        }
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        logger.info({ url }, 'sandbox closed');
      });
      return closing;
    },
    setFaults(f) {
      const parsed = parseFaults(f);
      if (!parsed.ok) throw new RangeError(`invalid sandbox faults: ${parsed.problems.join('; ')}`);
      applyFaults(parsed.faults);
    },
    setAutoApprove(enabled) {
      state.autoApprove = enabled;
    },
    imports: () => state.imports(),
    profile: (personId) => state.profile(personId),
    issueToken(personId, clientId = state.firstClientId(), scope = 'import') {
      if (!state.client(clientId)) throw new RangeError(`unknown sandbox client "${clientId}"`);
      return state.issueToken(personId, clientId, scope);
    },
  };
}
