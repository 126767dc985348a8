#!/usr/bin/env node
// A local stand-in for the example CV service API described in README.md beside this file: serves
// the fictional persons of persons.json, paginated, on http://127.0.0.1:8650/v1/persons.
//
//   node examples/cv-service-api/server.mjs [--port 8650]
//
// With CV_SERVICE_TOKEN set, requests must carry `Authorization: Bearer <that token>`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const PERSONS = new URL('./persons.json', import.meta.url);

/** Starts the service; resolves to { url, close() }. `token`: require this bearer token. */
export async function startCvService({ port = 8650, host = '127.0.0.1', token, persons } = {}) {
  const all = persons ?? JSON.parse(readFileSync(PERSONS, 'utf8'));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (url.pathname !== '/v1/persons') return send(404, { error: 'not_found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method_not_allowed' });
    if (token && req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'unauthorized' });
    const page = Number(url.searchParams.get('page') ?? '1');
    const pageSize = Number(url.searchParams.get('pageSize') ?? '5');
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return send(400, { error: 'bad_request' });
    const since = url.searchParams.get('updatedSince');
    const selected = since ? all.filter((p) => p.updatedAt >= since) : all;
    const data = selected.slice((page - 1) * pageSize, page * pageSize);
    send(200, { data, meta: { page, pageSize, totalPages: Math.ceil(selected.length / pageSize), total: selected.length } });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8650;
  const service = await startCvService({ port, token: process.env.CV_SERVICE_TOKEN || undefined });
  process.stdout.write(`example CV service on ${service.url}/v1/persons (Ctrl-C stops it)\n`);
}
