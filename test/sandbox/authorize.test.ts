import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redirectUriRegistered } from '../../src/sandbox/clients.js';
import { SANDBOX_DEFAULTS } from '../../src/sandbox/sandbox-server.js';
import { approve, authorizeUrl, CALLBACK, CLIENT, postForm, requestToken, sandbox } from './sandbox-fixtures.js';

const ORG = 'Osaamispolku Oy';
const clients = [{ clientId: 'cv-service', clientSecret: 'cv-secret-123', name: ORG, redirectUris: ['http://127.0.0.1/permits/callback', 'https://cv.example.test/tmt/callback'] }];

test('the permit page names the organisation, says what it asks in Finnish and English, and has the ids a browser test needs', async (t) => {
  const sb = await sandbox(t, { clients });
  const r = await fetch(authorizeUrl(sb, { client_id: 'cv-service', redirect_uri: 'https://cv.example.test/tmt/callback', login_hint: 'maija.meikalainen' }));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  const html = await r.text();
  assert.ok(html.includes(ORG), 'organisation named');
  assert.match(html, /pyytää lupaa tuoda profiilitietoja/);
  assert.match(html, /asks for permission to import profile data \(such as work experience, education, skills and languages\) into your Job Market Finland jobseeker profile/);
  assert.match(html, /yhtä tuontikertaa/);
  assert.match(html, /one import/);
  assert.match(html, /lang="fi"/);
  assert.match(html, /lang="en"/);
  assert.match(html, /<button[^>]*id="approve"/);
  assert.match(html, /<button[^>]*id="cancel"/);
  assert.match(html, /<input[^>]*id="identity"[^>]*value="maija.meikalainen"/);
  assert.match(html, /<label for="identity">/);
  assert.match(html, /<form method="post" action="\/authorize">/);
  assert.match(html, /name="client_id" value="cv-service"/);
  assert.match(html, /name="redirect_uri" value="https:\/\/cv.example.test\/tmt\/callback"/);
  assert.match(html, /name="state" value="st-1"/);
  assert.match(html, /name="scope" value="import"/);
  assert.match(html, /strong identification/);
});

test('without login_hint the identity field holds a fresh sandbox id; scope=read asks to read', async (t) => {
  const sb = await sandbox(t);
  const html = await (await fetch(authorizeUrl(sb))).text();
  assert.match(html, /id="identity"[^>]*value="sandbox-person-[0-9a-f]{8}"/);
  assert.ok(html.includes(SANDBOX_DEFAULTS.organisation));
  const read = await (await fetch(authorizeUrl(sb, { scope: 'read' }))).text();
  assert.match(read, /lupaa lukea/);
  assert.match(read, /permission to read/);
  assert.match(read, /name="scope" value="read"/);
});

