/**
 * The HTTP source: reads person records page by page from a JSON API.
 *
 * - The first page's URL is `url` with `query` added; `${NAME}` / `${NAME:-default}` in url, query
 *   and header values read environment variables. Authentication: `Authorization: Bearer <token>`
 *   or a key in a named header, the secret from an environment variable the pipeline names.
 * - Pagination (`pagination.type`): `page` (a page-number parameter), `offset` (offset/limit),
 *   `cursor` (a cursor the page body gives, found by a JSONata expression), `link` (the
 *   `Link: <…>; rel="next"` header, same origin only), or `none`. A page/offset listing ends at an
 *   empty page, or at a page shorter than `size`; a cursor listing when the cursor is missing; a
 *   link listing when there is no next link. `maxPages` stops early.
 * - `records`, a JSONata expression over each page's JSON body, gives the page's persons (a list,
 *   or one object). An empty list is an empty page; nothing at all is SOURCE_RECORDS_NOT_FOUND.
 * - Pages are fetched one at a time, only when the reader wants more records (a preview with
 *   `--limit 5` fetches one page). Timeouts, network errors, 429 and 5xx are retried with
 *   exponential backoff and full jitter, honouring Retry-After; 401/403 are SOURCE_AUTH_REFUSED at
 *   once. A page that still fails, is not JSON, or has no records ends the source with one error
 *   item naming the page: the persons read before it are kept.
 * - Every item carries a `checkpoint`: where to resume after its page (`{page}`, `{offset}`,
 *   `{cursor}`, `{url}` or `{done: true}`, with `pages`, the count of pages of the listing read so
 *   far). `resumeFrom` starts there instead of at the first page.
 *
 * Messages and origins show the URL without credentials or query, and never record contents.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { got, type Got } from 'got';
import { TmtError, issue, isTmtError, type Issue } from '../errors.js';
import type { CompiledExpression, ExpressionEngine } from '../mapping/engine.js';
import { jsonataEngine } from '../mapping/jsonata-engine.js';
import type { HttpPaginationSpec, HttpSourceSpec } from '../pipeline/types.js';
import { DEFAULT_BACKOFF, isRetryableStatus, parseRetryAfter, retryDelay, type BackoffOptions } from '../target/retry-policy.js';
import { hasLiteralPassword, interpolate, showUrl, type Env } from './live-common.js';
import type { SourceItem } from './types.js';

export type HttpCheckpoint =
  | { page: number; pages: number }
  | { offset: number; pages: number }
  | { cursor: string; pages: number }
  | { url: string; pages: number }
  | { done: true; pages: number };

export interface HttpSourceOptions {
  env: Env;
  signal?: AbortSignal;
  /** A checkpoint from an item of an earlier read: start after that item's page. */
  resumeFrom?: unknown;
  engine?: ExpressionEngine;
  /** Backoff between retries (Retry-After still wins, up to maxServerWaitMs). */
  backoff?: Partial<BackoffOptions>;
}

type PaginationType = HttpPaginationSpec['type'];

/** A source spec turned into what requests need: checked, with environment variables read. */
export interface PreparedHttpSource {
  /** The first page's URL (query included). */
  url: URL;
  /** For messages and origins: no credentials, no query. */
  shown: string;
  headers: Record<string, string>;
  records: CompiledExpression;
  next?: CompiledExpression;
  pagination: { type: PaginationType; param: string; start: number; sizeParam?: string; size?: number; maxPages?: number };
  timeoutMs: number;
  retries: number;
  backoff: BackoffOptions;
}

const DEFAULT_PARAM: Record<PaginationType, string> = { none: '', page: 'page', offset: 'offset', cursor: 'cursor', link: '' };

/**
 * Checks the spec and reads its environment variables. Throws TmtError SOURCE_ENV_MISSING,
 * SOURCE_URL_INVALID, SOURCE_SECRET_IN_PIPELINE or SOURCE_EXPRESSION_SYNTAX (the pipeline loader
 * reports the same problems located in the YAML before anything runs).
 */
