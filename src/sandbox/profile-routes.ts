/**
 * The import API: `PUT /v1/profile` (one import per token) and `GET /v1/profile` (read back).
 *
 * Order of checks for a PUT, as a gateway in front of the profile service would apply them:
 * latency fault → subscription key (401) → rate limit (429) → bearer token (401 invalid_token) →
 * spent token (403) → dropped connection "before" / gateway 5xx faults (neither applies the import
 * nor spends the token: the gateway failed before TMT processed it) → the token is spent →
 * media type (415) → size (413) → JSON (400) → profile contract (400) → applied (204), or the
 * connection is cut after applying ("after" drop). From the spending on, the token is spent
 * whatever the outcome. Every answer after the key check carries the RateLimit-* headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { issue, toPointer, type Issue } from '../errors.js';
import type { ProfileValidator } from '../profile/validate-profile.js';
import type { AccessTokenClaims } from './jwt.js';
import { REALM, type SandboxContext } from './context.js';
import { dropConnection, mediaType, readBody, send, sendJson, sendProblem, singleHeader, type Headers, type RequestTarget } from './http-io.js';
import { sendKeyProblem, subscriptionKeyProblem } from './oauth-routes.js';
import { rateLimitHeaders } from './rate-limit.js';
import type { Scope } from './sandbox-state.js';
import type { ImportRecord } from './types.js';

/** Largest accepted body of PUT /v1/profile. */
export const MAX_PROFILE_BYTES = 1024 * 1024;

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Key and rate limit; returns the RateLimit-* headers, or undefined when already answered. */
function gateway(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext): Headers | undefined {
  const keyProblem = subscriptionKeyProblem(req, ctx);
  if (keyProblem) {
    sendKeyProblem(res, keyProblem);
    return undefined;
  }
  const decision = ctx.limiter.take(singleHeader(req, 'kipa-subscription-key') ?? '');
  const headers = rateLimitHeaders(decision);
  if (!decision.allowed) {
    sendProblem(res, 429, { type: 'rate-limited', title: 'Too many requests', detail: `The rate limit of ${decision.limit} requests per window is used up; retry after ${decision.resetSeconds} s.` }, { ...headers, 'Retry-After': String(decision.resetSeconds) });
    return undefined;
  }
  return headers;
}

