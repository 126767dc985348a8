/**
 * `tmt-import validate --check-connections`: tries to reach what a pipeline talks to, without
 * reading personal data.
 * - http source: one HEAD request for the first page (GET with the body dropped when HEAD is not
 *   allowed), with the pipeline's auth;
 * - postgres source: connect, `SELECT 1`, then `EXPLAIN` of the query with its parameters (planned,
 *   never run), in a read-only transaction;
 * - the target environment's token endpoint: a token request with the organisation's client
 *   credentials and a code that cannot exist. `invalid_grant` means the endpoint is there and
 *   the client credentials were accepted; `invalid_client` or 401/403 means they were refused.
 */
import { got } from 'got';
import type { EnvironmentConfig } from '../config/project-config.js';
import { issue, isTmtError, type Issue } from '../errors.js';
import type { SourceSpec } from '../pipeline/types.js';
import { checkHttpSource } from './http-source.js';
import { showUrl, type Env } from './live-common.js';
import { checkPostgresSource } from './postgres-source.js';
import { requireSecret } from '../config/secrets.js';

export interface ConnectionCheck {
  /** What was checked: `source` or `token endpoint`. */
  what: 'source' | 'token endpoint';
  ok: boolean;
  /** One line: what was tried and the answer (no credentials, no data). */
  message: string;
  /** Set when the check failed. */
  issue?: Issue;
}

export interface CheckConnectionsOptions {
  source: SourceSpec;
  /** The pipeline file's folder. */
  baseDir: string;
  env: Env;
  environmentName?: string;
  environment?: EnvironmentConfig;
  /** Per-request time limit for the token endpoint (default 10 s). */
  timeoutMs?: number;
}

export async function checkConnections(o: CheckConnectionsOptions): Promise<ConnectionCheck[]> {
  const out: ConnectionCheck[] = [];
  const source = o.source;
  if (source.type === 'http' || source.type === 'postgres') {
    const r = source.type === 'http' ? await checkHttpSource(source, o.env) : await checkPostgresSource(source, o.env, o.baseDir);
    out.push(r.ok ? { what: 'source', ok: true, message: r.message } : { what: 'source', ok: false, message: r.issue.message, issue: r.issue });
  } else {
    out.push({ what: 'source', ok: true, message: 'file source: nothing to connect to' });
  }
  if (o.environment) out.push(await checkTokenEndpoint(o.environmentName ?? 'target', o.environment, o.env, o.timeoutMs ?? 10_000));
  return out;
}

async function checkTokenEndpoint(name: string, environment: EnvironmentConfig, env: Env, timeoutMs: number): Promise<ConnectionCheck> {
  const where = showUrl(environment.tokenUrl);
  const fail = (i: Issue): ConnectionCheck => ({ what: 'token endpoint', ok: false, message: i.message, issue: i });
  let clientSecret: string;
  let subscriptionKey: string;
  try {
    clientSecret = requireSecret(env, environment.clientSecretEnv, `the ${name} client secret`);
    subscriptionKey = requireSecret(env, environment.subscriptionKeyEnv, `the ${name} subscription key`);
  } catch (e) {
    if (isTmtError(e)) return fail(e.issues[0] ?? issue(e.code, e.message));
    throw e;
  }
  if (!environment.clientId) return fail(issue('CONFIG_INVALID', `environment "${name}" has no clientId, so its token endpoint cannot be tried`));
  let status: number;
  let error: string | undefined;
  try {
    const res = await got.post(environment.tokenUrl, {
      form: { grant_type: 'authorization_code', code: 'tmt-import-connection-check', redirect_uri: environment.redirectUri ?? 'http://127.0.0.1/permits/callback' },
      headers: {
        authorization: `Basic ${Buffer.from(`${environment.clientId}:${clientSecret}`, 'utf8').toString('base64')}`,
        'KIPA-Subscription-Key': subscriptionKey,
        accept: 'application/json',
      },
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      followRedirect: false,
      throwHttpErrors: false,
      responseType: 'text',
    });
    status = res.statusCode;
    try {
      const body = JSON.parse(res.body) as { error?: unknown };
      if (typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error)) error = body.error;
    } catch {
      error = undefined;
    }
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'ERROR';
    return fail(issue('TARGET_UNAVAILABLE', `POST ${where}: ${code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : `network error ${code}`}`));
  }
  const answer = `POST ${where} → ${status}${error ? ` ${error}` : ''}`;
  if (status === 401 || status === 403 || error === 'invalid_client' || error === 'unauthorized_client') {
    return fail(issue('TARGET_UNAUTHORIZED', `${answer}: the client id, client secret or subscription key of environment "${name}" was refused`));
  }
  if (status === 400 && (error === 'invalid_grant' || error === 'invalid_request')) return { what: 'token endpoint', ok: true, message: `${answer} (reachable; the client credentials were accepted)` };
  if (status >= 500) return fail(issue('TARGET_UNAVAILABLE', answer));
  return fail(issue('TARGET_UNEXPECTED', `${answer}: not the answer a token endpoint gives to an unknown code`));
}
