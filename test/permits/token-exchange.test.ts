import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnvironmentConfig } from '../../src/config/project-config.js';
import { requireSecret } from '../../src/config/secrets.js';
import { isTmtError, type TmtError } from '../../src/errors.js';
import { decodeJwtClaims, exchangeCode } from '../../src/permits/token-exchange.js';
import { fakeJwt, startFakeTmt } from './fake-tmt.js';

const CLIENT = { clientId: 'org-client-1', clientSecret: 'client-secret-Qw3rty', subscriptionKey: 'sub-key-Zx9876' };
const REDIRECT = 'http://127.0.0.1:9/permits/callback';

function envFor(tokenUrl: string, clientId: string = CLIENT.clientId): EnvironmentConfig {
  return { baseUrl: 'http://127.0.0.1:1', tokenUrl, authorizeUrl: 'http://127.0.0.1:1/authorize', clientId, clientSecretEnv: 'X_SECRET', subscriptionKeyEnv: 'X_KEY' };
}

function exchangeFailed(e: unknown): e is TmtError {
  return isTmtError(e) && e.code === 'PERMIT_EXCHANGE_FAILED';
}

/** The message names no secret, code or token. */
function assertClean(message: string, ...secrets: string[]) {
  for (const s of [CLIENT.clientSecret, CLIENT.subscriptionKey, ...secrets]) assert.ok(!message.includes(s), `message contains ${s}: ${message}`);
}

test('exchangeCode: form-encoded grant with Basic auth and the subscription key; returns token, jti, expiresIn', async () => {
  const tmt = await startFakeTmt({ ...CLIENT, expiresIn: 1800 });
  try {
    const code = tmt.issueCode(REDIRECT);
    const r = await exchangeCode({ environment: envFor(tmt.tokenUrl), clientSecret: CLIENT.clientSecret, subscriptionKey: CLIENT.subscriptionKey, code, redirectUri: REDIRECT });
    const issued = tmt.issued[0];
    assert.ok(issued);
    assert.equal(r.token, issued.token);
    assert.equal(r.jti, issued.jti);
    assert.equal(r.expiresIn, 1800);
    const req = tmt.tokenRequests[0];
    assert.ok(req);
    assert.equal(req.authorization, `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`);
    assert.equal(req.subscriptionKey, CLIENT.subscriptionKey);
    assert.match(req.contentType ?? '', /^application\/x-www-form-urlencoded/);
    assert.deepEqual(req.form, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });

    // The same code again: invalid_grant, and not retried (one more request only).
    const err = await exchangeCode({ environment: envFor(tmt.tokenUrl), clientSecret: CLIENT.clientSecret, subscriptionKey: CLIENT.subscriptionKey, code, redirectUri: REDIRECT }).then(
      () => assert.fail('a used code must fail'),
      (e: unknown) => e,
    );
    assert.ok(exchangeFailed(err));
    assert.equal(err.message, `token exchange at ${tmt.tokenUrl} failed: HTTP 400 invalid_grant`);
    assertClean(err.message, code, issued.token);
    assert.equal(tmt.tokenRequests.length, 2);
  } finally {
    await tmt.close();
  }
});

