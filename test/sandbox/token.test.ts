import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signJwt, verifyJwt } from '../../src/sandbox/jwt.js';
import { approve, basic, CALLBACK, CLIENT, KEY, postForm, requestToken, sandbox, SECRET } from './sandbox-fixtures.js';

async function oauthError(r: Response, status: number, error: string): Promise<void> {
  assert.equal(r.status, status, error);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await r.json()) as { error: string; error_description: string };
  assert.equal(body.error, error);
  assert.equal(typeof body.error_description, 'string');
}

test('the token endpoint answers each OAuth2 error with its status', async (t) => {
  const sb = await sandbox(t);
  const code = (await approve(sb)).get('code') ?? '';
  const good = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK };

  await oauthError(await requestToken(sb, { ...good, grant_type: 'client_credentials' }), 400, 'unsupported_grant_type');
  await oauthError(await requestToken(sb, { code, redirect_uri: CALLBACK }), 400, 'invalid_request');
  await oauthError(await requestToken(sb, { grant_type: 'authorization_code', redirect_uri: CALLBACK }), 400, 'invalid_request');
  await oauthError(await requestToken(sb, { grant_type: 'authorization_code', code }), 400, 'invalid_request');
  await oauthError(await requestToken(sb, { ...good, code: 'no-such-code' }), 400, 'invalid_grant');
  await oauthError(await requestToken(sb, { ...good, redirect_uri: 'http://127.0.0.1:47002/permits/callback' }), 400, 'invalid_grant');
  // Repeated parameter, wrong media type: malformed.
  const dup = await fetch(`${sb.url}/v1/request-token`, { method: 'POST', headers: { 'KIPA-Subscription-Key': KEY, Authorization: basic(CLIENT, SECRET), 'Content-Type': 'application/x-www-form-urlencoded' }, body: `grant_type=authorization_code&code=${code}&code=${code}&redirect_uri=${encodeURIComponent(CALLBACK)}` });
  await oauthError(dup, 400, 'invalid_request');
  const json = await fetch(`${sb.url}/v1/request-token`, { method: 'POST', headers: { 'KIPA-Subscription-Key': KEY, Authorization: basic(CLIENT, SECRET), 'Content-Type': 'application/json' }, body: JSON.stringify(good) });
  await oauthError(json, 400, 'invalid_request');

  // None of the failures above used up the code.
  const ok = await requestToken(sb, good);
  assert.equal(ok.status, 200);
  await ok.arrayBuffer();
});

test('bad client authentication is 401 invalid_client with a Basic challenge', async (t) => {
  const sb = await sandbox(t);
  const code = (await approve(sb)).get('code') ?? '';
  const fields = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK };
  const cases: Array<[string, Record<string, string>]> = [
    ['no Authorization', { Authorization: '' }],
    ['wrong secret', { Authorization: basic(CLIENT, 'wrong') }],
    ['unknown client', { Authorization: basic('someone-else', SECRET) }],
    ['not Basic', { Authorization: `Bearer ${SECRET}` }],
    ['no colon', { Authorization: 'Basic ' + Buffer.from('just-an-id').toString('base64') }],
    ['garbage', { Authorization: 'Basic %%%' }],
  ];
  for (const [name, headers] of cases) {
    const r = await postForm(`${sb.url}/v1/request-token`, fields, { 'KIPA-Subscription-Key': KEY, ...headers });
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm=/, name);
    await oauthError(r, 401, 'invalid_client');
  }
  const mismatch = await requestToken(sb, { ...fields, client_id: 'other' });
  await oauthError(mismatch, 401, 'invalid_client');
  // A code issued to one client cannot be redeemed by another.
  const other = await sandbox(t, { clients: [{ clientId: 'a', clientSecret: 'a-secret', name: 'A', redirectUris: [CALLBACK] }, { clientId: 'b', clientSecret: 'b-secret', name: 'B', redirectUris: [CALLBACK] }] });
  const codeA = (await approve(other, { clientId: 'a' })).get('code') ?? '';
  const byB = await postForm(`${other.url}/v1/request-token`, { grant_type: 'authorization_code', code: codeA, redirect_uri: CALLBACK }, { 'KIPA-Subscription-Key': KEY, Authorization: basic('b', 'b-secret') });
  await oauthError(byB, 400, 'invalid_grant');
});