/** The bearer token's claims, or undefined when a 401 was answered. */
function bearerClaims(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, scope: Scope, headers: Headers): AccessTokenClaims | undefined {
  const refuse = (reason: string) => {
    sendProblem(res, 401, { type: 'invalid-token', title: 'Invalid token', detail: reason }, { ...headers, 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${reason.replace(/["\\]/g, "'")}"` });
    return undefined;
  };
  const header = singleHeader(req, 'authorization');
  if (header === undefined || header === '') return refuse('a bearer token is required');
  const m = BEARER.exec(header);
  if (!m) return refuse('the Authorization header is not a bearer token');
  const check = ctx.state.checkToken(m[1]!, scope);
  if (!check.ok) return refuse(check.reason);
  return check.claims;
}

function topKeys(body: unknown): string[] {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
}

/** Empty lists anywhere, the validator's issues kept (it already flags most). */
function addEmptyArrayIssues(value: unknown, path: Array<string | number>, issues: Issue[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      const pointer = toPointer(path);
      if (!issues.some((i) => i.code === 'PROFILE_EMPTY_ARRAY' && i.pointer === pointer)) issues.push(issue('PROFILE_EMPTY_ARRAY', `${pointer} must not be an empty list: leave the key out instead`, { pointer }));
    }
    value.forEach((v, i) => addEmptyArrayIssues(v, [...path, i], issues));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) addEmptyArrayIssues(v, [...path, k], issues);
  }
}

/** The contract check as TMT answers it: every issue, plus "nothing to import" for `{}`. */
export function profileIssues(validator: ProfileValidator, body: unknown): Issue[] {
  const issues = validator(body);
  addEmptyArrayIssues(body, [], issues);
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) {
    issues.push(issue('PROFILE_EMPTY', 'the profile has no sections: send at least one', { pointer: '' }));
  }
  return issues;
}

function problemIssues(issues: Issue[]): Array<{ code: string; pointer: string; message: string }> {
  return issues.map((i) => ({ code: i.code, pointer: i.pointer ?? '', message: i.message }));
}

export async function putProfile(req: IncomingMessage, res: ServerResponse, _target: RequestTarget, ctx: SandboxContext): Promise<void> {
  const delay = ctx.faults.latency();
  if (delay > 0 && !(await ctx.sleep(delay))) return;
  if (req.socket.destroyed) return;
  const headers = gateway(req, res, ctx);
  if (!headers) return;
  const claims = bearerClaims(req, res, ctx, 'import', headers);
  if (!claims) return;
  const base = { clientId: claims.aud, personId: claims.sub, jti: claims.jti };
  const log = (r: Omit<ImportRecord, 'id' | 'at' | 'clientId' | 'personId' | 'jti'>) => {
    const rec = ctx.state.record({ ...base, ...r });
    ctx.logger.info({ importId: rec.id, clientId: rec.clientId, status: rec.status, sections: rec.sections, ...(rec.fault ? { fault: rec.fault } : {}) }, 'import');
  };

  if (ctx.state.isSpent(claims.jti)) {
    log({ sections: [], status: 403 });
    return sendProblem(res, 403, { type: 'token-spent', title: 'Token already used', detail: 'This token was already used for an import. Each import needs a new permit from the person.' }, headers);
  }
  const drop = ctx.faults.drop();
  if (drop === 'before') {
    log({ sections: [], status: 0, fault: 'dropped-before' });
    return dropConnection(req, res);
  }
  const gatewayStatus = drop ? undefined : ctx.faults.gatewayError();
  if (gatewayStatus) {
    log({ sections: [], status: gatewayStatus, fault: 'gateway-error' });
    const titles = { 500: 'Internal server error', 502: 'Bad gateway', 503: 'Service unavailable' } as const;
    return sendProblem(res, gatewayStatus, { type: 'gateway-error', title: titles[gatewayStatus], detail: 'The gateway failed before the profile service processed the request (sandbox fault injection). Nothing was imported; the token is still valid.' }, { ...headers, ...(gatewayStatus === 503 ? { 'Retry-After': '1' } : {}) });
  }

  ctx.state.spend(claims);
  const encoding = (singleHeader(req, 'content-encoding') ?? 'identity').trim().toLowerCase();
  if (mediaType(req) !== 'application/json' || encoding !== 'identity') {
    log({ sections: [], status: 415 });
    const detail = encoding !== 'identity' ? 'The body must not be compressed (Content-Encoding is not supported).' : 'The body must be sent as application/json.';
    return sendProblem(res, 415, { type: 'unsupported-media-type', title: 'Unsupported media type', detail: `${detail} The token is spent.` }, headers);
  }
  const read = await readBody(req, MAX_PROFILE_BYTES);
  if (!read.ok) {
    if (read.status === 413) {
      log({ sections: [], status: 413 });
      return sendProblem(res, 413, { type: 'payload-too-large', title: 'Payload too large', detail: `${read.detail}. The token is spent.` }, { ...headers, Connection: 'close' });
    }
    log({ sections: [], status: 0 });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(read.body.toString('utf8'));
  } catch {
    const problems = problemIssues([issue('PROFILE_SCHEMA', 'the body is not valid JSON', { pointer: '' })]);
    log({ sections: [], status: 400, problems });
    return sendProblem(res, 400, { type: 'invalid-profile', title: 'Invalid profile', detail: 'The body is not valid JSON. The token is spent.', issues: problems }, headers);
  }
  const sections = topKeys(body);
  const found = profileIssues(ctx.validator, body);
  if (found.length > 0) {
    const problems = problemIssues(found);
    log({ sections, status: 400, problems });
    return sendProblem(res, 400, { type: 'invalid-profile', title: 'Invalid profile', detail: `The profile has ${found.length} problem${found.length === 1 ? '' : 's'}; nothing was imported. The token is spent.`, issues: problems }, headers);
  }
  ctx.state.applyImport(claims.sub, body as Record<string, unknown>);
  if (drop === 'after') {
    log({ sections, status: 204, fault: 'dropped-after' });
    return dropConnection(req, res);
  }
  log({ sections, status: 204 });
  send(res, 204, undefined, headers);
}

export function getProfile(req: IncomingMessage, res: ServerResponse, _target: RequestTarget, ctx: SandboxContext): void {
  const headers = gateway(req, res, ctx);
  if (!headers) return;
  const claims = bearerClaims(req, res, ctx, 'read', headers);
  if (!claims) return;
  const profile = ctx.state.profile(claims.sub);
  if (!profile) return sendProblem(res, 404, { type: 'profile-not-found', title: 'Not found', detail: 'TMT holds no profile data for this person.' }, headers);
  sendJson(res, 200, profile, headers);
}
