/**
 * The client of TMT's import API: one got instance per environment, the subscription key on
 * every request, the person's bearer token per PUT, timeouts, retries with backoff and jitter on
 * network errors, 429 and 5xx (honouring Retry-After and RateLimit-Reset), never on 400/401/403.
 *
 * Tokens are single-use: a retry after a connection that dropped mid-request may find the token
 * already spent. Such an outcome is reported as `unknown` (the first attempt may have been
 * applied), never as a failure that invites a blind resend.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { got, type Got, type Response } from 'got';
import type { Logger } from 'pino';
import type { EnvironmentConfig } from '../config/project-config.js';
import { DEFAULT_BACKOFF, isRetryableStatus, parseRateLimitReset, parseRetryAfter, retryDelay, type BackoffOptions } from './retry-policy.js';

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  issues?: Array<{ code?: string; pointer?: string; message?: string }>;
  [k: string]: unknown;
}

export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  resetSeconds?: number;
}

export type SendKind = 'imported' | 'rejected' | 'unauthorized' | 'rate-limited' | 'unavailable' | 'unknown' | 'unexpected';

export interface SendOutcome {
  kind: SendKind;
  /** The last HTTP status, when there was an answer. */
  status?: number;
  attempts: number;
  problem?: ProblemDetails;
  rateLimit?: RateLimitInfo;
  /** One line for people: method, URL (no credentials), status, problem title and issues. */
  message: string;
  /** True when a request may have reached TMT without an answer (the token may be spent). */
  maybeApplied: boolean;
}

