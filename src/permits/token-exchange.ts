/**
 * Step 3 of the permit flow: exchange the authorization code at TMT's token endpoint for the
 * access token that permits one import. Form-encoded `grant_type=authorization_code`, `code`,
 * `redirect_uri`; HTTP Basic client authentication; the `KIPA-Subscription-Key` header.
 *
 * A code is single-use, so nothing is retried. Every failure is TmtError PERMIT_EXCHANGE_FAILED
 * whose message names the token URL (without credentials or query), the HTTP status and the
 * OAuth2 error code: never the code, the token, the secrets or the server's free-text description.
 */
import { got, RequestError } from 'got';
import type { EnvironmentConfig } from '../config/project-config.js';
import { TmtError } from '../errors.js';

export interface ExchangeCodeOptions {
  environment: EnvironmentConfig;
  clientSecret: string;
  subscriptionKey: string;
  code: string;
  redirectUri: string;
  /** Whole-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Clock, for expires_in fallbacks from the token's `exp` (default: the system clock). */
  now?: () => Date;
}

export interface ExchangedToken {
  /** The access token: a secret. */
  token: string;
  /** The token's `jti` claim, when it is a JWT that has one. */
  jti?: string;
  /** Seconds the token stays valid: expires_in; else the JWT's exp; else one hour. */
  expiresIn: number;
}

/** The token lifetime assumed when TMT states none (the known client's simulator issues one-hour tokens). */
export const DEFAULT_EXPIRES_IN = 3600;

/** OAuth2 error codes worth naming; anything else is reported as "other". */
const OAUTH_ERROR = /^[a-z_]{1,64}$/;

export async function exchangeCode(o: ExchangeCodeOptions): Promise<ExchangedToken> {
  const url = o.environment.tokenUrl;
  const where = safeUrl(url);
  const clientId = o.environment.clientId;
  if (!clientId) throw new TmtError('CONFIG_INVALID', 'the environment has no clientId (the OAuth2 client id KEHA gave the organisation)', { hint: 'Add clientId under the environment in the project config.' });
  const fail = (what: string, cause?: unknown) => new TmtError('PERMIT_EXCHANGE_FAILED', `token exchange at ${where} failed: ${what}`, cause === undefined ? {} : { cause });

  let status: number;
  let body: string;
  let contentType: string;
  try {
    const res = await got.post(url, {
      form: { grant_type: 'authorization_code', code: o.code, redirect_uri: o.redirectUri },
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${o.clientSecret}`, 'utf8').toString('base64')}`,
        'KIPA-Subscription-Key': o.subscriptionKey,
        accept: 'application/json',
      },
      timeout: { request: o.timeoutMs ?? 15_000 },
      retry: { limit: 0 },
      followRedirect: false,
      throwHttpErrors: false,
      responseType: 'text',
    });
    status = res.statusCode;
    body = res.body;
    contentType = String(res.headers['content-type'] ?? '');
  } catch (e) {
    const code = e instanceof RequestError ? e.code : undefined;
    throw fail(code === 'ETIMEDOUT' ? `no answer within ${o.timeoutMs ?? 15_000} ms` : `network error ${code ?? (e instanceof Error ? e.name : 'unknown')}`);
  }

  const json = parseJson(body);
  if (status < 200 || status > 299) {
    const err = typeof json?.error === 'string' && OAUTH_ERROR.test(json.error) ? json.error : undefined;
    throw fail(`HTTP ${status}${err ? ` ${err}` : ''}`);
  }
  if (!json) throw fail(`HTTP ${status} but the answer is not JSON${contentType ? ` (${contentType.split(';')[0]})` : ''}`);
  const token = json.access_token;
  if (typeof token !== 'string' || token.length === 0) throw fail(`HTTP ${status} but the answer has no access_token`);
  if (json.token_type !== undefined && String(json.token_type).toLowerCase() !== 'bearer') throw fail(`HTTP ${status} but token_type is not Bearer`);
  const claims = decodeJwtClaims(token);
  const now = (o.now ?? (() => new Date()))().getTime();
  const stated = typeof json.expires_in === 'number' ? json.expires_in : typeof json.expires_in === 'string' ? Number(json.expires_in) : NaN;
  const expiresIn =
    Number.isFinite(stated) && stated > 0
      ? Math.floor(stated)
      : claims?.exp !== undefined && claims.exp * 1000 > now
        ? Math.floor((claims.exp * 1000 - now) / 1000)
        : DEFAULT_EXPIRES_IN;
  return { token, ...(claims?.jti ? { jti: claims.jti } : {}), expiresIn };
}

/** The claims of a JWT's payload, decoded without verifying: the organisation cannot verify TMT's tokens. */
export function decodeJwtClaims(token: string): { jti?: string; exp?: number; sub?: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof c !== 'object' || c === null) return undefined;
    return {
      ...(typeof c.jti === 'string' ? { jti: c.jti } : {}),
      ...(typeof c.exp === 'number' ? { exp: c.exp } : {}),
      ...(typeof c.sub === 'string' ? { sub: c.sub } : {}),
    };
  } catch {
    return undefined;
  }
}

/** A URL for messages: scheme, host, port and path; no user info, query or fragment. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