test('values on the page are escaped', async (t) => {
  const sb = await sandbox(t, { clients: [{ ...clients[0]!, name: '<script>alert(1)</script> & Co' }] });
  const html = await (await fetch(authorizeUrl(sb, { client_id: 'cv-service', redirect_uri: 'http://127.0.0.1/permits/callback', state: '"><img src=x>' }))).text();
  assert.ok(!html.includes('<script>alert(1)'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co'));
  assert.ok(html.includes('value="&quot;&gt;&lt;img src=x&gt;"'));
});

test('unknown client, unregistered redirect URI or a bad response_type get an error page and no redirect', async (t) => {
  const sb = await sandbox(t);
  const cases: Array<[string, Record<string, string | undefined>]> = [
    ['unknown client', { client_id: 'nobody' }],
    ['missing client', { client_id: undefined }],
    ['unregistered path', { redirect_uri: 'http://127.0.0.1:47001/evil' }],
    ['unregistered host', { redirect_uri: 'https://evil.example.test/permits/callback' }],
    ['missing redirect', { redirect_uri: undefined }],
    ['token response type', { response_type: 'token' }],
    ['missing response type', { response_type: undefined }],
    ['bad login hint', { login_hint: 'has spaces and <tags>' }],
  ];
  for (const [name, params] of cases) {
    const r = await fetch(authorizeUrl(sb, params), { redirect: 'manual' });
    assert.equal(r.status, 400, name);
    assert.equal(r.headers.get('location'), null, name);
    const html = await r.text();
    assert.match(html, /Virheellinen lupapyyntö/, name);
    assert.match(html, /Invalid permission request/, name);
    assert.match(html, /id="error"/, name);
  }
  const dup = await fetch(`${authorizeUrl(sb)}&client_id=${CLIENT}`, { redirect: 'manual' });
  assert.equal(dup.status, 400);
  assert.equal(dup.headers.get('location'), null);
  // A POST with a tampered redirect URI is refused the same way.
  const post = await postForm(`${sb.url}/authorize`, { client_id: CLIENT, redirect_uri: 'https://evil.example.test/cb', state: 's', identity: 'p', action: 'approve' });
  assert.equal(post.status, 400);
  assert.equal(post.headers.get('location'), null);
});

test('an unknown scope on a sound request goes back to the client as invalid_scope', async (t) => {
  const sb = await sandbox(t);
  const r = await fetch(authorizeUrl(sb, { scope: 'admin' }), { redirect: 'manual' });
  assert.equal(r.status, 302);
  const loc = new URL(r.headers.get('location') ?? '');
  assert.equal(loc.searchParams.get('error'), 'invalid_scope');
  assert.equal(loc.searchParams.get('state'), 'st-1');
});

test('loopback redirect URIs match on any port; others match exactly', async (t) => {
  const client = { clientId: 'c', clientSecret: 's', name: 'n', redirectUris: ['http://127.0.0.1/permits/callback', 'http://localhost:8080/cb', 'https://cv.example.test/cb'] };
  assert.ok(redirectUriRegistered(client, 'http://127.0.0.1:54321/permits/callback'));
  assert.ok(redirectUriRegistered(client, 'http://127.0.0.1/permits/callback'));
  assert.ok(redirectUriRegistered(client, 'http://localhost:9/cb'));
  assert.ok(!redirectUriRegistered(client, 'http://localhost:9/cb/'), 'path differs');
  assert.ok(!redirectUriRegistered(client, 'http://127.0.0.1:54321/permits/callback?x=1'), 'query differs');
  assert.ok(!redirectUriRegistered(client, 'http://localhost:54321/permits/callback'), 'host differs');
  assert.ok(!redirectUriRegistered(client, 'https://127.0.0.1:54321/permits/callback'), 'scheme differs');
  assert.ok(redirectUriRegistered(client, 'https://cv.example.test/cb'));
  assert.ok(!redirectUriRegistered(client, 'https://cv.example.test:8443/cb'), 'non-loopback port differs');
  assert.ok(!redirectUriRegistered(client, 'https://cv.example.test/cb?x=1'));

  const sb = await sandbox(t);
  for (const uri of ['http://127.0.0.1:1/permits/callback', 'http://127.0.0.1:65000/permits/callback', 'http://localhost:3000/permits/callback', 'http://[::1]:4000/permits/callback']) {
    const r = await fetch(authorizeUrl(sb, { redirect_uri: uri }));
    assert.equal(r.status, 200, uri);
    await r.arrayBuffer();
  }
});

test('approve redirects with a code and the state; cancel with access_denied', async (t) => {
  const sb = await sandbox(t);
  const ok = await approve(sb, { state: 'xyz 1/2', identity: 'person-a' });
  assert.match(ok.get('code') ?? '', /^[A-Za-z0-9_-]{32}$/);
  assert.equal(ok.get('state'), 'xyz 1/2');
  assert.equal(ok.get('error'), null);

  const r = await postForm(`${sb.url}/authorize`, { client_id: CLIENT, redirect_uri: CALLBACK, state: 'st-2', scope: 'import', identity: 'person-a', action: 'cancel' });
  assert.equal(r.status, 302);
  const loc = new URL(r.headers.get('location') ?? '');
  assert.equal(`${loc.origin}${loc.pathname}`, CALLBACK);
  assert.equal(loc.searchParams.get('error'), 'access_denied');
  assert.equal(loc.searchParams.get('state'), 'st-2');
  assert.equal(loc.searchParams.get('code'), null);
});

test('the redirect keeps a query the registered redirect URI already has', async (t) => {
  const sb = await sandbox(t, { clients: [{ clientId: 'q', clientSecret: 'q-secret', name: 'Q Oy', redirectUris: ['https://cv.example.test/cb?tenant=7'] }] });
  const q = await approve(sb, { clientId: 'q', redirectUri: 'https://cv.example.test/cb?tenant=7' });
  assert.equal(q.get('tenant'), '7');
  assert.ok(q.get('code'));
});

test('approving without a valid identity shows the page again with a message (400)', async (t) => {
  const sb = await sandbox(t);
  for (const identity of ['', '   ', 'two words', 'x'.repeat(101)]) {
    const r = await postForm(`${sb.url}/authorize`, { client_id: CLIENT, redirect_uri: CALLBACK, state: 's', scope: 'import', identity, action: 'approve' });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('location'), null);
    const html = await r.text();
    assert.match(html, /id="form-error"/);
    assert.match(html, /id="approve"/);
  }
  const noAction = await postForm(`${sb.url}/authorize`, { client_id: CLIENT, redirect_uri: CALLBACK, identity: 'p' });
  assert.equal(noAction.status, 400);
  const json = await fetch(`${sb.url}/authorize`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(json.status, 415);
});

test('with auto-approve, GET /authorize redirects straight back with a code for login_hint or a fresh person', async (t) => {
  const sb = await sandbox(t, { autoApprove: true });
  const r = await fetch(authorizeUrl(sb, { login_hint: 'auto-person' }), { redirect: 'manual' });
  assert.equal(r.status, 302);
  const loc = new URL(r.headers.get('location') ?? '');
  assert.equal(loc.searchParams.get('state'), 'st-1');
  const code = loc.searchParams.get('code') ?? '';
  const tok = await requestToken(sb, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK });
  const { access_token } = (await tok.json()) as { access_token: string };
  const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  assert.equal(claims.sub, 'auto-person');

  const fresh = await fetch(authorizeUrl(sb), { redirect: 'manual' });
  assert.equal(fresh.status, 302);
  // Still no redirect for an unregistered URI.
  const bad = await fetch(authorizeUrl(sb, { redirect_uri: 'https://evil.example.test/' }), { redirect: 'manual' });
  assert.equal(bad.status, 400);

  sb.setAutoApprove(false);
  const page = await fetch(authorizeUrl(sb), { redirect: 'manual' });
  assert.equal(page.status, 200);
  await page.arrayBuffer();
});

test('a code is single-use; reusing it also revokes the token it gave', async (t) => {
  const sb = await sandbox(t);
  const code = (await approve(sb)).get('code') ?? '';
  const first = await requestToken(sb, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK });
  assert.equal(first.status, 200);
  const { access_token } = (await first.json()) as { access_token: string };
  const second = await requestToken(sb, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK });
  assert.equal(second.status, 400);
  assert.deepEqual(((await second.json()) as { error: string }).error, 'invalid_grant');
  const put = await fetch(`${sb.url}/v1/profile`, { method: 'PUT', headers: { 'KIPA-Subscription-Key': 'sandbox-subscription-key', Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' }, body: '{"languageSkills":[{"code":"fi","level":"C2"}]}' });
  assert.equal(put.status, 401);
  assert.match(((await put.json()) as { detail: string }).detail, /revoked/);
});

test('a code expires after codeTtlSeconds (injected clock)', async (t) => {
  let clock = Date.parse('2024-06-15T12:00:00Z');
  const sb = await sandbox(t, { now: () => clock, codeTtlSeconds: 60 });
  const early = (await approve(sb)).get('code') ?? '';
  const late = (await approve(sb)).get('code') ?? '';
  clock += 59_000;
  const ok = await requestToken(sb, { grant_type: 'authorization_code', code: early, redirect_uri: CALLBACK });
  assert.equal(ok.status, 200);
  await ok.arrayBuffer();
  clock += 1_000;
  const expired = await requestToken(sb, { grant_type: 'authorization_code', code: late, redirect_uri: CALLBACK });
  assert.equal(expired.status, 400);
  const body = (await expired.json()) as { error: string; error_description: string };
  assert.equal(body.error, 'invalid_grant');
  assert.match(body.error_description, /expired/);
});
