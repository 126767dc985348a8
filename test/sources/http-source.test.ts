import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpSourceSpec } from '../../src/pipeline/types.js';
import { nextLink, readHttpSource, type HttpSourceOptions } from '../../src/sources/http-source.js';
import { openSource } from '../../src/sources/open-source.js';
import type { SourceItem } from '../../src/sources/types.js';
import { persons, startApi, type ApiOptions, type ApiServer } from './http-server.js';
import { freePort } from '../helpers.js';

const FAST = { baseMs: 5, maxMs: 20, maxServerWaitMs: 5000 };

function spec(api: ApiServer, over: Partial<HttpSourceSpec> = {}): HttpSourceSpec {
  return { type: 'http', url: `${api.url}/persons`, key: 'email', records: 'items', ...over };
}

async function collect(s: HttpSourceSpec, o: Partial<HttpSourceOptions> = {}): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of readHttpSource(s, { env: {}, backoff: FAST, ...o })) out.push(item);
  return out;
}

async function withApi(o: ApiOptions, fn: (api: ApiServer) => Promise<void>): Promise<void> {
  const api = await startApi(o);
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

const ids = (items: SourceItem[]) => items.filter((i) => i.record).map((i) => (i.record as { id: number }).id);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('page-number pagination: every record read exactly once, in order, with its page in the origin and a checkpoint after its page', async () => {
  await withApi({ data: persons(23), style: 'page', pageSize: 5 }, async (api) => {
    const items = await collect(spec(api, { pagination: { type: 'page', param: 'page', sizeParam: 'size', size: 5 } }));
    assert.deepEqual(ids(items), range(23));
    assert.equal(items.filter((i) => i.error).length, 0);
    assert.equal(api.requests.length, 5, 'the short fifth page ends the listing');
    assert.match(items[0]!.origin, /^http:\/\/127\.0\.0\.1:\d+\/persons page 1#0$/);
    assert.match(items[22]!.origin, /page 5#2$/);
    assert.deepEqual(items[0]!.checkpoint, { page: 2, pages: 1 });
    assert.deepEqual(items[7]!.checkpoint, { page: 3, pages: 2 });
    assert.deepEqual(items[22]!.checkpoint, { done: true, pages: 5 });
  });
});

test('without a page size the listing ends at the first empty page', async () => {
  await withApi({ data: persons(10), style: 'page', pageSize: 5 }, async (api) => {
    const items = await collect(spec(api, { pagination: { type: 'page' } }));
    assert.deepEqual(ids(items), range(10));
    assert.equal(api.requests.length, 3);
  });
});

test('offset/limit, cursor and Link rel=next pagination each read every record exactly once', async () => {
  await withApi({ data: persons(17), style: 'offset', pageSize: 4 }, async (api) => {
    const items = await collect(spec(api, { pagination: { type: 'offset', size: 4 } }));
    assert.deepEqual(ids(items), range(17));
    assert.deepEqual(items[4]!.checkpoint, { offset: 8, pages: 2 });
    assert.ok(api.requests.every((r) => /limit=4/.test(r.url)));
  });
  await withApi({ data: persons(17), style: 'cursor', pageSize: 4 }, async (api) => {
    const items = await collect(spec(api, { pagination: { type: 'cursor', next: 'next' } }));
    assert.deepEqual(ids(items), range(17));
    assert.equal(api.requests.length, 5);
    assert.equal(typeof (items[0]!.checkpoint as { cursor: string }).cursor, 'string');
    assert.deepEqual(items[16]!.checkpoint, { done: true, pages: 5 });
  });
  await withApi({ data: persons(17), style: 'link', pageSize: 4 }, async (api) => {
    const items = await collect(spec(api, { pagination: { type: 'link' } }));
    assert.deepEqual(ids(items), range(17));
    assert.match((items[0]!.checkpoint as { url: string }).url, /\/persons\?from=4$/);
  });
});

test('a resumed read continues after the page of the checkpoint and reads the rest exactly once', async () => {
  await withApi({ data: persons(23), style: 'cursor', pageSize: 5 }, async (api) => {
    const s = spec(api, { pagination: { type: 'cursor', next: 'next' } });
    const first: SourceItem[] = [];
    for await (const item of readHttpSource(s, { env: {}, backoff: FAST })) {
      first.push(item);
      if (first.length === 10) break; // the run stops after two complete pages
    }
    const resumed = await collect(s, { resumeFrom: JSON.parse(JSON.stringify(first[9]!.checkpoint)) });
    assert.deepEqual([...ids(first), ...ids(resumed)], range(23));
    assert.match(resumed[0]!.origin, /page 3#0$/, 'page numbers go on from the checkpoint');
  });
  await withApi({ data: persons(12), style: 'page', pageSize: 5 }, async (api) => {
    const s = spec(api, { pagination: { type: 'page', sizeParam: 'size', size: 5 } });
    const rest = await collect(s, { resumeFrom: { page: 2, pages: 1 } });
    assert.deepEqual(ids(rest), range(12).slice(5));
    assert.deepEqual(await collect(s, { resumeFrom: { done: true, pages: 3 } }), []);
    const bad = await collect(s, { resumeFrom: { cursor: 'x', pages: 1 } });
    assert.equal(bad[0]?.error?.code, 'SOURCE_PAGINATION_INVALID');
  });
});

test('slow pages within the timeout are read; a page slower than the timeout is retried', async () => {
  await withApi({ data: persons(12), style: 'page', pageSize: 5 }, async (api) => {
    api.faults.set('1', { delayMs: 150 });
    api.faults.set('2', { delayMs: 700, times: 1 });
    const items = await collect(spec(api, { timeoutMs: 400, pagination: { type: 'page', sizeParam: 'size', size: 5 } }));
    assert.deepEqual(ids(items), range(12));
    assert.equal(api.requests.filter((r) => /page=2/.test(r.url)).length, 2, 'page 2 timed out once and was fetched again');
  });
});

test('429 with Retry-After is honoured, and a 500 in the middle is retried: nothing lost, nothing twice', async () => {
  await withApi({ data: persons(15), style: 'page', pageSize: 5 }, async (api) => {
    api.faults.set('2', { status: 429, headers: { 'retry-after': '1' }, times: 1 });
    api.faults.set('3', { status: 500, body: '{"error":"boom"}', times: 2 });
    const items = await collect(spec(api, { pagination: { type: 'page', sizeParam: 'size', size: 5 } }));
    assert.deepEqual(ids(items), range(15));
    const page2 = api.requests.filter((r) => /page=2/.test(r.url));
    assert.equal(page2.length, 2);
    assert.ok(page2[1]!.at - page2[0]!.at >= 950, `waited ${page2[1]!.at - page2[0]!.at} ms for Retry-After: 1`);
    assert.equal(api.requests.filter((r) => /page=3/.test(r.url)).length, 3);
  });
});

test('a page that keeps failing ends the source with one error item naming the page; earlier persons are kept', async () => {
  await withApi({ data: persons(20), style: 'page', pageSize: 5 }, async (api) => {
    api.faults.set('3', { status: 503 });
    const items = await collect(spec(api, { retries: 2, pagination: { type: 'page', sizeParam: 'size', size: 5 } }));
    assert.deepEqual(ids(items), range(10));
    const last = items.at(-1)!;
    assert.equal(last.error?.code, 'SOURCE_HTTP_ERROR');
    assert.match(last.error!.message, /page 3: HTTP 503 after 3 attempts/);
    assert.match(last.origin, /page 3$/);
    assert.deepEqual(last.checkpoint, { page: 3, pages: 2 }, 'resuming starts again at the failed page');
    assert.equal(api.requests.filter((r) => /page=3/.test(r.url)).length, 3);
  });
});

test('a malformed page is reported with its page number; a selector that finds nothing is coded', async () => {
  await withApi({ data: persons(12), style: 'page', pageSize: 5 }, async (api) => {
    api.faults.set('2', { status: 200, body: '{"items": [{"id": 6, "email": "broken@exa' });
    const items = await collect(spec(api, { pagination: { type: 'page', sizeParam: 'size', size: 5 } }));
    assert.deepEqual(ids(items), range(5));
    const err = items.at(-1)!.error!;
    assert.equal(err.code, 'SOURCE_PAGE_INVALID');
    assert.match(err.message, /\/persons page 2: the answer is not JSON/);
    assert.doesNotMatch(err.message, /broken|example/);
  });
  await withApi({ data: persons(3), style: 'page', pageSize: 5 }, async (api) => {
    const items = await collect(spec(api, { records: 'data.persons', pagination: { type: 'page' } }));
    assert.equal(items.length, 1);
    assert.equal(items[0]!.error?.code, 'SOURCE_RECORDS_NOT_FOUND');
    assert.match(items[0]!.error!.message, /page 1: source\.records found nothing/);
  });
});

test('records that are not objects are reported one by one; the others go on', async () => {
  await withApi({ data: persons(1), style: 'page' }, async (api) => {
    api.faults.set('1', { status: 200, body: JSON.stringify({ items: [{ id: 1 }, 'x', null, { id: 2 }] }) });
    const items = await collect(spec(api));
    assert.deepEqual(items.map((i) => i.error?.code ?? 'ok'), ['ok', 'SOURCE_RECORD_NOT_OBJECT', 'SOURCE_RECORD_NOT_OBJECT', 'ok']);
  });
});

test('bearer and API-key authentication come from environment variables; a refused token is SOURCE_AUTH_REFUSED without retries', async () => {
  await withApi({ data: persons(7), style: 'page', pageSize: 5, bearer: 's3cret-token' }, async (api) => {
    const s = spec(api, { auth: { type: 'bearer', tokenEnv: 'CV_TOKEN' }, pagination: { type: 'page', sizeParam: 'size', size: 5 } });
    assert.deepEqual(ids(await collect(s, { env: { CV_TOKEN: 's3cret-token' } })), range(7));
    const before = api.requests.length;
    const refused = await collect(s, { env: { CV_TOKEN: 'wrong' } });
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.error?.code, 'SOURCE_AUTH_REFUSED');
    assert.doesNotMatch(refused[0]!.error!.message, /wrong|s3cret/);
    assert.equal(api.requests.length - before, 1, 'a refusal is not retried');
    const missing = await collect(s, { env: {} });
    assert.equal(missing[0]!.error?.code, 'SOURCE_ENV_MISSING');
    assert.match(missing[0]!.error!.message, /CV_TOKEN/);
  });
  await withApi({ data: persons(3), style: 'page', apiKey: 'k-123' }, async (api) => {
    const s = spec(api, { auth: { type: 'api-key', header: 'X-Api-Key', valueEnv: 'CV_KEY' } });
    assert.deepEqual(ids(await collect(s, { env: { CV_KEY: 'k-123' } })), [1, 2, 3]);
  });
});

test('${NAME} and ${NAME:-default} in url, query and headers read the environment', async () => {
  await withApi({ data: persons(3), style: 'page' }, async (api) => {
    const port = new URL(api.url).port;
    const s: HttpSourceSpec = { type: 'http', url: 'http://127.0.0.1:${CV_PORT}/persons', key: 'email', records: 'items', query: { region: '${CV_REGION:-uusimaa}' }, headers: { 'X-Tenant': '${CV_TENANT}' } };
    assert.deepEqual(ids(await collect(s, { env: { CV_PORT: port, CV_TENANT: 't1' } })), [1, 2, 3]);
    assert.match(api.requests[0]!.url, /region=uusimaa/);
    assert.equal(api.requests[0]!.headers['x-tenant'], 't1');
  });
});

test('an unreachable host is SOURCE_UNREACHABLE after the retries, naming the source and page', async () => {
  const port = await freePort();
  const items: SourceItem[] = [];
  for await (const i of readHttpSource({ type: 'http', url: `http://127.0.0.1:${port}/persons`, key: 'k', records: 'items', retries: 1 }, { env: {}, backoff: FAST })) items.push(i);
  assert.equal(items.length, 1);
  assert.equal(items[0]!.error?.code, 'SOURCE_UNREACHABLE');
  assert.match(items[0]!.error!.message, new RegExp(`GET http://127\\.0\\.0\\.1:${port}/persons page 1: network error ECONNREFUSED after 2 attempts`));
});

test('a next link to another host, or back to the same page, stops with SOURCE_PAGINATION_INVALID after the page', async () => {
  await withApi({ data: persons(8), style: 'link', pageSize: 4, linkOrigin: 'http://other.example' }, async (api) => {
    const items = await collect(spec(api, { auth: { type: 'bearer', tokenEnv: 'T' }, pagination: { type: 'link' } }), { env: { T: 'tok' } });
    assert.deepEqual(ids(items), [1, 2, 3, 4]);
    assert.equal(items.at(-1)!.error?.code, 'SOURCE_PAGINATION_INVALID');
    assert.match(items.at(-1)!.error!.message, /another host/);
  });
  await withApi({ data: persons(8), style: 'cursor', pageSize: 4 }, async (api) => {
    api.faults.set('first', { status: 200, body: JSON.stringify({ items: [{ id: 1 }], next: 'same' }) });
    api.faults.set('same', { status: 200, body: JSON.stringify({ items: [{ id: 2 }], next: 'same' }) });
    const items = await collect(spec(api, { pagination: { type: 'cursor', next: 'next' } }));
    assert.deepEqual(ids(items), [1, 2]);
    assert.match(items.at(-1)!.error!.message, /would never end/);
  });
});

test('maxPages stops early, and a reader that stops early fetches no further pages', async () => {
  await withApi({ data: persons(30), style: 'page', pageSize: 5 }, async (api) => {
    const items = await collect(spec(api, { pagination: { type: 'page', sizeParam: 'size', size: 5, maxPages: 2 } }));
    assert.deepEqual(ids(items), range(10));
    assert.equal(api.requests.length, 2);
  });
  await withApi({ data: persons(30), style: 'page', pageSize: 5 }, async (api) => {
    const opened = openSource(spec(api, { pagination: { type: 'page', sizeParam: 'size', size: 5 } }), { baseDir: '.', cwd: '.', env: {} });
    assert.equal(await opened.estimateTotal(), undefined);
    let n = 0;
    for await (const _ of opened.items) if (++n === 3) break;
    assert.equal(api.requests.length, 1);
    assert.throws(() => openSource(spec(api), { baseDir: '.', cwd: '.', input: 'x.json' }), /--input/);
  });
});

test('Link headers: rel=next among several links, relative targets, quoted and unquoted rel', () => {
  const base = new URL('http://api.example/v1/persons?page=1');
  assert.equal(nextLink('<http://api.example/v1/persons?page=1>; rel="prev", <?page=2>; rel="next"', base), 'http://api.example/v1/persons?page=2');
  assert.equal(nextLink('</v1/persons?cursor=abc>; rel=next; title="x"', base), 'http://api.example/v1/persons?cursor=abc');
  assert.equal(nextLink('<http://api.example/x>; rel="next last"', base), 'http://api.example/x');
  assert.equal(nextLink('<http://api.example/x>; rel="last"', base), undefined);
  assert.equal(nextLink(undefined, base), undefined);
});

