/** Sandbox-only routes under /_sandbox/ (JSON) and the HTML index at /. Never show tokens. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderIndexPage } from './authorize-page.js';
import type { SandboxContext } from './context.js';
import { parseFaults } from './faults.js';
import { mediaType, readBody, sendHtml, sendJson, sendProblem, type RequestTarget } from './http-io.js';

const ADMIN_BODY_LIMIT = 64 * 1024;

/** A JSON body, `undefined` for an empty one; `false` when a problem was answered. */
async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown | false> {
  const read = await readBody(req, ADMIN_BODY_LIMIT);
  if (!read.ok) {
    if (read.status === 413) sendProblem(res, 413, { type: 'payload-too-large', title: 'Payload too large', detail: read.detail });
    return false;
  }
  if (read.body.length === 0) return undefined;
  if (mediaType(req) !== 'application/json') {
    sendProblem(res, 415, { type: 'unsupported-media-type', title: 'Unsupported media type', detail: 'The body must be sent as application/json.' });
    return false;
  }
  try {
    return JSON.parse(read.body.toString('utf8')) as unknown;
  } catch {
    sendProblem(res, 400, { type: 'bad-request', title: 'Bad request', detail: 'The body is not valid JSON.' });
    return false;
  }
}

export function getIndex(_req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): void {
  const clients = ctx.state.clientIds().map((id) => {
    const c = ctx.state.client(id)!;
    return { clientId: c.clientId, name: c.name, redirectUris: c.redirectUris };
  });
  sendHtml(res, 200, renderIndexPage({ url: ctx.state.issuer, clients, autoApprove: ctx.state.autoApprove, imports: ctx.state.importCount(), persons: ctx.state.personIds().length }));
}

export function getHealth(_req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): void {
  sendJson(res, 200, { status: 'ok', url: ctx.state.issuer, autoApprove: ctx.state.autoApprove, imports: ctx.state.importCount(), persons: ctx.state.personIds().length });
}

export function getImports(_req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): void {
  sendJson(res, 200, ctx.state.imports());
}

export function getProfiles(_req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): void {
  sendJson(res, 200, ctx.state.personIds());
}

export function getProfileOf(_req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext, params: string[]): void {
  let personId: string;
  try {
    personId = decodeURIComponent(params[0] ?? '');
  } catch {
    return sendProblem(res, 400, { type: 'bad-request', title: 'Bad request', detail: 'The person id is not valid percent-encoding.' });
  }
  const profile = ctx.state.profile(personId);
  if (!profile) return sendProblem(res, 404, { type: 'profile-not-found', title: 'Not found', detail: 'The sandbox holds no profile for this person.' });
  sendJson(res, 200, profile);
}

export function getFaults(_req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): void {
  sendJson(res, 200, { ...ctx.faults.current, effectiveRateLimit: ctx.limiter.current });
}

/** Sets the faults; `{}` clears them. A rate limit in the faults replaces the sandbox's own until cleared. */
export type ApplyFaults = (f: Parameters<SandboxContext['faults']['set']>[0]) => void;

export function postFaults(apply: ApplyFaults) {
  return async (req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): Promise<void> => {
    const body = await jsonBody(req, res);
    if (body === false) return;
    const parsed = parseFaults(body ?? {});
    if (!parsed.ok) return sendProblem(res, 400, { type: 'bad-request', title: 'Invalid faults', detail: parsed.problems.join('; '), problems: parsed.problems });
    apply(parsed.faults);
    ctx.logger.info({ faults: parsed.faults }, 'faults set');
    sendJson(res, 200, { ...ctx.faults.current, effectiveRateLimit: ctx.limiter.current });
  };
}

export async function postAutoApprove(req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): Promise<void> {
  const body = await jsonBody(req, res);
  if (body === false) return;
  const b = body as { enabled?: unknown } | undefined;
  if (b === null || typeof b !== 'object' || Array.isArray(b) || typeof b.enabled !== 'boolean' || Object.keys(b).length !== 1) {
    return sendProblem(res, 400, { type: 'bad-request', title: 'Bad request', detail: 'The body must be {"enabled": true} or {"enabled": false}.' });
  }
  ctx.state.autoApprove = b.enabled;
  ctx.logger.info({ autoApprove: b.enabled }, 'auto-approve set');
  sendJson(res, 200, { autoApprove: b.enabled });
}

export async function postReset(req: IncomingMessage, res: ServerResponse, _t: RequestTarget, ctx: SandboxContext): Promise<void> {
  const body = await jsonBody(req, res);
  if (body === false) return;
  ctx.state.reset();
  ctx.limiter.reset();
  ctx.logger.info('sandbox reset');
  sendJson(res, 200, { reset: true });
}
