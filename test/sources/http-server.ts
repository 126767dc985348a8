/** A real paginated JSON API on 127.0.0.1 for the HTTP source tests, with scripted faults. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Person {
  id: number;
  email: string;
  name: string;
}

export function persons(n: number): Person[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, email: `person${i + 1}@example.org`, name: `Testi Henkilö ${i + 1}` }));
}

export interface Fault {
  /** Answer this status (with optional headers and body) instead of the page. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Apply to this many requests of the page, then serve normally (default: every request). */
  times?: number;
}

export interface ApiServer {
  url: string;
  /** Every request: method, path with query, headers. */
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; at: number }>;
  /** Faults by page key: the page number (page), the offset (offset), the cursor (cursor), or the link page. */
  faults: Map<string, Fault>;
  close(): Promise<void>;
}

export interface ApiOptions {
  data: Person[];
  /** How the API paginates. */
  style: 'page' | 'offset' | 'cursor' | 'link';
  pageSize?: number;
  /** Required `Authorization` header value, or `x-api-key` header value. */
  bearer?: string;
  apiKey?: string;
  /** For link pagination: the origin next links point to (default this server). */
  linkOrigin?: string;
}

/** Serves `data` at /persons, wrapped as { items: [...], next?: cursor }. */
export async function startApi(o: ApiOptions): Promise<ApiServer> {
  const size = o.pageSize ?? 5;
  const requests: ApiServer['requests'] = [];
  const faults = new Map<string, Fault>();
  const sockets = new Set<import('node:net').Socket>();
  let origin = '';
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, at: Date.now() });
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/persons') return send(res, 404, '{"error":"not found"}');
    if (o.bearer !== undefined && req.headers.authorization !== `Bearer ${o.bearer}`) return send(res, 401, '{"error":"unauthorized"}');
    if (o.apiKey !== undefined && req.headers['x-api-key'] !== o.apiKey) return send(res, 403, '{"error":"forbidden"}');
    let start = 0;
    let key = '';
    let limit = size;
    if (o.style === 'page') {
      const page = Number(u.searchParams.get('page') ?? '1');
      limit = Number(u.searchParams.get('size') ?? size);
      start = (page - 1) * limit;
      key = String(page);
    } else if (o.style === 'offset') {
      start = Number(u.searchParams.get('offset') ?? '0');
      limit = Number(u.searchParams.get('limit') ?? size);
      key = String(start);
    } else if (o.style === 'cursor') {
      const c = u.searchParams.get('cursor');
      start = c ? Number(Buffer.from(c, 'base64url').toString('utf8').replace('after-', '')) : 0;
      key = c ?? 'first';
    } else {
      start = Number(u.searchParams.get('from') ?? '0');
      key = String(start);
    }
    const fault = faults.get(key);
    if (fault) {
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) faults.delete(key);
      }
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status !== undefined || fault.body !== undefined) return send(res, fault.status ?? 200, fault.body ?? '{}', fault.headers);
    }
    const items = o.data.slice(start, start + limit);
    const end = start + items.length;
    const body: Record<string, unknown> = { items };
    const headers: Record<string, string> = {};
    if (o.style === 'cursor' && end < o.data.length) body.next = Buffer.from(`after-${end}`).toString('base64url');
    if (o.style === 'link' && end < o.data.length) headers.link = `<${o.linkOrigin ?? origin}/persons?from=${end}>; rel="next", <${origin}/persons?from=0>; rel="first"`;
    if (req.method === 'HEAD') return send(res, 200, '', headers);
    send(res, 200, JSON.stringify(body), headers);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, '{}'));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    faults,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}