test('exchangeCode: each OAuth2 error and other failures are PERMIT_EXCHANGE_FAILED naming URL, status and error code only', async () => {
  const tmt = await startFakeTmt(CLIENT);
  try {
    const base = { environment: envFor(tmt.tokenUrl), clientSecret: CLIENT.clientSecret, subscriptionKey: CLIENT.subscriptionKey, redirectUri: REDIRECT };
    const cases: Array<{ o: Parameters<typeof exchangeCode>[0]; expect: string }> = [
      { o: { ...base, code: tmt.issueCode(REDIRECT), clientSecret: 'wrong-secret-111' }, expect: 'HTTP 401 invalid_client' },
      { o: { ...base, code: tmt.issueCode(REDIRECT), subscriptionKey: 'wrong-key-222' }, expect: 'HTTP 401' },
      { o: { ...base, code: 'never-issued-code-333' }, expect: 'HTTP 400 invalid_grant' },
      { o: { ...base, code: tmt.issueCode('http://elsewhere.example/cb') }, expect: 'HTTP 400 invalid_grant' },
    ];
    for (const c of cases) {
      const e = await exchangeCode(c.o).then(() => undefined, (x: unknown) => x);
      assert.ok(exchangeFailed(e), c.expect);
      assert.equal(e.message, `token exchange at ${tmt.tokenUrl} failed: ${c.expect}`);
      assertClean(e.message, c.o.code, c.o.clientSecret, c.o.subscriptionKey);
    }
  } finally {
    await tmt.close();
  }

  // A server answering in other ways.
  const answers: Record<string, { status: number; body: string; type?: string }> = {
    '/unsupported': { status: 400, body: JSON.stringify({ error: 'unsupported_grant_type' }) },
    '/invalid-request': { status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: 'code abc-code-444 malformed' }) },
    '/html-500': { status: 500, body: '<html>gateway error abc-code-444</html>', type: 'text/html' },
    '/not-json': { status: 200, body: 'ok', type: 'text/plain' },
    '/no-token': { status: 200, body: JSON.stringify({ token_type: 'Bearer', expires_in: 60 }) },
    '/mac-token': { status: 200, body: JSON.stringify({ access_token: 'abc', token_type: 'mac', expires_in: 60 }) },
    '/weird-error': { status: 400, body: JSON.stringify({ error: 'Some <script> text abc-code-444' }) },
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/slow') return setTimeout(() => res.end('{}'), 2000).unref();
    const a = answers[path] ?? { status: 404, body: '' };
    res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' });
    res.end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const expected: Record<string, string> = {
      '/unsupported': 'HTTP 400 unsupported_grant_type',
      '/invalid-request': 'HTTP 400 invalid_request',
      '/html-500': 'HTTP 500',
      '/not-json': 'HTTP 200 but the answer is not JSON (text/plain)',
      '/no-token': 'HTTP 200 but the answer has no access_token',
      '/mac-token': 'HTTP 200 but token_type is not Bearer',
      '/weird-error': 'HTTP 400',
    };
    for (const [path, text] of Object.entries(expected)) {
      const e = await exchangeCode({ environment: envFor(`${url}${path}`), clientSecret: CLIENT.clientSecret, subscriptionKey: CLIENT.subscriptionKey, code: 'abc-code-444', redirectUri: REDIRECT }).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(exchangeFailed(e), path);
      assert.equal(e.message, `token exchange at ${url}${path} failed: ${text}`);
      assertClean(e.message, 'abc-code-444');
    }
    // Credentials and query in the configured URL are never repeated.
    const withCreds = `http://user:pw-555@127.0.0.1:${(server.address() as AddressInfo).port}/html-500?key=q-666`;
    const e1 = await exchangeCode({ environment: envFor(withCreds), clientSecret: CLIENT.clientSecret, subscriptionKey: CLIENT.subscriptionKey, code: 'c', redirectUri: REDIRECT }).then(() => undefined, (x: unknown) => x);
    assert.ok(exchangeFailed(e1));
    assert.equal(e1.message, `token exchange at ${url}/html-500 failed: HTTP 500`);
    // Timeout.
    const e2 = await exchangeCode({ environment: envFor(`${url}/slow`), clientSecret: CLIENT.clientSecret, subscriptionKey: CLIENT.subscriptionKey, code: 'c', redirectUri: REDIRECT, timeoutMs: 200 }).then(() => undefined, (x: unknown) => x);
    assert.ok(exchangeFailed(e2));
    assert.equal(e2.message, `token exchange at ${url}/slow failed: no answer within 200 ms`);
  } finally {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  }
  // Nobody listening.
  const e3 = await exchangeCode({ environment: envFor(`${url}/token`), clientSecret: CLIENT.clientSecret, subscriptionKey: CLIENT.subscriptionKey, code: 'c', redirectUri: REDIRECT }).then(() => undefined, (x: unknown) => x);
  assert.ok(exchangeFailed(e3));
  assert.equal(e3.message, `token exchange at ${url}/token failed: network error ECONNREFUSED`);
});

test('exchangeCode: expires_in is honoured; without it the JWT exp, else one hour; no clientId is a config error', async () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const token = fakeJwt({ jti: 'j-1', exp: now.getTime() / 1000 + 600 });
  const bodies: Record<string, unknown> = {
    '/stated': { access_token: token, token_type: 'Bearer', expires_in: '900' },
    '/exp': { access_token: token, token_type: 'bearer' },
    '/opaque': { access_token: 'opaque-token' },
  };
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(bodies[new URL(req.url ?? '/', 'http://x').pathname] ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const go = (path: string) => exchangeCode({ environment: envFor(`${url}${path}`), clientSecret: 's', subscriptionKey: 'k', code: 'c', redirectUri: REDIRECT, now: () => now });
    assert.deepEqual(await go('/stated'), { token, jti: 'j-1', expiresIn: 900 });
    assert.deepEqual(await go('/exp'), { token, jti: 'j-1', expiresIn: 600 });
    assert.deepEqual(await go('/opaque'), { token: 'opaque-token', expiresIn: 3600 });
    await assert.rejects(exchangeCode({ environment: envFor(`${url}/stated`, ''), clientSecret: 's', subscriptionKey: 'k', code: 'c', redirectUri: REDIRECT }), (e: unknown) => isTmtError(e) && e.code === 'CONFIG_INVALID');
  } finally {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  }
  assert.deepEqual(decodeJwtClaims(token), { jti: 'j-1', exp: now.getTime() / 1000 + 600 });
  assert.equal(decodeJwtClaims('not-a-jwt'), undefined);
  assert.equal(decodeJwtClaims('a.!!!.c'), undefined);
});

test('requireSecret: the value, or CONFIG_SECRET_MISSING naming the variable', () => {
  assert.equal(requireSecret({ MY_SECRET: 'v' }, 'MY_SECRET', 'the client secret'), 'v');
  for (const env of [{}, { MY_SECRET: '' }]) {
    assert.throws(
      () => requireSecret(env, 'MY_SECRET', 'the OAuth2 client secret of environment "test"'),
      (e: unknown) => isTmtError(e) && e.code === 'CONFIG_SECRET_MISSING' && e.message === 'the OAuth2 client secret of environment "test": the environment variable MY_SECRET is not set',
    );
  }
});