export function prepareHttpSource(spec: HttpSourceSpec, env: Env, engine: ExpressionEngine = jsonataEngine, backoff: Partial<BackoffOptions> = {}): PreparedHttpSource {
  const missing: string[] = [];
  const take = (template: string) => {
    const r = interpolate(template, env);
    missing.push(...r.missing);
    return r.value;
  };
  if (hasLiteralPassword(spec.url)) throw new TmtError('SOURCE_SECRET_IN_PIPELINE', 'source.url holds a password: put credentials in auth (tokenEnv / valueEnv), or the whole URL in an environment variable', { pointer: '/source/url' });
  const urlText = take(spec.url);
  const query = Object.entries(spec.query ?? {}).map(([k, v]) => [k, typeof v === 'string' ? take(v) : String(v)] as const);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tmt-import' };
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = take(v);
  const secret = (name: string | undefined) => {
    const v = name ? env[name] : undefined;
    if (v === undefined || v === '') {
      missing.push(name ?? '(unnamed)');
      return '';
    }
    return v;
  };
  if (spec.auth?.type === 'bearer') headers.authorization = `Bearer ${secret(spec.auth.tokenEnv)}`;
  else if (spec.auth?.type === 'api-key') headers[(spec.auth.header ?? 'x-api-key').toLowerCase()] = secret(spec.auth.valueEnv);
  if (missing.length > 0) {
    const names = [...new Set(missing)];
    throw new TmtError('SOURCE_ENV_MISSING', `the http source needs the environment variable${names.length === 1 ? '' : 's'} ${names.join(', ')}, which ${names.length === 1 ? 'is' : 'are'} not set`, { pointer: '/source' });
  }
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new TmtError('SOURCE_URL_INVALID', 'source.url is not a URL (after reading its environment variables)', { pointer: '/source/url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TmtError('SOURCE_URL_INVALID', `source.url must be http or https, not ${url.protocol.replace(/:$/, '')}`, { pointer: '/source/url' });
  if (url.username || url.password) throw new TmtError('SOURCE_SECRET_IN_PIPELINE', 'source.url carries user credentials: use auth (tokenEnv / valueEnv) instead', { pointer: '/source/url' });
  for (const [k, v] of query) url.searchParams.set(k, v);

  const p = spec.pagination ?? { type: 'none' as const };
  const compile = (text: string, pointer: string) => {
    try {
      return engine.compile(text, { file: 'source' });
    } catch (e) {
      throw new TmtError('SOURCE_EXPRESSION_SYNTAX', `${pointer.slice(1).replace(/\//g, '.')} is not valid JSONata: ${isTmtError(e) ? e.message : 'syntax error'}`, { pointer });
    }
  };
  const records = compile(spec.records, '/source/records');
  let next: CompiledExpression | undefined;
  if (p.type === 'cursor') {
    if (!p.next) throw new TmtError('SOURCE_PAGINATION_INVALID', 'pagination type cursor needs pagination.next: a JSONata expression giving the next cursor from the page body', { pointer: '/source/pagination' });
    next = compile(p.next, '/source/pagination/next');
  }
  return {
    url,
    shown: showUrl(url),
    headers,
    records,
    ...(next ? { next } : {}),
    pagination: {
      type: p.type,
      param: p.param ?? DEFAULT_PARAM[p.type],
      start: p.start ?? 1,
      ...(p.sizeParam !== undefined || (p.type === 'offset' && p.size !== undefined) ? { sizeParam: p.sizeParam ?? 'limit' } : {}),
      ...(p.size !== undefined ? { size: p.size } : {}),
      ...(p.maxPages !== undefined ? { maxPages: p.maxPages } : {}),
    },
    timeoutMs: spec.timeoutMs ?? 30_000,
    retries: spec.retries ?? 4,
    backoff: { ...DEFAULT_BACKOFF, ...(spec.backoffMs !== undefined ? { baseMs: spec.backoffMs } : {}), ...backoff },
  };
}

/** Where the next request goes. */
interface Position {
  page?: number;
  offset?: number;
  cursor?: string;
  url?: string;
  done?: boolean;
  /** Pages of the listing read before this position. */
  pages: number;
}

function startPosition(p: PreparedHttpSource['pagination'], resumeFrom: unknown): Position {
  if (resumeFrom === undefined || resumeFrom === null) {
    if (p.type === 'page') return { page: p.start, pages: 0 };
    if (p.type === 'offset') return { offset: 0, pages: 0 };
    return { pages: 0 };
  }
  const r = resumeFrom as Record<string, unknown>;
  const pages = typeof r.pages === 'number' && Number.isInteger(r.pages) && r.pages >= 0 ? r.pages : undefined;
  const bad = () => new TmtError('SOURCE_PAGINATION_INVALID', `the checkpoint to resume from does not fit pagination type ${p.type}`, { pointer: '/source/pagination' });
  if (typeof r !== 'object' || pages === undefined) throw bad();
  if (r.done === true) return { done: true, pages };
  if (p.type === 'page' && typeof r.page === 'number' && Number.isInteger(r.page)) return { page: r.page, pages };
  if (p.type === 'offset' && typeof r.offset === 'number' && Number.isInteger(r.offset) && r.offset >= 0) return { offset: r.offset, pages };
  if (p.type === 'cursor' && typeof r.cursor === 'string') return { cursor: r.cursor, pages };
  if (p.type === 'link' && typeof r.url === 'string') return { url: r.url, pages };
  throw bad();
}

function checkpointOf(pos: Position): HttpCheckpoint {
  if (pos.done) return { done: true, pages: pos.pages };
  if (pos.page !== undefined) return { page: pos.page, pages: pos.pages };
  if (pos.offset !== undefined) return { offset: pos.offset, pages: pos.pages };
  if (pos.cursor !== undefined) return { cursor: pos.cursor, pages: pos.pages };
  if (pos.url !== undefined) return { url: pos.url, pages: pos.pages };
  return { done: true, pages: pos.pages };
}

/** The URL of the page at `pos`. */
export function pageUrl(prep: PreparedHttpSource, pos: Pick<Position, 'page' | 'offset' | 'cursor' | 'url'>, sizeOverride?: number): URL {
  const p = prep.pagination;
  if (pos.url !== undefined) return new URL(pos.url);
  const u = new URL(prep.url);
  if (p.type === 'page' && pos.page !== undefined) u.searchParams.set(p.param, String(pos.page));
  if (p.type === 'offset' && pos.offset !== undefined) u.searchParams.set(p.param, String(pos.offset));
  if (p.type === 'cursor' && pos.cursor !== undefined) u.searchParams.set(p.param, pos.cursor);
  const size = sizeOverride ?? p.size;
  if (p.sizeParam !== undefined && size !== undefined) u.searchParams.set(p.sizeParam, String(size));
  return u;
}

/** One got instance per read: keep-alive sockets, no automatic retries or redirects. */
export function createHttp(prep: PreparedHttpSource): { http: Got; close(): void } {
  const agentOptions = { keepAlive: true, maxSockets: 2 };
  const agent = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  const http = got.extend({
    agent,
    headers: prep.headers,
    timeout: { request: prep.timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
  });
  return {
    http,
    close() {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}

type Fetched = { ok: true; body: string; headers: Record<string, string | string[] | undefined> } | { ok: false; issue: Issue } | { aborted: true };

/** GET one page with retries; never throws. */
async function fetchPage(http: Got, url: URL, prep: PreparedHttpSource, label: string, signal: AbortSignal | undefined): Promise<Fetched> {
  let lastError: string | undefined;
  let lastStatus: number | undefined;
  let attempts = 0;
  const wait = async (ms: number) => {
    await sleep(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);
  };
  for (;;) {
    attempts++;
    let res;
    try {
      res = await http.get(url, signal ? { signal } : {});
    } catch (e) {
      if (signal?.aborted) return { aborted: true };
      lastError = (e as { code?: string }).code ?? (e instanceof Error ? e.name : 'ERROR');
      lastStatus = undefined;
      if (lastError === 'ENOTFOUND' || attempts > prep.retries) break;
      await wait(retryDelay(attempts, undefined, prep.backoff));
      if (signal?.aborted) return { aborted: true };
      continue;
    }
    const status = res.statusCode;
    if (status >= 200 && status < 300) return { ok: true, body: res.body, headers: res.headers };
    if (status === 401 || status === 403) {
      return { ok: false, issue: issue('SOURCE_AUTH_REFUSED', `GET ${label}: HTTP ${status}: the service refused the credentials; check the token or key in the environment variable source.auth names`) };
    }
    lastStatus = status;
    lastError = undefined;
    if (!isRetryableStatus(status) || attempts > prep.retries) break;
    const header = res.headers['retry-after'];
    await wait(retryDelay(attempts, parseRetryAfter(Array.isArray(header) ? header[0] : header), prep.backoff));
    if (signal?.aborted) return { aborted: true };
  }
  const after = `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (lastStatus !== undefined) {
    const what = lastStatus >= 300 && lastStatus < 400 ? `HTTP ${lastStatus} (a redirect: use the address it points to in source.url)` : `HTTP ${lastStatus}`;
    return { ok: false, issue: issue('SOURCE_HTTP_ERROR', `GET ${label}: ${what} ${after}`) };
  }
  const reason = lastError === 'ETIMEDOUT' ? `no answer within ${prep.timeoutMs} ms` : lastError === 'ENOTFOUND' ? 'the host name is not known' : `network error ${lastError ?? 'unknown'}`;
  return { ok: false, issue: issue('SOURCE_UNREACHABLE', `GET ${label}: ${reason} ${after}`) };
}

/** The `rel="next"` target of a Link header, resolved against the page's URL. */
export function nextLink(header: string | string[] | undefined, base: URL): string | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return undefined;
  for (const m of text.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) {
      try {
        return new URL(m[1]!, base).href;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Reads every record of an HTTP source, page by page. */
export async function* readHttpSource(spec: HttpSourceSpec, o: HttpSourceOptions): AsyncGenerator<SourceItem, void, undefined> {
  let prep: PreparedHttpSource;
  let pos: Position;
  try {
    prep = prepareHttpSource(spec, o.env, o.engine, o.backoff);
    pos = startPosition(prep.pagination, o.resumeFrom);
  } catch (e) {
    yield { origin: 'source', error: isTmtError(e) ? (e.issues[0] ?? issue(e.code, e.message)) : issue('INTERNAL', 'the http source could not start') };
    return;
  }
  if (pos.done) return;
  const p = prep.pagination;
  const { http, close } = createHttp(prep);
  let pagesThisRead = 0;
  try {
    for (;;) {
      if (o.signal?.aborted) return;
      if (p.maxPages !== undefined && pagesThisRead >= p.maxPages) return;
      const url = pageUrl(prep, pos);
      const label = `${prep.shown} page ${pos.pages + 1}`;
      const fetched = await fetchPage(http, url, prep, label, o.signal);
      if ('aborted' in fetched) return;
      if (!fetched.ok) {
        yield { origin: label, error: fetched.issue, checkpoint: checkpointOf(pos) };
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(fetched.body);
      } catch (e) {
        const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
        yield { origin: label, error: issue('SOURCE_PAGE_INVALID', `GET ${label}: the answer is not JSON${at !== undefined ? ` (at character ${at})` : fetched.body.trim() === '' ? ' (it is empty)' : ''}`), checkpoint: checkpointOf(pos) };
        return;
      }
      let selected: unknown;
      try {
        selected = await prep.records.evaluate(body);
      } catch (e) {
        yield { origin: label, error: issue('SOURCE_RECORDS_NOT_FOUND', `GET ${label}: source.records failed on the page (${isTmtError(e) ? e.code : 'error'})`), checkpoint: checkpointOf(pos) };
        return;
      }
      if (selected === undefined || selected === null) {
        yield { origin: label, error: issue('SOURCE_RECORDS_NOT_FOUND', `GET ${label}: source.records found nothing on the page; check the expression against the page shape`), checkpoint: checkpointOf(pos) };
        return;
      }
      const list = Array.isArray(selected) ? selected : [selected];

      // Where the next page is; a problem there is reported after this page's records.
      let next: Position;
      let problem: Issue | undefined;
      const pages = pos.pages + 1;
      const short = p.size !== undefined && list.length < p.size;
      switch (p.type) {
        case 'page':
          next = list.length === 0 || short ? { done: true, pages } : { page: (pos.page ?? p.start) + 1, pages };
          break;
        case 'offset':
          next = list.length === 0 || short ? { done: true, pages } : { offset: (pos.offset ?? 0) + list.length, pages };
          break;
        case 'cursor': {
          let c: unknown;
          try {
            c = await prep.next!.evaluate(body);
          } catch (e) {
            problem = issue('SOURCE_PAGINATION_INVALID', `GET ${label}: pagination.next failed on the page (${isTmtError(e) ? e.code : 'error'})`);
          }
          if (problem) next = pos;
          else if (c === undefined || c === null || c === '') next = { done: true, pages };
          else if (typeof c !== 'string' && typeof c !== 'number') {
            problem = issue('SOURCE_PAGINATION_INVALID', `GET ${label}: pagination.next gave ${Array.isArray(c) ? 'a list' : `a ${typeof c}`}, not a cursor string`);
            next = pos;
          } else if (String(c) === pos.cursor) {
            problem = issue('SOURCE_PAGINATION_INVALID', `GET ${label}: the next cursor is the cursor of this page; the listing would never end`);
            next = pos;
          } else next = { cursor: String(c), pages };
          break;
        }
        case 'link': {
          const target = nextLink(fetched.headers.link, url);
          if (target === undefined) next = { done: true, pages };
          else if (new URL(target).origin !== url.origin) {
            problem = issue('SOURCE_PAGINATION_INVALID', `GET ${label}: the next link points to another host (${showUrl(target)}); credentials are sent only to ${url.origin}`);
            next = pos;
          } else if (target === url.href) {
            problem = issue('SOURCE_PAGINATION_INVALID', `GET ${label}: the next link points back to this page; the listing would never end`);
            next = pos;
          } else next = { url: target, pages };
          break;
        }
        default:
          next = { done: true, pages };
      }
      const checkpoint = checkpointOf(next);
      for (let i = 0; i < list.length; i++) {
        const record: unknown = list[i];
        const origin = `${label}#${i}`;
        if (record !== null && typeof record === 'object' && !Array.isArray(record)) yield { origin, record, checkpoint };
        else yield { origin, error: issue('SOURCE_RECORD_NOT_OBJECT', `record ${i} of ${label} is ${Array.isArray(record) ? 'a list' : record === null ? 'null' : `a ${typeof record}`}, not an object`), checkpoint };
        if (o.signal?.aborted) return;
      }
      if (problem) {
        yield { origin: label, error: problem, checkpoint };
        return;
      }
      pagesThisRead++;
      pos = next;
      if (pos.done) return;
    }
  } finally {
    close();
  }
}

/** For --check-connections: one request for the first page (HEAD, or GET with the body dropped), no records read. */
export async function checkHttpSource(spec: HttpSourceSpec, env: Env): Promise<{ ok: true; message: string } | { ok: false; issue: Issue }> {
  let prep: PreparedHttpSource;
  try {
    prep = prepareHttpSource(spec, env);
  } catch (e) {
    return { ok: false, issue: isTmtError(e) ? (e.issues[0] ?? issue(e.code, e.message)) : issue('INTERNAL', 'the http source could not be checked') };
  }
  const url = pageUrl(prep, startPosition(prep.pagination, undefined), 1);
  const { http, close } = createHttp(prep);
  try {
    const status = async (method: 'HEAD' | 'GET'): Promise<number> =>
      await new Promise<number>((resolve, reject) => {
        const stream = http.stream(url, { method });
        stream.once('response', (res: { statusCode: number }) => {
          resolve(res.statusCode);
          stream.destroy();
        });
        stream.once('error', reject);
        stream.resume();
      });
    let code: number;
    let method: 'HEAD' | 'GET' = 'HEAD';
    try {
      code = await status('HEAD');
      if (code === 405 || code === 501) {
        method = 'GET';
        code = await status('GET');
      }
    } catch (e) {
      const c = (e as { code?: string }).code ?? 'ERROR';
      const reason = c === 'ETIMEDOUT' ? `no answer within ${prep.timeoutMs} ms` : c === 'ENOTFOUND' ? 'the host name is not known' : `network error ${c}`;
      return { ok: false, issue: issue('SOURCE_UNREACHABLE', `${method} ${prep.shown}: ${reason}`) };
    }
    if (code >= 200 && code < 300) return { ok: true, message: `${method} ${prep.shown} → ${code}` };
    if (code === 401 || code === 403) return { ok: false, issue: issue('SOURCE_AUTH_REFUSED', `${method} ${prep.shown}: HTTP ${code}: the service refused the credentials`) };
    return { ok: false, issue: issue('SOURCE_HTTP_ERROR', `${method} ${prep.shown}: HTTP ${code}`) };
  } finally {
    close();
  }
}