test('a missing or wrong subscription key is 401 at the token endpoint', async (t) => {
  const sb = await sandbox(t);
  const code = (await approve(sb)).get('code') ?? '';
  for (const key of ['', 'wrong-key']) {
    const r = await postForm(`${sb.url}/v1/request-token`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, { Authorization: basic(CLIENT, SECRET), ...(key ? { 'KIPA-Subscription-Key': key } : {}) });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('content-type') ?? '', /json/);
    const body = (await r.json()) as { detail: string };
    assert.match(body.detail, /subscription key/);
  }
});

test('a token is an HS256 JWT with iss, sub, aud, jti, iat, exp and scope, signed with the signing secret', async (t) => {
  const signingSecret = 'test-signing-secret-0123456789';
  const clock = Date.parse('2024-06-15T12:00:00Z');
  const sb = await sandbox(t, { signingSecret, now: () => clock, tokenTtlSeconds: 900 });
  const code = (await approve(sb, { identity: 'person-jwt' })).get('code') ?? '';
  const r = await requestToken(sb, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('pragma'), 'no-cache');
  const body = (await r.json()) as { access_token: string; token_type: string; expires_in: number };
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 900);
  const [h, p, s] = body.access_token.split('.') as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), { alg: 'HS256', typ: 'JWT' });
  // An independent check of the signature.
  assert.equal(s, createHmac('sha256', signingSecret).update(`${h}.${p}`).digest('base64url'));
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  assert.equal(claims.iss, sb.url);
  assert.equal(claims.sub, 'person-jwt');
  assert.equal(claims.aud, CLIENT);
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  assert.equal(claims.iat, clock / 1000);
  assert.equal(claims.exp, clock / 1000 + 900);
  assert.equal(claims.scope, 'import');

  const direct = sb.issueToken('person-direct', undefined, 'read');
  assert.equal(direct.expires_in, 900);
  const dc = JSON.parse(Buffer.from(direct.access_token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  assert.equal(dc.sub, 'person-direct');
  assert.equal(dc.scope, 'read');
  assert.equal(dc.jti, direct.jti);
  assert.throws(() => sb.issueToken('p', 'no-such-client'), RangeError);
});

test('verifyJwt refuses tampering, other algorithms, other issuers and expired tokens', () => {
  const secret = 'another-secret-0123456789';
  const claims = { iss: 'http://127.0.0.1:1', sub: 'p', aud: 'c', jti: 'j', iat: 1000, exp: 2000, scope: 'import' };
  const token = signJwt(claims, secret);
  const ok = verifyJwt(token, secret, 1500, claims.iss);
  assert.ok(ok.ok);
  assert.deepEqual(ok.ok && ok.claims, claims);
  const [h, p, s] = token.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
  assert.equal(verifyJwt(`${h}.${forged}.${s}`, secret, 1500, claims.iss).ok, false);
  assert.equal(verifyJwt(token, 'wrong-secret-0123456789', 1500, claims.iss).ok, false);
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  assert.equal(verifyJwt(`${none}.${p}.${s}`, secret, 1500, claims.iss).ok, false);
  assert.equal(verifyJwt(`${none}.${p}.`, secret, 1500, claims.iss).ok, false);
  assert.equal(verifyJwt(token, secret, 1500, 'http://elsewhere').ok, false);
  const expired = verifyJwt(token, secret, 2000, claims.iss);
  assert.ok(!expired.ok && expired.expired);
  for (const junk of ['', 'a.b', 'a.b.c.d', '!!.??.**', `${h}.${p}`]) assert.equal(verifyJwt(junk, secret, 1500, claims.iss).ok, false, junk);
});