export interface ImportClientOptions {
  environmentName: string;
  environment: EnvironmentConfig;
  subscriptionKey: string;
  /** Per-attempt timeout, ms. */
  timeoutMs?: number;
  /** Retries after the first attempt. */
  retries?: number;
  backoff?: Partial<BackoffOptions>;
  /** Sockets kept open to the API (match the run's concurrency). */
  maxSockets?: number;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface ImportClient {
  readonly url: string;
  putProfile(token: string, body: string): Promise<SendOutcome>;
  close(): void;
}

export function createImportClient(o: ImportClientOptions): ImportClient {
  const url = new URL('v1/profile', o.environment.baseUrl.endsWith('/') ? o.environment.baseUrl : `${o.environment.baseUrl}/`);
  const shownUrl = `${url.origin}${url.pathname}`;
  const agentOptions = { keepAlive: true, maxSockets: o.maxSockets ?? 16 };
  const agent = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  const backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
  const retries = o.retries ?? 4;
  const http: Got = got.extend({
    agent,
    headers: { 'KIPA-Subscription-Key': o.subscriptionKey, 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
    timeout: { request: o.timeoutMs ?? 30_000 },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
  });

  async function putProfile(token: string, body: string): Promise<SendOutcome> {
    let attempts = 0;
    let maybeApplied = false;
    let last: { status?: number; problem?: ProblemDetails; error?: string; rateLimit?: RateLimitInfo } = {};
    for (;;) {
      attempts++;
      let response: Response<string> | undefined;
      try {
        response = await http.put(url, { body, headers: { authorization: `Bearer ${token}` }, ...(o.signal ? { signal: o.signal } : {}) });
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'ERROR';
        // A request that was (possibly) written out and then lost its connection may have been applied.
        if (code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN') maybeApplied = true;
        last = { error: code };
        if (o.signal?.aborted) break;
        if (attempts > retries) break;
        const wait = retryDelay(attempts, undefined, backoff);
        o.logger?.debug({ step: 'send', attempt: attempts, error: code, waitMs: wait }, 'network error, retrying');
        await sleep(wait, undefined, o.signal ? { signal: o.signal } : undefined).catch(() => undefined);
        continue;
      }
      const status = response.statusCode;
      const rateLimit = readRateLimit(response);
      const problem = readProblem(response);
      last = { status, ...(problem ? { problem } : {}), ...(rateLimit ? { rateLimit } : {}) };
      if (status >= 200 && status < 300) {
        return { kind: 'imported', status, attempts, ...(rateLimit ? { rateLimit } : {}), message: `PUT ${shownUrl} → ${status}`, maybeApplied: false };
      }
      if (status === 401 || status === 403) {
        // After a lost answer, "token spent" most likely means our earlier attempt went through.
        const kind: SendKind = maybeApplied ? 'unknown' : 'unauthorized';
        return { kind, status, attempts, ...(problem ? { problem } : {}), message: describe(shownUrl, status, problem, maybeApplied ? 'an earlier attempt lost its answer; it may have been applied' : undefined), maybeApplied };
      }
      if (status === 400 || status === 413 || status === 415 || status === 422) {
        return { kind: 'rejected', status, attempts, ...(problem ? { problem } : {}), message: describe(shownUrl, status, problem), maybeApplied };
      }
      if (!isRetryableStatus(status)) {
        return { kind: 'unexpected', status, attempts, ...(problem ? { problem } : {}), message: describe(shownUrl, status, problem), maybeApplied };
      }
      if (attempts > retries || o.signal?.aborted) break;
      const serverWait = parseRetryAfter(header(response, 'retry-after')) ?? (status === 429 ? parseRateLimitReset(header(response, 'ratelimit-reset')) : undefined);
      const wait = retryDelay(attempts, serverWait, backoff);
      o.logger?.debug({ step: 'send', attempt: attempts, status, waitMs: wait }, 'retryable answer, retrying');
      await sleep(wait, undefined, o.signal ? { signal: o.signal } : undefined).catch(() => undefined);
    }
    if (last.status === 429) {
      return { kind: maybeApplied ? 'unknown' : 'rate-limited', status: 429, attempts, message: describe(shownUrl, 429, last.problem, `after ${attempts} attempts`), maybeApplied };
    }
    const what = last.status !== undefined ? `${last.status}` : `no answer (${last.error ?? 'error'})`;
    return {
      kind: maybeApplied ? 'unknown' : 'unavailable',
      ...(last.status !== undefined ? { status: last.status } : {}),
      attempts,
      ...(last.problem ? { problem: last.problem } : {}),
      message: `PUT ${shownUrl} → ${what} after ${attempts} attempt${attempts === 1 ? '' : 's'}${maybeApplied ? '; a request may have been applied' : ''}`,
      maybeApplied,
    };
  }

  return {
    url: shownUrl,
    putProfile,
    close() {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}

function header(r: Response<string>, name: string): string | undefined {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readRateLimit(r: Response<string>): RateLimitInfo | undefined {
  const num = (n: string) => {
    const v = header(r, n);
    return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
  };
  const limit = num('ratelimit-limit');
  const remaining = num('ratelimit-remaining');
  const resetSeconds = num('ratelimit-reset');
  if (limit === undefined && remaining === undefined && resetSeconds === undefined) return undefined;
  return { ...(limit !== undefined ? { limit } : {}), ...(remaining !== undefined ? { remaining } : {}), ...(resetSeconds !== undefined ? { resetSeconds } : {}) };
}

/** RFC 7807 problem details, or a plain-text body squeezed into `detail`. */
function readProblem(r: Response<string>): ProblemDetails | undefined {
  const body = r.body;
  if (!body) return undefined;
  const type = String(r.headers['content-type'] ?? '');
  if (type.includes('json')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as ProblemDetails;
    } catch {
      /* fall through to text */
    }
  }
  return { detail: body.slice(0, 500) };
}

function describe(url: string, status: number, problem: ProblemDetails | undefined, extra?: string): string {
  const parts = [`PUT ${url} → ${status}`];
  if (problem?.title) parts.push(problem.title);
  if (problem?.detail && problem.detail !== problem.title) parts.push(problem.detail);
  const issues = Array.isArray(problem?.issues) ? problem.issues : [];
  if (issues.length) parts.push(`issues: ${issues.slice(0, 10).map((i) => [i.pointer, i.code].filter(Boolean).join(' ')).join('; ')}${issues.length > 10 ? `; … ${issues.length - 10} more` : ''}`);
  if (problem?.error) parts.push(String(problem.error));
  if (extra) parts.push(extra);
  return parts.join(': ');
}
