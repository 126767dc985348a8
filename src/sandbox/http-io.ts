/**
 * Small HTTP helpers for the sandbox: the request target, bounded body reading, and answers in
 * JSON, RFC 7807 problem+json and HTML.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Headers = Record<string, string>;

export interface RequestTarget {
  /** Percent-encoded path, e.g. /_sandbox/profiles/a%20b */
  path: string;
  query: URLSearchParams;
}

/** Origin-form (`/path?query`) or absolute-form targets; undefined for anything else. */
export function parseTarget(raw: string | undefined): RequestTarget | undefined {
  if (!raw) return undefined;
  let pathAndQuery = raw;
  if (!raw.startsWith('/')) {
    if (!/^https?:\/\//i.test(raw)) return undefined;
    try {
      const u = new URL(raw);
      pathAndQuery = u.pathname + u.search;
    } catch {
      return undefined;
    }
  }
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : pathAndQuery.slice(q + 1));
  return { path, query };
}

/** The lower-case media type of the request body, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A single value of a header that must not repeat (Node joins some repeated headers with ", "). */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 413; detail: string } | { ok: false; status: 0; detail: string };

/** Past this many bytes an over-long body is no longer drained: the connection is closed. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

/**
 * Reads the body up to `limit` bytes. Over the limit it is drained (so the client can read the 413)
 * up to a bound, then the connection is cut. Status 0 means the client went away: answer nothing.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) {
    return Promise.resolve({ ok: false, status: 413, detail: `the body must not exceed ${limit} bytes` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
      resolve(r);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        if (size > DRAIN_LIMIT) finish({ ok: false, status: 413, detail: `the body must not exceed ${limit} bytes` });
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => finish(over ? { ok: false, status: 413, detail: `the body must not exceed ${limit} bytes` } : { ok: true, body: Buffer.concat(chunks) });
    const onGone = () => finish({ ok: false, status: 0, detail: 'the client went away' });
    const onClose = () => {
      if (!req.complete) onGone();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onClose);
  });
}

const BASE_HEADERS: Headers = { 'X-Content-Type-Options': 'nosniff' };

export function send(res: ServerResponse, status: number, body: string | Buffer | undefined, headers: Headers = {}): void {
  if (res.headersSent || res.destroyed) return;
  const h: Headers = { ...BASE_HEADERS, ...headers };
  if (body !== undefined) h['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(status, h);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
  send(res, status, JSON.stringify(value, null, 2) + '\n', { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
}

/** Where the sandbox's problem types are named (RFC 7807 `type`). */
export const PROBLEM_BASE = 'https://tmt-import.dev/sandbox/problems/';

export interface Problem {
  /** Last segment of the problem type URI, e.g. `invalid-profile`. */
  type: string;
  title: string;
  detail: string;
  [extension: string]: unknown;
}

export function sendProblem(res: ServerResponse, status: number, p: Problem, headers: Headers = {}): void {
  const { type, title, detail, ...ext } = p;
  send(res, status, JSON.stringify({ type: PROBLEM_BASE + type, title, status, detail, ...ext }, null, 2) + '\n', {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
}

/** Pages: no scripts, no framing, never cached. */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Headers = {}): void {
  send(res, status, html, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    ...headers,
  });
}

export function redirect(res: ServerResponse, location: string): void {
  send(res, 302, undefined, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': '0' });
}

/** Cuts the connection without an answer. */
export function dropConnection(req: IncomingMessage, res: ServerResponse): void {
  res.destroy();
  req.socket.destroy();
}

/** Parses URL-encoded form fields; undefined when a field is repeated (RFC 6749 §3.1). */
export function formFields(text: string): Map<string, string> | undefined {
  const params = new URLSearchParams(text);
  const out = new Map<string, string>();
  for (const [k, v] of params) {
    if (out.has(k)) return undefined;
    out.set(k, v);
  }
  return out;
}

/** First repeated parameter name, if any. */
export function repeatedParam(params: URLSearchParams): string | undefined {
  const seen = new Set<string>();
  for (const k of params.keys()) {
    if (seen.has(k)) return k;
    seen.add(k);
  }
  return undefined;
}
