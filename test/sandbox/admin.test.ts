import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { SANDBOX_DEFAULTS, startSandbox } from '../../src/sandbox/sandbox-server.js';
import { isTmtError } from '../../src/errors.js';
import { authorizeUrl, EMPLOYMENTS, LANGUAGES, permit, problem, putProfile, sandbox } from './sandbox-fixtures.js';

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.json(), headers: r.headers };
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

test('/_sandbox routes: imports, profiles, faults, auto-approve, reset, health', async (t) => {
  const sb = await sandbox(t);
  const health = await json(`${sb.url}/_sandbox/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(health.body, { status: 'ok', url: sb.url, autoApprove: false, imports: 0, persons: 0 });

  assert.equal((await putProfile(sb, await permit(sb, 'anna k'.replace(' ', '.')), LANGUAGES)).status, 204);
  assert.equal((await putProfile(sb, await permit(sb, 'bo@example.test'), EMPLOYMENTS)).status, 204);

  const imports = await json(`${sb.url}/_sandbox/imports`);
  assert.equal(imports.status, 200);
  assert.deepEqual(imports.body, sb.imports());
  assert.deepEqual((imports.body as Array<{ personId: string }>).map((r) => r.personId), ['anna.k', 'bo@example.test']);
  assert.ok(!JSON.stringify(imports.body).includes('eyJ'), 'no tokens');

  assert.deepEqual((await json(`${sb.url}/_sandbox/profiles`)).body, ['anna.k', 'bo@example.test']);
  const one = await json(`${sb.url}/_sandbox/profiles/${encodeURIComponent('bo@example.test')}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, EMPLOYMENTS);
  await problem(await fetch(`${sb.url}/_sandbox/profiles/nobody`), 404);

  const set = await json(`${sb.url}/_sandbox/faults`, post({ latencyMs: 10, errorRate: 0.25, rateLimit: { limit: 5, windowSeconds: 2 } }));
  assert.equal(set.status, 200);
  assert.deepEqual(set.body, { latencyMs: 10, errorRate: 0.25, rateLimit: { limit: 5, windowSeconds: 2 }, effectiveRateLimit: { limit: 5, windowSeconds: 2 } });
  assert.deepEqual((await json(`${sb.url}/_sandbox/faults`)).body, set.body);
  const r = await putProfile(sb, await permit(sb), LANGUAGES);
  assert.equal(r.headers.get('ratelimit-limit'), '5');
  await r.arrayBuffer();
  const cleared = await json(`${sb.url}/_sandbox/faults`, post({}));
  assert.deepEqual(cleared.body, { effectiveRateLimit: { limit: 1000, windowSeconds: 1 } });
  const badFaults = await fetch(`${sb.url}/_sandbox/faults`, post({ errorRate: 3 }));
  const bp = await problem(badFaults, 400);
  assert.match(bp.detail, /errorRate/);
  await problem(await fetch(`${sb.url}/_sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{nope' }), 400);
  await problem(await fetch(`${sb.url}/_sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' }), 415);

  assert.deepEqual((await json(`${sb.url}/_sandbox/auto-approve`, post({ enabled: true }))).body, { autoApprove: true });
  const auto = await fetch(authorizeUrl(sb), { redirect: 'manual' });
  assert.equal(auto.status, 302);
  assert.deepEqual((await json(`${sb.url}/_sandbox/auto-approve`, post({ enabled: false }))).body, { autoApprove: false });
  await problem(await fetch(`${sb.url}/_sandbox/auto-approve`, post({ enabled: 'yes' })), 400);
  await problem(await fetch(`${sb.url}/_sandbox/auto-approve`, post({})), 400);

  const token = await permit(sb, 'spent-before-reset');
  assert.equal((await putProfile(sb, token, LANGUAGES)).status, 204);
  const reset = await json(`${sb.url}/_sandbox/reset`, { method: 'POST' });
  assert.equal(reset.status, 200);
  assert.deepEqual((await json(`${sb.url}/_sandbox/imports`)).body, []);
  assert.deepEqual((await json(`${sb.url}/_sandbox/profiles`)).body, []);
  assert.equal(sb.profile('anna.k'), undefined);
  assert.equal((await putProfile(sb, token, LANGUAGES)).status, 204, 'spent tokens are forgotten by reset');
});

test('GET / is an HTML index linking the sandbox routes', async (t) => {
  const sb = await sandbox(t);
  const r = await fetch(`${sb.url}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
  const html = await r.text();
  for (const href of ['/_sandbox/imports', '/_sandbox/profiles', '/_sandbox/faults', '/_sandbox/health']) assert.ok(html.includes(`href="${href}"`), href);
  assert.ok(html.includes(SANDBOX_DEFAULTS.clientId));
  assert.match(html, /PUT \/v1\/profile/);
});

test('unknown paths are 404 problem+json; wrong methods 405 with Allow; OPTIONS and HEAD work', async (t) => {
  const sb = await sandbox(t);
  await problem(await fetch(`${sb.url}/v2/profile`), 404);
  await problem(await fetch(`${sb.url}/authorize/`), 404);
  const del = await fetch(`${sb.url}/v1/profile`, { method: 'DELETE' });
  assert.equal(del.headers.get('allow'), 'PUT, GET, HEAD, OPTIONS');
  await problem(del, 405);
  const get = await fetch(`${sb.url}/v1/request-token`);
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  await problem(get, 405);
  const opt = await fetch(`${sb.url}/_sandbox/faults`, { method: 'OPTIONS' });
  assert.equal(opt.status, 204);
  assert.equal(opt.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
  const head = await fetch(`${sb.url}/_sandbox/health`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

/** Sends raw bytes; resolves with the answer's head as soon as it is complete, or what came before the server closed (or `waitMs` passed). */
function raw(port: number, data: string | Buffer, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (c) => {
      out += c.toString('latin1');
      if (out.includes('\r\n\r\n')) done();
    });
    socket.on('close', done);
    socket.on('error', done);
    socket.write(data);
  });
}

test('the server survives garbage: malformed requests get 4xx, never 500, and it keeps serving', async (t) => {
  const sb = await sandbox(t);
  const status = (s: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(s)?.[1] ?? 0);
  const answers = await Promise.all([
    raw(sb.port, 'GARBAGE\r\n\r\n'),
    raw(sb.port, 'GET /_sandbox/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'),
    raw(sb.port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`),
    raw(sb.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'),
    raw(sb.port, 'GET /_sandbox/profiles/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    raw(sb.port, 'PUT /v1/profile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
    raw(sb.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])), // a TLS ClientHello
  ]);
  for (const a of answers) {
    const s = status(a);
    assert.ok(s >= 400 && s < 500, `expected 4xx, got: ${a.slice(0, 80)}`);
  }
  // A PUT whose body never completes: the client goes away mid-body.
  const token = await permit(sb);
  const partial = await raw(sb.port, `PUT /v1/profile HTTP/1.1\r\nHost: x\r\nKIPA-Subscription-Key: ${SANDBOX_DEFAULTS.subscriptionKey}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"langu`, 200);
  assert.equal(partial, '', 'no answer before the body is complete');
  // Bad JSON, bad personal-data path encodings and the like over fetch.
  await problem(await putProfile(sb, await permit(sb), '\u0000\u0001'), 400);
  const health = await fetch(`${sb.url}/_sandbox/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
});

test('startSandbox rejects with SANDBOX_START_FAILED when the port is in use or options are wrong', async (t) => {
  const sb = await sandbox(t);
  await assert.rejects(startSandbox({ port: sb.port }), (e: unknown) => isTmtError(e) && e.code === 'SANDBOX_START_FAILED' && /in use/.test(e.message));
  await assert.rejects(startSandbox({ port: 0, clients: [] }), (e: unknown) => isTmtError(e) && e.code === 'SANDBOX_START_FAILED');
  await assert.rejects(startSandbox({ port: 0, clients: [{ clientId: 'c', clientSecret: 's', name: 'n', redirectUris: ['not a url'] }] }), (e: unknown) => isTmtError(e) && e.code === 'SANDBOX_START_FAILED');
  await assert.rejects(startSandbox({ port: 70000 }), (e: unknown) => isTmtError(e) && e.code === 'SANDBOX_START_FAILED');
  await assert.rejects(startSandbox({ port: 0, profiles: { p: { employments: [] } } }), (e: unknown) => isTmtError(e) && /profile contract/.test(e.message));
  const seeded = await sandbox(t, { profiles: { 'seed-1': LANGUAGES } });
  assert.deepEqual(seeded.profile('seed-1'), LANGUAGES);
});
